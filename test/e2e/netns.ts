// A network namespace of a test file: tsvirtd (and so its bridges, dnsmasq, QEMU) runs inside
// it, so nothing touches the machine's own network. Removal ends whatever is still inside
// (a dnsmasq of a failed test: started by this file) and then the namespace.
import { run, runOk } from '../../src/util/spawn.js';

export async function addNetns(ns: string): Promise<void> {
  await runOk('ip', ['netns', 'add', ns]);
  await runOk('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
}

export async function removeNetns(ns: string): Promise<void> {
  const pids = (await run('ip', ['netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean);
  for (const p of pids) try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
  await run('ip', ['netns', 'del', ns]);
}
