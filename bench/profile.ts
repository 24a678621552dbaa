// `npx tsx bench/profile.ts [N] [--start K]`: where tsvirtd spends a define/list/undefine of N
// domains (and with --start, K domains started at once, then destroyed).
// Runs an isolated tsvirtd under `node --cpu-prof`, drives it over the SDK, then prints
// (1) per-call wall time, (2) the profile's self time by source file and top functions,
// (3) the cost of the define path's parts measured in this process (parse, defaults,
// format, atomic write with fsyncs). For the lead, after changing the daemon.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '../src/client/client.js';
import { formatDomainXml, parseDomainXml } from '../src/conf/domain-xml.js';
import { writeFileAtomic } from '../src/util/atomic-file.js';
import { DurableDir } from '../src/util/durable-dir.js';
import { applyDomainDefaults } from '../src/conf/domain-defaults.js';
import { validateDomain } from '../src/conf/domain-validate.js';
import { mkdirSync } from 'node:fs';
import { REPO, TEST_CACHE } from '../test/e2e/daemon.js';
import { ensureTestGuest, minimalDomainXml } from '../test/e2e/guest.js';
import { until } from './stats.js';

const N = Number(process.argv[2] ?? 500);
const si = process.argv.indexOf('--start');
const K = si > 0 ? Number(process.argv[si + 1] ?? 20) : 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-prof-'));
const ms = (t0: number) => (performance.now() - t0).toFixed(1);

async function timeEach(label: string, n: number, f: (i: number) => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f(i);
  const total = performance.now() - t0;
  console.log(`${label.padEnd(34)} ${total.toFixed(0).padStart(6)} ms  ${(total / n).toFixed(3)} ms/op  ${((n / total) * 1000).toFixed(0)} ops/s`);
}

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number };
function analyze(file: string): void {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFile = new Map<string, number>(), byFn = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const us = self.get(n.id) ?? 0;
    total += us;
    const url = n.callFrame.url.replace(`file://${REPO}/`, '').replace(/^.*node_modules\//, 'node_modules/') || `(${n.callFrame.functionName || 'native'})`;
    byFile.set(url, (byFile.get(url) ?? 0) + us);
    const fn = `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([name, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  console.log(`\nCPU profile of tsvirtd (${(total / 1000).toFixed(0)} ms sampled), self time by file:\n${top(byFile, 15)}`);
  console.log(`\ntop functions:\n${top(byFn, 25)}`);
}

async function main(): Promise<void> {
  const guest = await ensureTestGuest();
  const xml = (i: number) => minimalDomainXml({ name: `prof-${i}`, kernel: guest.kernel, initrd: guest.initrd });

  console.log(`define path parts, in process, x ${N}:`);
  await timeEach('parseDomainXml', N, async (i) => parseDomainXml(xml(i)));
  const dom = parseDomainXml(xml(0));
  await timeEach('applyDomainDefaults', N, async () => applyDomainDefaults(dom, { arch: 'x86_64', emulator: '/usr/bin/qemu-system-x86_64' }));
  const full = applyDomainDefaults(dom, { arch: 'x86_64', emulator: '/usr/bin/qemu-system-x86_64' });
  await timeEach('validateDomain', N, async () => validateDomain(full));
  await timeEach('formatDomainXml', N, async () => formatDomainXml(dom, { inactive: true }));
  mkdirSync(path.join(tmp, 'durable'));
  const dd = new DurableDir(path.join(tmp, 'durable'), { idleMs: 60_000 }).open();
  await timeEach('DurableDir.write (journal)', N, (i) => dd.write(`d${i}.xml`, xml(i)));
  await timeEach('DurableDir.checkpoint of those', 1, () => dd.checkpoint());
  await timeEach('DurableDir.remove (journal)', N, (i) => dd.remove(`d${i}.xml`));
  await dd.close();
  await timeEach('writeFileAtomic (2 fsyncs)', N, (i) => writeFileAtomic(path.join(tmp, `a${i}.xml`), xml(i)));
  await timeEach('writeFile (no fsync)', N, (i) => writeFile(path.join(tmp, `b${i}.xml`), xml(i)));

  const root = path.join(tmp, 'root'), profDir = path.join(tmp, 'prof');
  const socket = path.join(root, 'run/tsvirt/tsvirtd.sock');
  // the TypeScript, not the bundle, so the profile names functions and files
  const d = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', 'tsx', path.join(REPO, 'src/daemon/tsvirtd.ts'), '--root', root, '--cache-dir', TEST_CACHE], { cwd: REPO, stdio: 'ignore' });
  const exited = new Promise((r) => d.once('exit', r));
  try {
    const c = new Client({ uri: `qemu+unix:///system?socket=${socket}` });
    await until('tsvirtd to answer', () => c.call('domain.list', {}).then(() => true, () => false), 30_000, 50);
    console.log(`\ntsvirtd over the SDK (one connection), x ${N}:`);
    await timeEach('domain.define', N, (i) => c.call('domain.define', { xml: xml(i) }));
    await timeEach(`domain.list (${N} defined)`, 20, () => c.call('domain.list', {}));
    await timeEach('domain.getXml', 200, (i) => c.call('domain.getXml', { domain: `prof-${i % N}` }));
    if (K > 0) {
      const names = Array.from({ length: K }, (_, i) => `prof-${i}`);
      for (let r = 0; r < 2; r++) {
        const t0 = performance.now();
        await Promise.all(names.map((d) => c.call('domain.start', { domain: d }).then(() => console.log(`  ${d} running at ${ms(t0)} ms`))));
        console.log(`${K} started at once: ${ms(t0)} ms`);
        await Promise.all(names.map((d) => c.call('domain.destroy', { domain: d })));
      }
    }
    await timeEach('domain.undefine', N, (i) => c.call('domain.undefine', { domain: `prof-${i}` }));
    const status = readFileSync(`/proc/${d.pid}/status`, 'utf8');
    console.log(`tsvirtd ${/VmRSS:.*/.exec(status)?.[0]}`);
    c.close();
  } finally {
    d.kill('SIGTERM');
    await exited;
  }
  const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (prof) analyze(path.join(profDir, prof));
}

main().catch((e) => { console.error(e); process.exitCode = 1; }).finally(() => rmSync(tmp, { recursive: true, force: true }));
