import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvirtError, XmlError } from '../protocol/errors.js';
import { CommandError, formatError } from './errors.js';
import { CliError } from './types.js';

test('no-domain becomes "failed to get domain" with the argument as given', () => {
  const f = formatError(new TsvirtError('no-domain', "no domain with matching name 'x'"), { domain: 'x', action: "Failed to start domain 'x'" });
  assert.deepEqual(f.lines, ["error: failed to get domain 'x'"]);
  assert.equal(f.exitCode, 1);
});

test('connection failures split like virsh and stop a batch', () => {
  const f = formatError(new TsvirtError('no-connect', "failed to connect to the hypervisor: cannot reach tsvirtd at '/s'"));
  assert.deepEqual(f.lines, ['error: failed to connect to the hypervisor', "error: cannot reach tsvirtd at '/s'"]);
  assert.equal(f.fatal, true);
});

test('action line, then the libvirt-style message with its code prefix', () => {
  const f = formatError(new CommandError(new TsvirtError('operation-invalid', 'domain is not running'), { domain: 'd', action: "Failed to destroy domain 'd'" }));
  assert.deepEqual(f.lines, ["error: Failed to destroy domain 'd'", 'error: Requested operation is not valid: domain is not running']);
  assert.equal(f.fatal, false);
  // an already prefixed message is not prefixed twice
  assert.deepEqual(formatError(new TsvirtError('operation-failed', 'operation failed: boom')).lines, ['error: operation failed: boom']);
  assert.deepEqual(formatError(new XmlError('bad', 3)).lines, ['error: XML error: bad (line 3)']);
});

test('CliError lines, plain errors and non-errors never give a stack', () => {
  assert.deepEqual(formatError(new CliError('a', 'b')).lines, ['error: a', 'error: b']);
  assert.deepEqual(formatError(new CliError()).lines, []);
  assert.deepEqual(formatError(new Error('plain')).lines, ['error: plain']);
  assert.deepEqual(formatError('text').lines, ['error: text']);
});
