// Two tsvirtd "hosts" on one machine for migration tests: each runs in its own network
// namespace with its own --root; a veth pair joins the namespaces, with one address at
// each end (on that link only). stop() ends both daemons, their QEMUs and the namespaces.
import { runOk } from '../../src/util/spawn.js';
import { addNetns, removeNetns } from './netns.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';

export interface TestHost {
  netns: string;
  /** this end's address on the link, e.g. 10.231.7.1 */
  address: string;
  daemon: TestDaemon;
}

export interface TwoHosts {
  src: TestHost;
  dst: TestHost;
  stop(): Promise<void>;
}

/**
 * `tag`: a short unique word per test file (names the namespaces and veths: at most 6 chars).
 * `subnet`: the third byte of 10.231.X.0/24 (one per test file, so files can run at once).
 * `args`: more tsvirtd options for both daemons (e.g. a TCP listener).
 */
export async function startTwoHosts(tag: string, subnet: number, opts: { args?: (h: 'src' | 'dst', address: string) => string[] } = {}): Promise<TwoHosts> {
  const nsA = `tsv-${tag}-a`;
  const nsB = `tsv-${tag}-b`;
  const addrA = `10.231.${subnet}.1`;
  const addrB = `10.231.${subnet}.2`;
  const daemons: TestDaemon[] = [];
  const cleanup = async () => {
    for (const d of daemons) await d.stop().catch(() => undefined);
    await removeNetns(nsA).catch(() => undefined);
    await removeNetns(nsB).catch(() => undefined);
  };
  try {
    await addNetns(nsA);
    await addNetns(nsB);
    // made inside A and moved to B: nothing appears in the machine's own namespace
    await runOk('ip', ['netns', 'exec', nsA, 'ip', 'link', 'add', `v${tag}a`, 'type', 'veth', 'peer', 'name', `v${tag}b`]);
    await runOk('ip', ['netns', 'exec', nsA, 'ip', 'link', 'set', `v${tag}b`, 'netns', nsB]);
    await runOk('ip', ['netns', 'exec', nsA, 'ip', 'addr', 'add', `${addrA}/24`, 'dev', `v${tag}a`]);
    await runOk('ip', ['netns', 'exec', nsB, 'ip', 'addr', 'add', `${addrB}/24`, 'dev', `v${tag}b`]);
    await runOk('ip', ['netns', 'exec', nsA, 'ip', 'link', 'set', `v${tag}a`, 'up']);
    await runOk('ip', ['netns', 'exec', nsB, 'ip', 'link', 'set', `v${tag}b`, 'up']);
    const a = await startTestDaemon({ netns: nsA, args: opts.args?.('src', addrA) });
    daemons.push(a);
    const b = await startTestDaemon({ netns: nsB, args: opts.args?.('dst', addrB) });
    daemons.push(b);
    return {
      src: { netns: nsA, address: addrA, daemon: a },
      dst: { netns: nsB, address: addrB, daemon: b },
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
