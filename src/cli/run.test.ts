import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvirtError } from '../protocol/errors.js';
import { runAll, runLine } from './run.js';
import { splitCommands } from './tokenize.js';
import type { Ctx } from './types.js';

/** A context whose client's calls fail with a given error; records stdout and stderr. */
function fakeCtx(clientError: Error, quiet = false): Ctx & { o: string; e: string; calls: number } {
  const c = {
    o: '', e: '', calls: 0, quiet, uri: undefined, readonly: false,
    out(t: string) { c.o += t; },
    err(t: string) { c.e += t; },
    extra(t: string) { if (!quiet) c.o += t; },
    client() { return Promise.resolve({ call: () => { c.calls++; return Promise.reject(clientError); } }); },
    stdin: process.stdin, stdout: process.stdout,
  };
  return c as unknown as Ctx & { o: string; e: string; calls: number };
}

test('each command that ran is followed by a blank line, failed or not; -q drops it', async () => {
  const ctx = fakeCtx(new TsvirtError('no-domain', 'nope'));
  assert.equal(await runAll(ctx, splitCommands('help uri; dominfo x; help hostname')), 1);
  assert.match(ctx.o, /^  NAME\n    uri - [^]*\n\n\n  NAME\n    hostname - /);
  assert.equal(ctx.e, "error: failed to get domain 'x'\n");
  const q = fakeCtx(new TsvirtError('no-domain', 'nope'), true);
  assert.equal(await runAll(q, splitCommands('dominfo x')), 1);
  assert.equal(q.o, '');
});

test('a lost connection ends the batch after the first failure', async () => {
  const ctx = fakeCtx(new TsvirtError('no-connect', 'failed to connect to the hypervisor: gone'));
  assert.equal(await runAll(ctx, splitCommands('list; list; list')), 1);
  assert.equal(ctx.calls, 1);
  assert.equal(ctx.e, 'error: failed to connect to the hypervisor\nerror: gone\n');
  assert.equal(ctx.o, '');
});

test('quit stops; a bad line fails only itself', async () => {
  const ctx = fakeCtx(new Error('unused'));
  assert.equal(await runAll(ctx, splitCommands('quit; list')), 0);
  assert.equal(ctx.calls, 0);
  assert.equal(await runLine(ctx, () => splitCommands('list --nope')), 'failed');
  assert.equal(await runLine(ctx, () => splitCommands('start "x')), 'failed');
  assert.equal(ctx.e, "error: command 'list' doesn't support option --nope\nerror: missing \"\n");
});
