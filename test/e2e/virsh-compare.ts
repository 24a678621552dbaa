// Running the same command through stock virsh and tsvirt's own CLI against one daemon,
// for tests that check the two print the same.
import assert from 'node:assert/strict';
import type { RunResult } from '../../src/util/spawn.js';
import type { TestDaemon } from './daemon.js';

export async function ok(r: Promise<RunResult>, what: string): Promise<string> {
  const x = await r;
  assert.equal(x.code, 0, `${what} failed (${x.code}): ${x.stderr}${x.stdout}`);
  return x.stdout;
}

/** virsh and tsvirt calls that must succeed (their stdout), against the daemon `daemon()` gives */
export function mustSucceed(daemon: () => TestDaemon) {
  return {
    virsh: (args: string[], timeoutMs = 60_000) => ok(daemon().virsh(args, { timeoutMs }), `virsh ${args.join(' ')}`),
    cli: (args: string[], timeoutMs = 60_000) => ok(daemon().cli(args, { timeoutMs }), `tsvirt ${args.join(' ')}`),
  };
}

export function comparers(daemon: () => TestDaemon) {
  const vok = (args: string[], env?: NodeJS.ProcessEnv) => ok(daemon().virsh(args, { env }), `virsh ${args.join(' ')}`);
  const cok = (args: string[]) => ok(daemon().cli(args), `tsvirt ${args.join(' ')}`);
  /** the same command through virsh and tsvirt's CLI prints the same */
  const same = async (args: string[]): Promise<string> => {
    const v = await vok(args);
    assert.equal(v, await cok(args), `virsh and tsvirt differ on ${args.join(' ')}`);
    return v;
  };
  return { vok, cok, same };
}
