// `npm run bench [-- --quick]`: tsvirt vs libvirt vs raw QEMU on the same tiny TCG guest,
// interleaved, printing median (min-max) per system, ratios and the targets; writes
// bench/results/latest.json. Leaves nothing behind: libvirt domains named bench-lv-*, the
// isolated tsvirtd and its root, raw QEMUs, the temp folder, and libvirt daemons it started.
// `-- --guests` adds the real-guest rows (Debian to login:, BIOS and UEFI; minutes): bench/guests.ts.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '../src/client/client.js';
import { REPO, startTestDaemon, type TestDaemon } from '../test/e2e/daemon.js';
import { run } from '../src/util/spawn.js';
import { ensureTestGuest } from '../test/e2e/guest.js';
import { bulk } from './bulk.js';
import { cleanLibvirt, ensurePackages, startLibvirt, stopStarted, VirshShell, type LibvirtDaemons } from './libvirt.js';
import { concurrentStart, shutdown, startStop, type Env } from './lifecycle.js';
import { machineInfo, machineText } from './machine.js';
import { virshRows } from './virsh.js';
import { formatTable } from './report.js';
import type { BenchContext, BenchRow } from './types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** optional bench modules of other areas: run when present; each exports run(ctx): Promise<BenchRow[]> */
const EXTRA_MODULES = ['storage.ts', 'network.ts', 'xml.ts', 'swtpm.ts', 'guests.ts', 'save-snapshot.ts', 'migration.ts', 'metrics.ts'];
const LV_PREFIX = 'bench-lv-';

const quick = process.argv.includes('--quick');
/** --only metrics.ts[,xml.ts]: just these extra modules (no lifecycle, bulk or virsh sections) */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const P = quick
  ? { lifeRounds: 2, acpiRounds: 1, parallel: 5, parRounds: 1, n: 50, rounds: 1, listReps: 5, big: 0, virshBig: 300 }
  : { lifeRounds: 10, acpiRounds: 3, parallel: 20, parRounds: 3, n: 500, rounds: 3, listReps: 15, big: 10_000, virshBig: 10_000 };
const log = (s: string) => void process.stderr.write(s);

const cleanups: (() => Promise<unknown> | unknown)[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (e) { log(`cleanup: ${e instanceof Error ? e.message : String(e)}\n`); }
    }
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { log(`\n${sig}: cleaning up\n`); void cleanup().then(() => process.exit(130)); });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const machine = await machineInfo();
  log(`tsvirt benchmark${quick ? ' (quick)' : ''}\n${machineText(machine)}\n`);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-bench-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  // libvirt runs QEMU as libvirt-qemu and relabels the kernel: give all three their own readable copy
  chmodSync(tmp, 0o755);
  const built = await ensureTestGuest();
  const guest = { kernel: path.join(tmp, 'vmlinuz'), initrd: path.join(tmp, 'initrd.img') };
  copyFileSync(built.kernel, guest.kernel);
  copyFileSync(built.initrd, guest.initrd);

  await ensurePackages(log);
  // measure what users run: the bundled CLI and daemon (bin/ falls back to tsx when dist/ is stale)
  log('building (npm run build) ...\n');
  const b = await run('npm', ['run', 'build'], { cwd: REPO, timeoutMs: 300_000 });
  if (b.code !== 0) throw new Error(`npm run build failed: ${b.stderr.slice(-1500)}`);
  const daemons: LibvirtDaemons = await startLibvirt();
  cleanups.push(() => stopStarted(daemons));
  if (daemons.started.length) log(`started libvirt daemons, pids ${daemons.started.join(', ')}\n`);
  const stale = await cleanLibvirt(LV_PREFIX);
  if (stale) log(`removed ${stale} stale ${LV_PREFIX}* domains of an earlier run\n`);
  cleanups.push(() => cleanLibvirt(LV_PREFIX));

  const d: TestDaemon = await startTestDaemon();
  cleanups.push(() => d.stop());
  const client = new Client({ uri: d.uri });
  cleanups.push(() => client.close());
  const virsh = new VirshShell();
  cleanups.push(() => virsh.close());

  const ctx: BenchContext = {
    quick, tmp, tsvirt: client, tsvirtUri: d.uri, tsvirtPid: d.pid,
    tsvirtCli: (args, input) => d.cli(args, { input, timeoutMs: 600_000 }),
    virsh, libvirtdPid: daemons.libvirtdPid, tsvirtPrefix: 'bench-ts-', libvirtPrefix: LV_PREFIX,
  };
  const env: Env = { ...ctx, guest, tsvirtRoot: d.root, log };

  const rows: BenchRow[] = [];
  const step = async (what: string, f: () => Promise<BenchRow[]>) => {
    const s = performance.now();
    log(`${what} ...\n`);
    rows.push(...(await f()));
    log(`  ${((performance.now() - s) / 1000).toFixed(1)} s\n`);
  };
  if (!only) {
    await step(`start/destroy x ${P.lifeRounds}`, () => startStop(env, P.lifeRounds));
    await step(`ACPI shutdown x ${P.acpiRounds}`, () => shutdown(env, P.acpiRounds));
    await step(`${P.parallel} at once x ${P.parRounds}`, () => concurrentStart(env, P.parallel, P.parRounds));
    await step(`bulk ${P.n}${P.big ? ` and ${P.big}` : ''}`, () => bulk(env, P));
    await step(`stock virsh on both daemons, ${P.n} and ${P.virshBig} domains`, () =>
      virshRows(env, d.libvirtUri, { rounds: P.lifeRounds, reps: P.listReps, n: P.n, big: P.virshBig }));
  }
  for (const m of EXTRA_MODULES.filter((x) => !only || only.includes(x))) {
    const file = path.join(HERE, m);
    if (!existsSync(file)) continue;
    const mod = await import(pathToFileURL(file).href) as { run?: (c: BenchContext) => Promise<BenchRow[]> };
    if (typeof mod.run !== 'function') { log(`${m}: no exported run(ctx), skipped\n`); continue; }
    await step(m, () => mod.run!(ctx));
  }

  const table = formatTable(rows);
  const durationS = Math.round((performance.now() - t0) / 1000);
  process.stdout.write(`\ntsvirt benchmark${quick ? ' (quick)' : ''}, ${machineText(machine)}` +
    `figures: median (min-max); ms = latency (lower is better), ops/s = rate (higher is better), MiB = resident memory\n` +
    `ts/lv and ts/raw: ratio of medians (rates: tsvirt rate / libvirt rate)\n\n${table}\n` +
    rows.filter((r) => r.note).map((r) => `${r.section}: ${r.op}: ${r.note}`).join('\n') + `\n\nrun took ${durationS} s\n`);
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  const out = `latest${only ? `-${only.map((m) => m.replace(/\.ts$/, '')).join('-')}` : ''}${quick ? '-quick' : ''}.json`;
  writeFileSync(path.join(HERE, 'results', out), JSON.stringify({ machine, quick, params: P, durationS, rows }, null, 2) + '\n');
  log(`wrote bench/results/${out}\n`);
}

main().then(
  () => cleanup(),
  async (e) => {
    log(`benchmark failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    await cleanup();
    process.exitCode = 1;
  },
);
