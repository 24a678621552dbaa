// Start, destroy, shutdown and 20-at-once start, tsvirt vs libvirt vs raw QEMU, interleaved.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../src/util/spawn.js';
import { GUEST_MARKER, minimalDomainXml, type TestGuest } from '../test/e2e/guest.js';
import { LIBVIRT_URI } from './libvirt.js';
import { RawQemu } from './rawqemu.js';
import { makeRow } from './report.js';
import { interleave, timed, until } from './stats.js';
import type { BenchContext, BenchRow } from './types.js';

export interface Env extends BenchContext {
  guest: TestGuest;
  tsvirtRoot: string;
  log(s: string): void;
}

export function tsXml(env: Env, name: string): string {
  return minimalDomainXml({ name, kernel: env.guest.kernel, initrd: env.guest.initrd });
}

/** libvirt's domains also log their serial console to a file, for the boot marker */
export function lvXml(env: Env, name: string): string {
  return minimalDomainXml({ name, kernel: env.guest.kernel, initrd: env.guest.initrd, consoleLog: lvSerial(env, name) });
}

const lvSerial = (env: Env, name: string) => path.join(env.tmp, `${name}.serial.log`);
const tsSerial = (env: Env, name: string) => path.join(env.tsvirtRoot, 'var/log/tsvirt/qemu', name, 'serial0.log');

export async function lvDefine(env: Env, name: string): Promise<void> {
  const file = path.join(env.tmp, `${name}.xml`);
  await writeFile(file, lvXml(env, name));
  await env.virsh.send(`define ${file}`);
}

async function virsh(args: string[]): Promise<void> {
  const r = await run('virsh', ['-c', LIBVIRT_URI, ...args], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr.trim()}`);
}

async function tsCli(env: Env, args: string[]): Promise<void> {
  const r = await env.tsvirtCli(args);
  if (r.code !== 0) throw new Error(`tsvirt ${args.join(' ')}: ${r.stderr.trim()}`);
}

async function textFrom(file: string, offset: number): Promise<string> {
  try {
    const t = await readFile(file, 'latin1');
    return t.length < offset ? t : t.slice(offset);
  } catch { return ''; }
}

async function sizeOf(file: string): Promise<number> {
  try { return (await readFile(file, 'latin1')).length; } catch { return 0; }
}

/** waits for the guest's power-button-armed marker written after `offset` */
async function waitBooted(file: string, offset: number): Promise<void> {
  await until(`${GUEST_MARKER} in ${file}`, async () => (await textFrom(file, offset)).includes(GUEST_MARKER), 60_000, 25);
}

export async function startStop(env: Env, rounds: number): Promise<BenchRow[]> {
  const ts = 'bench-ts-life', lv = 'bench-lv-life';
  await env.tsvirt.call('domain.define', { xml: tsXml(env, ts) });
  await lvDefine(env, lv);
  const s: Record<string, number[]> = {};
  const add = (k: string, v: number) => (s[k] ??= []).push(v);
  let rawN = 0;
  await interleave(rounds, {
    tsApi: async () => {
      add('tsApiStart', await timed(() => env.tsvirt.call('domain.start', { domain: ts })));
      add('tsApiDestroy', await timed(() => env.tsvirt.call('domain.destroy', { domain: ts })));
    },
    lvApi: async () => {
      add('lvApiStart', await env.virsh.time(`start ${lv}`));
      add('lvApiDestroy', await env.virsh.time(`destroy ${lv}`));
    },
    tsCli: async () => {
      add('tsCliStart', await timed(() => tsCli(env, ['start', ts])));
      add('tsCliDestroy', await timed(() => tsCli(env, ['destroy', ts])));
    },
    lvCli: async () => {
      add('lvCliStart', await timed(() => virsh(['start', lv])));
      add('lvCliDestroy', await timed(() => virsh(['destroy', lv])));
    },
    raw: async () => {
      const q = new RawQemu(env.tmp, `raw-life-${rawN++}`, env.guest);
      try {
        add('rawStart', await q.start());
        add('rawQuit', await q.quit());
      } finally { q.kill(); }
    },
  });
  const section = 'lifecycle';
  return [
    makeRow({ section, op: 'start, API (SDK / virsh shell)', unit: 'ms', tsvirt: s.tsApiStart, libvirt: s.lvApiStart, raw: s.rawStart, targets: [{ vsRaw: 1.5 }, { vsLibvirt: 0.2 }] }),
    makeRow({ section, op: 'start, CLI process', unit: 'ms', tsvirt: s.tsCliStart, libvirt: s.lvCliStart, raw: s.rawStart, targets: [{ vsRaw: 1.5 }, { vsLibvirt: 0.2 }] }),
    makeRow({ section, op: 'destroy, API (raw: quit)', unit: 'ms', tsvirt: s.tsApiDestroy, libvirt: s.lvApiDestroy, raw: s.rawQuit, targets: [{ maxMs: 50 }, { vsLibvirt: 0.05 }] }),
    makeRow({ section, op: 'destroy, CLI process', unit: 'ms', tsvirt: s.tsCliDestroy, libvirt: s.lvCliDestroy, raw: s.rawQuit, targets: [{ maxMs: 50 }, { vsLibvirt: 0.05 }] }),
  ];
}

/** ACPI shutdown of a guest that has booted to its power-button wait, until shut off */
export async function shutdown(env: Env, rounds: number): Promise<BenchRow[]> {
  const ts = 'bench-ts-life', lv = 'bench-lv-life';
  const s: Record<string, number[]> = { ts: [], lv: [], raw: [] };
  let rawN = 0;
  await interleave(rounds, {
    ts: async () => {
      const off = await sizeOf(tsSerial(env, ts));
      await env.tsvirt.call('domain.start', { domain: ts });
      await waitBooted(tsSerial(env, ts), off);
      const t0 = performance.now();
      await env.tsvirt.call('domain.shutdown', { domain: ts });
      await until('tsvirt shut off', async () => (await env.tsvirt.call('domain.getState', { domain: ts })).state === 'shutoff', 30_000);
      s.ts!.push(performance.now() - t0);
    },
    lv: async () => {
      await env.virsh.send(`start ${lv}`);
      await waitBooted(lvSerial(env, lv), 0);
      const t0 = performance.now();
      await env.virsh.send(`shutdown ${lv}`);
      await until('libvirt shut off', async () => (await env.virsh.send(`domstate ${lv}`)).includes('shut off'), 30_000);
      s.lv!.push(performance.now() - t0);
    },
    raw: async () => {
      const q = new RawQemu(env.tmp, `raw-acpi-${rawN++}`, env.guest);
      try {
        await q.start();
        await waitBooted(q.serialLog, 0);
        s.raw!.push(await q.powerdown());
      } finally { q.kill(); }
    },
  });
  return [makeRow({ section: 'lifecycle', op: 'shutdown (ACPI) to shut off', unit: 'ms', tsvirt: s.ts, libvirt: s.lv, raw: s.raw, note: 'polled every 2 ms (tsvirt getState, virsh domstate); raw: to process exit' })];
}

/** n defined domains started at once, until all run; then destroyed */
export async function concurrentStart(env: Env, n: number, rounds: number): Promise<BenchRow[]> {
  const names = (p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const tsNames = names('bench-ts-par-'), lvNames = names('bench-lv-par-');
  for (const d of tsNames) await env.tsvirt.call('domain.define', { xml: tsXml(env, d) });
  for (const d of lvNames) await lvDefine(env, d);
  const s: Record<string, number[]> = { ts: [], lv: [], raw: [] };
  let rawN = 0;
  await interleave(rounds, {
    ts: async () => {
      s.ts!.push(await timed(() => Promise.all(tsNames.map((d) => env.tsvirt.call('domain.start', { domain: d })))));
      await Promise.all(tsNames.map((d) => env.tsvirt.call('domain.destroy', { domain: d })));
    },
    lv: async () => {
      // one virsh per domain: a single virsh connection would run them one after another
      s.lv!.push(await timed(() => Promise.all(lvNames.map((d) => virsh(['start', d])))));
      await Promise.all(lvNames.map((d) => virsh(['destroy', d])));
    },
    raw: async () => {
      const qs = lvNames.map((_, i) => new RawQemu(env.tmp, `raw-par-${rawN}-${i}`, env.guest));
      rawN++;
      try {
        s.raw!.push(await timed(() => Promise.all(qs.map((q) => q.start()))));
        await Promise.all(qs.map((q) => q.quit()));
      } finally { for (const q of qs) q.kill(); }
    },
  });
  return [makeRow({ section: 'lifecycle', op: `${n} started at once, until all run`, unit: 'ms', tsvirt: s.ts, libvirt: s.lv, raw: s.raw, targets: [{ vsRaw: 1.5 }, { vsLibvirt: 0.2 }], note: 'tsvirt: SDK calls in parallel; libvirt: one virsh start process per domain' })];
}
