// Live migration (issue 15): the counter guest (busybox printing a counter every 10 ms, 96 MiB)
// migrated back and forth on this machine over 127.0.0.1. Raw QEMU by hand over QMP
// (-incoming defer, migrate-incoming, migrate, cont) vs two tsvirtd driven by stock
// `virsh migrate --live`. Figures: total time, QEMU's downtime, and the pause the guest saw
// (largest gap between counter lines). libvirt is not measured: see LIBVIRT_NOTE.
// Part of `npm run bench`; also runs alone: node --import tsx bench/migration.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CounterWatch, counterDomainXml, discontinuities } from '../test/e2e/counter-guest.js';
import { startTestDaemon, type TestDaemon } from '../test/e2e/daemon.js';
import { ensureTestGuest, waitForText, type TestGuest } from '../test/e2e/guest.js';
import { RawCounterQemu, rawMigrate } from './raw-counter.js';
import { makeRow } from './report.js';
import { interleave } from './stats.js';
import { runIfMain } from './standalone.js';
import type { BenchContext, BenchRow } from './types.js';

const LIBVIRT_NOTE = 'libvirt not measured: a second libvirtd on this machine would need its own root, host UUID and ' +
  'the system\'s qemu:///system left alone (it refuses a migration to the same host); compared with raw QEMU only';

type Add = (k: string, v: number) => void;

/** Follows `files` around one migration; after it, waits for the counter to move on, returns the guest-seen pause. */
async function watchPause<T>(files: string[], fn: () => Promise<T>, notes: Set<string>, who: string): Promise<{ result: T; pauseMs: number }> {
  const w = new CounterWatch(files, 2).start();
  await new Promise((r) => setTimeout(r, 100));
  try {
    const result = await fn();
    const at = w.last() ?? 0;
    const deadline = Date.now() + 10_000;
    while ((w.last() ?? 0) < at + 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    w.stop();
    await w.poll();
    const d = discontinuities(w.values());
    if (d.gaps.length || d.repeats.length) notes.add(`${who}: counter not continuous (gaps ${JSON.stringify(d.gaps.slice(0, 3))}, repeats ${JSON.stringify(d.repeats.slice(0, 3))})`);
    return { result, pauseMs: w.largestGap().ms };
  } finally {
    w.stop();
  }
}

/** raw QEMU: one running VM, each round migrates it into a fresh destination */
function rawSide(dir: string, guest: TestGuest, add: Add, notes: Set<string>) {
  let n = 0;
  let cur: RawCounterQemu | undefined;
  const all: RawCounterQemu[] = [];
  return {
    async setup() {
      cur = new RawCounterQemu(dir, `raw-mig-${n++}`, guest);
      all.push(cur);
      await cur.start();
      await waitForText(cur.serialLog, 'TSVIRT-COUNT', 60_000);
    },
    pause: () => cur!.cmd('stop'),
    resume: () => cur!.cmd('cont'),
    async round() {
      const src = cur!;
      const dst = new RawCounterQemu(dir, `raw-mig-${n++}`, guest, true);
      all.push(dst);
      const { result, pauseMs } = await watchPause([src.serialLog, dst.serialLog], () => rawMigrate(src, dst), notes, 'raw');
      await src.quit();
      cur = dst;
      add('rawTotal', result.totalMs); add('rawStream', result.streamMs); add('rawDown', result.downtimeMs); add('rawPause', pauseMs);
    },
    teardown() { for (const q of all) q.kill(); },
  };
}

async function virshOk(h: TestDaemon, args: string[]): Promise<void> {
  const r = await h.virsh(args);
  if (r.code !== 0) throw new Error(`virsh ${args[0]}: ${(r.stderr || r.stdout).trim()}`);
}

function figure(text: string, label: string): number | undefined {
  const m = new RegExp(`${label}:\\s+(\\d+(?:\\.\\d+)?)`).exec(text);
  return m ? Number(m[1]) : undefined;
}

/** tsvirt: two daemons, `virsh migrate --live` from the one running the guest to the other */
function tsvirtSide(dir: string, name: string, add: Add, notes: Set<string>) {
  const hosts: TestDaemon[] = [];
  let at = 0;
  let round = 0;
  let noDowntime = 0;
  const log = path.join(dir, `${name}.console.log`);
  return {
    async setup() {
      for (let i = 0; i < 2; i++) hosts.push(await startTestDaemon()); // (one by one: teardown stops what started)
      // both QEMUs append to one console log (the destination must not truncate the source's)
      const xml = (await counterDomainXml({ name, consoleLog: log })).replace("append='off'", "append='on'");
      const f = path.join(dir, `${name}.xml`);
      writeFileSync(f, xml);
      await virshOk(hosts[0]!, ['define', f]);
      await virshOk(hosts[0]!, ['start', name]);
      await waitForText(log, 'TSVIRT-COUNT', 60_000);
    },
    pause: () => virshOk(hosts[at]!, ['suspend', name]),
    resume: () => virshOk(hosts[at]!, ['resume', name]),
    async round() {
      const src = hosts[at]!;
      const dst = hosts[1 - at]!;
      const { result, pauseMs } = await watchPause([log], async () => {
        const t0 = performance.now();
        const r = await src.virsh(['migrate', '--live', name, dst.libvirtUri, '--migrateuri', 'tcp://127.0.0.1'], { timeoutMs: 120_000 });
        const ms = performance.now() - t0;
        if (r.code !== 0) {
          // the daemons' own story of it (their logs go with their roots at teardown)
          const tail = (h: TestDaemon) => h.logText().split('\n').slice(-15).join('\n');
          process.stderr.write(`bench migration: round ${round + 1} failed\nsource log:\n${tail(src)}\ndestination log:\n${tail(dst)}\n`);
          throw new Error(`virsh migrate (round ${round + 1}, host ${at + 1} to ${2 - at}): ${(r.stderr || r.stdout).trim()}`);
        }
        return ms;
      }, notes, 'tsvirt');
      at = 1 - at;
      round++;
      add('tsTotal', result); add('tsPause', pauseMs);
      // the completed job's figures: on the destination (libvirt sends them along), else the source
      let info = '';
      const seen: string[] = [];
      for (const h of [dst, src]) {
        const r = await h.virsh(['domjobinfo', '--completed', name]);
        if (r.code === 0 && /Total downtime/.test(r.stdout)) { info = r.stdout; break; }
        seen.push(`${h === dst ? 'destination' : 'source'}: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' / ')}`);
      }
      const down = figure(info, 'Total downtime');
      const elapsed = figure(info, 'Time elapsed');
      if (down !== undefined) add('tsDown', down);
      else if (!noDowntime++) notes.add(`tsvirt: domjobinfo --completed without "Total downtime" after some migrations (first: ${seen.join('; ')})`);
      if (elapsed !== undefined) add('tsJob', elapsed);
    },
    async teardown() { for (const h of hosts) await h.stop(); },
  };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds = ctx.quick ? 2 : 6;
  const dir = path.join(ctx.tmp, 'migration');
  mkdirSync(dir, { recursive: true });
  const guest = await ensureTestGuest();
  const s: Record<string, number[]> = {};
  const add: Add = (k, v) => void (s[k] ??= []).push(v);
  const notes = new Set<string>();
  const raw = rawSide(dir, guest, add, notes);
  const ts = tsvirtSide(dir, `${ctx.tsvirtPrefix}mig`, add, notes);
  // a side that fails drops out with its error in the notes; the other goes on
  const alive = { raw: true, ts: true };
  const guard = (k: keyof typeof alive, fn: () => Promise<unknown>) => async () => {
    if (!alive[k]) return;
    try { await fn(); } catch (e) {
      alive[k] = false;
      notes.add(`${k === 'ts' ? 'tsvirt' : 'raw'} failed: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
  };
  try {
    // only the guest being measured runs: the other one waits paused, not loading the CPUs
    await guard('raw', async () => { await raw.setup(); await raw.pause(); })();
    await guard('ts', async () => { await ts.setup(); await ts.pause(); })();
    const step = (side: typeof raw | typeof ts) => async () => {
      await side.resume();
      await side.round();
      await side.pause();
    };
    await interleave(rounds, { raw: guard('raw', step(raw)), ts: guard('ts', step(ts)) });
  } finally {
    raw.teardown();
    await ts.teardown();
  }
  const section = 'Migration';
  const med = (a?: number[]) => (a?.length ? [...a].sort((x, y) => x - y)[a.length >> 1]!.toFixed(0) : '-');
  const what = `${rounds} live migrations back and forth, 96 MiB counter guest, tcp 127.0.0.1, max-bandwidth unlimited (as libvirt sets it)`;
  return [
    makeRow({
      section, op: 'live migration total (until the destination runs)', unit: 'ms', tsvirt: s.tsTotal, raw: s.rawTotal,
      targets: [{ vsRaw: 1.2 }], note: `${what}; raw = destination spawn to running (from its migrate command: median ${med(s.rawStream)} ms), tsvirt = the whole \`virsh migrate --live\` command, domjobinfo --completed Time elapsed median ${med(s.tsJob)} ms; ${LIBVIRT_NOTE}`,
    }),
    makeRow({ section, op: 'migration downtime (QEMU query-migrate / domjobinfo Total downtime)', unit: 'ms', tsvirt: s.tsDown, raw: s.rawDown, targets: [{ maxMs: 300 }] }),
    makeRow({
      section, op: 'guest-seen pause (largest gap between counter lines)', unit: 'ms', tsvirt: s.tsPause, raw: s.rawPause, targets: [{ maxMs: 300 }],
      note: [...notes].join('; ') || undefined,
    }),
  ];
}

runIfMain(import.meta.url, 'migration', run);
