// Many defined domains: define and undefine rates over one connection, list --all latency,
// dumpxml/dominfo latency, and the daemons' resident memory with 0, N and 10,000 domains.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../src/util/spawn.js';
import { LIBVIRT_URI, virshBatch } from './libvirt.js';
import { lvXml, tsXml, type Env } from './lifecycle.js';
import { makeRow } from './report.js';
import { interleave, timed } from './stats.js';
import type { BenchRow } from './types.js';

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const tsName = (i: number) => `bench-ts-${i}`;
const lvName = (i: number) => `bench-lv-${i}`;

/** writes the XML files of domains [from, to) for both systems; returns their paths */
async function writeXmls(env: Env, from: number, to: number): Promise<{ ts: string[]; lv: string[] }> {
  const ts: string[] = [], lv: string[] = [];
  for (const i of range(from, to)) {
    const t = path.join(env.tmp, `${tsName(i)}.xml`), l = path.join(env.tmp, `${lvName(i)}.xml`);
    await writeFile(t, tsXml(env, tsName(i)));
    await writeFile(l, lvXml(env, lvName(i)));
    ts.push(t); lv.push(l);
  }
  return { ts, lv };
}

async function batchOk(what: string, p: Promise<{ code: number | null; stderr: string }>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr.slice(0, 1500)}`);
}

async function tsSdkDefine(env: Env, from: number, to: number): Promise<void> {
  for (const i of range(from, to)) await env.tsvirt.call('domain.define', { xml: tsXml(env, tsName(i)) });
}
async function tsSdkUndefine(env: Env, from: number, to: number): Promise<void> {
  for (const i of range(from, to)) await env.tsvirt.call('domain.undefine', { domain: tsName(i) });
}
const tsCliBatch = (env: Env, lines: string[]) => batchOk('tsvirt batch', env.tsvirtCli([], lines.join('\n') + '\n'));
const lvBatch = (lines: string[]) => batchOk('virsh batch', virshBatch(lines));

const rate = (n: number, ms: number) => (n / ms) * 1000;

async function listLatency(env: Env, reps: number, label: string): Promise<BenchRow[]> {
  const s: Record<string, number[]> = { tsApi: [], lvApi: [], tsCli: [], lvCli: [] };
  await interleave(reps, {
    tsApi: async () => { s.tsApi!.push(await timed(() => env.tsvirt.call('domain.list', {}))); },
    lvApi: async () => { s.lvApi!.push(await env.virsh.time('list --all')); },
    tsCli: async () => { s.tsCli!.push(await timed(() => batchOk('tsvirt list', env.tsvirtCli(['list', '--all'])))); },
    lvCli: async () => { s.lvCli!.push(await timed(() => batchOk('virsh list', run('virsh', ['-c', LIBVIRT_URI, 'list', '--all'], { timeoutMs: 120_000 })))); },
  });
  const section = 'bulk';
  return [
    makeRow({ section, op: `list --all, ${label} domains, API`, unit: 'ms', tsvirt: s.tsApi, libvirt: s.lvApi, targets: [{ vsLibvirt: 0.5 }], note: '2x the rate = 0.5x the time' }),
    makeRow({ section, op: `list --all, ${label} domains, CLI process`, unit: 'ms', tsvirt: s.tsCli, libvirt: s.lvCli, targets: [{ vsLibvirt: 0.5 }] }),
  ];
}

function memoryRow(env: Env, label: string): BenchRow {
  return makeRow({ section: 'memory', op: `daemon RSS, ${label} domains defined`, unit: 'MiB', tsvirt: [rssMiB(env.tsvirtPid)], libvirt: [rssMiB(env.libvirtdPid)], targets: [{ vsLibvirt: 2 }] });
}

export async function bulk(env: Env, opts: { n: number; rounds: number; listReps: number; big: number }): Promise<BenchRow[]> {
  const { n } = opts;
  const rows: BenchRow[] = [memoryRow(env, '0')];
  const files = await writeXmls(env, 0, n);
  const s: Record<string, number[]> = {};
  const add = (k: string, v: number) => (s[k] ??= []).push(v);
  env.log(`  define/undefine ${n} x ${opts.rounds} rounds\n`);
  await interleave(opts.rounds, {
    tsSdk: async () => {
      add('tsSdkDef', rate(n, await timed(() => tsSdkDefine(env, 0, n))));
      add('tsSdkUndef', rate(n, await timed(() => tsSdkUndefine(env, 0, n))));
    },
    tsCli: async () => {
      add('tsCliDef', rate(n, await timed(() => tsCliBatch(env, files.ts.map((f) => `define ${f}`)))));
      add('tsCliUndef', rate(n, await timed(() => tsCliBatch(env, range(0, n).map((i) => `undefine ${tsName(i)}`)))));
    },
    lv: async () => {
      add('lvDef', rate(n, await timed(() => lvBatch(files.lv.map((f) => `define ${f}`)))));
      add('lvUndef', rate(n, await timed(() => lvBatch(range(0, n).map((i) => `undefine ${lvName(i)}`)))));
    },
  });
  const section = 'bulk';
  rows.push(
    makeRow({ section, op: `define ${n}, one connection (SDK / virsh batch)`, unit: 'ops/s', tsvirt: s.tsSdkDef, libvirt: s.lvDef, targets: [{ vsLibvirt: 2 }] }),
    makeRow({ section, op: `define ${n}, CLI batch on stdin`, unit: 'ops/s', tsvirt: s.tsCliDef, libvirt: s.lvDef, targets: [{ vsLibvirt: 2 }] }),
    makeRow({ section, op: `undefine ${n}, one connection`, unit: 'ops/s', tsvirt: s.tsSdkUndef, libvirt: s.lvUndef, targets: [{ vsLibvirt: 2 }] }),
    makeRow({ section, op: `undefine ${n}, CLI batch on stdin`, unit: 'ops/s', tsvirt: s.tsCliUndef, libvirt: s.lvUndef, targets: [{ vsLibvirt: 2 }] }),
  );

  // n defined: list, read ops, memory
  await tsSdkDefine(env, 0, n);
  await lvBatch(files.lv.map((f) => `define ${f}`));
  rows.push(...(await listLatency(env, opts.listReps, String(n))));
  rows.push(...(await readOps(env, opts.listReps)));
  rows.push(memoryRow(env, String(n)));

  if (opts.big > n) {
    env.log(`  growing to ${opts.big} domains\n`);
    const more = await writeXmls(env, n, opts.big);
    const tsMs = await timed(() => tsSdkDefine(env, n, opts.big));
    const lvMs = await timed(() => lvBatch(more.lv.map((f) => `define ${f}`)));
    rows.push(makeRow({ section, op: `define ${opts.big - n} more (to ${opts.big})`, unit: 'ops/s', tsvirt: [rate(opts.big - n, tsMs)], libvirt: [rate(opts.big - n, lvMs)], targets: [{ vsLibvirt: 2 }] }));
    rows.push(...(await listLatency(env, Math.max(3, opts.listReps >> 1), String(opts.big))));
    rows.push(memoryRow(env, String(opts.big)));
    const tsU = await timed(() => tsSdkUndefine(env, 0, opts.big));
    const lvU = await timed(() => lvBatch(range(0, opts.big).map((i) => `undefine ${lvName(i)}`)));
    rows.push(makeRow({ section, op: `undefine ${opts.big}`, unit: 'ops/s', tsvirt: [rate(opts.big, tsU)], libvirt: [rate(opts.big, lvU)], targets: [{ vsLibvirt: 2 }] }));
  } else {
    await tsSdkUndefine(env, 0, n);
    await lvBatch(range(0, n).map((i) => `undefine ${lvName(i)}`));
  }
  return rows;
}

/** dumpxml and dominfo of a defined (shut off) domain */
async function readOps(env: Env, reps: number): Promise<BenchRow[]> {
  const ts = tsName(0), lv = lvName(0);
  const s: Record<string, number[]> = {};
  const add = (k: string, v: number) => (s[k] ??= []).push(v);
  const cliReps = Math.max(2, Math.ceil(reps / 3));
  await interleave(reps, {
    ts: async () => {
      add('tsXml', await timed(() => env.tsvirt.call('domain.getXml', { domain: ts })));
      add('tsInfo', await timed(() => env.tsvirt.call('domain.getInfo', { domain: ts })));
    },
    lv: async () => {
      add('lvXml', await env.virsh.time(`dumpxml ${lv}`));
      add('lvInfo', await env.virsh.time(`dominfo ${lv}`));
    },
  });
  await interleave(cliReps, {
    ts: async () => {
      add('tsCliXml', await timed(() => batchOk('tsvirt dumpxml', env.tsvirtCli(['dumpxml', ts]))));
      add('tsCliInfo', await timed(() => batchOk('tsvirt dominfo', env.tsvirtCli(['dominfo', ts]))));
    },
    lv: async () => {
      add('lvCliXml', await timed(() => batchOk('virsh dumpxml', run('virsh', ['-c', LIBVIRT_URI, 'dumpxml', lv]))));
      add('lvCliInfo', await timed(() => batchOk('virsh dominfo', run('virsh', ['-c', LIBVIRT_URI, 'dominfo', lv]))));
    },
  });
  const section = 'query';
  return [
    makeRow({ section, op: 'dumpxml, API', unit: 'ms', tsvirt: s.tsXml, libvirt: s.lvXml }),
    makeRow({ section, op: 'dominfo, API', unit: 'ms', tsvirt: s.tsInfo, libvirt: s.lvInfo }),
    makeRow({ section, op: 'dumpxml, CLI process', unit: 'ms', tsvirt: s.tsCliXml, libvirt: s.lvCliXml }),
    makeRow({ section, op: 'dominfo, CLI process', unit: 'ms', tsvirt: s.tsCliInfo, libvirt: s.lvCliInfo }),
  ];
}
