// The real bin/tsvirt, without a daemon: global options, parse errors, connection errors, batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/tsvirt');
const NOSOCK = 'qemu+unix:///system?socket=/nonexistent/tsvirt-test.sock';

function tsvirt(args: string[], input = '') {
  const r = spawnSync(BIN, args, { encoding: 'utf8', input, env: { ...process.env, TSVIRT_DEFAULT_URI: NOSOCK } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a missing daemon: virsh\'s two lines, exit 1, no blank line, no stack', () => {
  const r = tsvirt(['list']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(r.err, "error: failed to connect to the hypervisor\nerror: cannot reach tsvirtd at '/nonexistent/tsvirt-test.sock' (is tsvirtd running?)\n");
});

test('a bad URI is a connection failure too', () => {
  const r = tsvirt(['-c', 'bad:///x', 'list']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: failed to connect to the hypervisor\nerror: unsupported connection URI 'bad:\/\/\/x'/);
});

test('a syntax error anywhere in a command string runs nothing', () => {
  const r = tsvirt(['help hostname; nosuch; help uri']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(r.err, "error: unknown command: 'nosuch'\n");
});

test('help needs no daemon; -q drops the blank line; batch lines from stdin', () => {
  const r = tsvirt(['help', 'hostname']);
  assert.equal(r.code, 0);
  assert.equal(r.out, '  NAME\n    hostname - print the hypervisor hostname\n\n  SYNOPSIS\n    hostname [--json]\n\n  OPTIONS\n    --json           print the result as JSON (tsvirt extension)\n\n\n');
  const s = tsvirt(['-q'], 'help uri\nhelp nosuchcmd\nhelp hostname\n');
  assert.equal(s.code, 1, 'a failed line makes the exit code 1');
  assert.match(s.out, /uri - print the hypervisor canonical URI[\s\S]*hostname - print the hypervisor hostname/);
  assert.equal(s.err, "error: command or command group 'nosuchcmd' doesn't exist\n");
});

test('global options: -v, unknown option, missing -c argument', () => {
  assert.match(tsvirt(['-v']).out, /^\d+\.\d+\.\d+\n$/);
  const u = tsvirt(['--foo']);
  assert.equal(u.code, 1);
  assert.equal(u.err, "error: unsupported option '--foo'. See --help.\n");
  assert.equal(tsvirt(['-c']).err, "error: option '-c'/'--connect' requires an argument\n");
  assert.match(tsvirt(['-h']).out, /tsvirt \[options\]\.\.\. <command> \[args\.\.\.\]/);
});
