// The stock virsh (Debian's libvirt-clients) against tsvirtd's libvirt socket and against
// libvirtd, side by side on the same tiny guest: the same client binary and the same
// protocol, so the difference is the daemon alone. Each system gets one long-lived virsh
// (one connection: a command's latency is the daemon's) and, for some rows, a virsh
// process per command (what a user at a shell waits for).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../src/util/spawn.js';
import { LIBVIRT_URI, VirshShell } from './libvirt.js';
import { lvXml, tsXml, type Env } from './lifecycle.js';
import { makeRow, type TargetSpec } from './report.js';
import { interleave, timed } from './stats.js';
import type { BenchRow } from './types.js';

export interface VirshOpts {
  /** start/destroy rounds */
  rounds: number;
  /** repetitions of each read */
  reps: number;
  /** domains defined in one virsh session (and listed) */
  n: number;
  /** the large list (0: skipped) */
  big: number;
}

const SECTION = 'virsh';
const TS = 'bench-ts-virsh-', LV = 'bench-lv-virsh-';
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const rate = (n: number, ms: number) => (n / ms) * 1000;
const atOrBelow: TargetSpec = { vsLibvirt: 1 };

interface Side {
  shell: VirshShell;
  uri: string;
  prefix: string;
  xml(name: string): string;
}

/** one virsh process: what `virsh -c URI args` costs from a shell */
async function proc(uri: string, args: string[]): Promise<number> {
  return timed(async () => {
    const r = await run('virsh', ['-c', uri, ...args], { timeoutMs: 600_000, env: { ...process.env, LC_ALL: 'C' } });
    if (r.code !== 0) throw new Error(`virsh -c ${uri} ${args.join(' ')}: ${r.stderr.trim()}`);
  });
}

/** defines domains [from, to) of a side with one virsh session reading `define` lines from stdin */
async function defineBatch(env: Env, s: Side, from: number, to: number): Promise<number> {
  const files: string[] = [];
  for (const i of range(from, to)) {
    const f = path.join(env.tmp, `${s.prefix}${i}.xml`);
    await writeFile(f, s.xml(`${s.prefix}${i}`));
    files.push(f);
  }
  return batch(s, files.map((f) => `define ${f}`));
}

async function batch(s: Side, lines: string[]): Promise<number> {
  return timed(async () => {
    const r = await run('virsh', ['-c', s.uri], { input: lines.join('\n') + '\n', timeoutMs: 900_000, env: { ...process.env, LC_ALL: 'C' } });
    if (r.code !== 0 || r.stderr.trim()) throw new Error(`virsh -c ${s.uri} batch: ${r.stderr.slice(0, 1500)}`);
  });
}

/** `tsvirtUri`: tsvirtd's libvirt socket (qemu+unix:///system?socket=...) */
export async function virshRows(env: Env, tsvirtUri: string, o: VirshOpts): Promise<BenchRow[]> {
  const ts: Side = { shell: new VirshShell(tsvirtUri), uri: tsvirtUri, prefix: TS, xml: (n) => tsXml(env, n) };
  const lv: Side = { shell: new VirshShell(LIBVIRT_URI), uri: LIBVIRT_URI, prefix: LV, xml: (n) => lvXml(env, n) };
  const s: Record<string, number[]> = {};
  const add = (k: string, v: number) => (s[k] ??= []).push(v);
  const both = (f: (side: Side, k: 'ts' | 'lv') => Promise<void>) => ({ ts: () => f(ts, 'ts'), lv: () => f(lv, 'lv') });
  const rows: BenchRow[] = [];
  try {
    // 1. start and destroy of the guest: shell and process
    const life = (side: Side) => `${side.prefix}life`;
    for (const side of [ts, lv]) {
      const f = path.join(env.tmp, `${life(side)}.xml`);
      await writeFile(f, side.xml(life(side)));
      await side.shell.send(`define ${f}`);
    }
    env.log(`  start/destroy x ${o.rounds}\n`);
    await interleave(o.rounds, both(async (side, k) => {
      add(`${k}Start`, await side.shell.time(`start ${life(side)}`));
      add(`${k}Destroy`, await side.shell.time(`destroy ${life(side)}`));
      add(`${k}StartP`, await proc(side.uri, ['start', life(side)]));
      add(`${k}DestroyP`, await proc(side.uri, ['destroy', life(side)]));
    }));
    rows.push(
      makeRow({ section: SECTION, op: 'start (virsh session)', unit: 'ms', tsvirt: s.tsStart, libvirt: s.lvStart, targets: [atOrBelow] }),
      makeRow({ section: SECTION, op: 'start (virsh process)', unit: 'ms', tsvirt: s.tsStartP, libvirt: s.lvStartP, targets: [atOrBelow] }),
      makeRow({ section: SECTION, op: 'destroy (virsh session)', unit: 'ms', tsvirt: s.tsDestroy, libvirt: s.lvDestroy, targets: [atOrBelow, { vsLibvirt: 0.05 }], note: '0.05x = 20x faster' }),
      makeRow({ section: SECTION, op: 'destroy (virsh process)', unit: 'ms', tsvirt: s.tsDestroyP, libvirt: s.lvDestroyP, targets: [atOrBelow, { vsLibvirt: 0.05 }] }),
    );

    // 2. reads of a defined (shut off) domain
    await interleave(o.reps, both(async (side, k) => {
      add(`${k}Info`, await side.shell.time(`dominfo ${life(side)}`));
      add(`${k}Xml`, await side.shell.time(`dumpxml ${life(side)}`));
    }));
    rows.push(
      makeRow({ section: SECTION, op: 'dominfo (virsh session)', unit: 'ms', tsvirt: s.tsInfo, libvirt: s.lvInfo, targets: [atOrBelow] }),
      makeRow({ section: SECTION, op: 'dumpxml (virsh session)', unit: 'ms', tsvirt: s.tsXml, libvirt: s.lvXml, targets: [atOrBelow] }),
    );
    for (const side of [ts, lv]) await side.shell.send(`undefine ${life(side)}`);

    // 3. n defines in one virsh session, then list --all with n (and big) domains
    env.log(`  ${o.n} defines in one virsh session\n`);
    await interleave(1, both(async (side, k) => { add(`${k}Def`, rate(o.n, await defineBatch(env, side, 0, o.n))); }));
    rows.push(makeRow({ section: SECTION, op: `define ${o.n}, one virsh session`, unit: 'ops/s', tsvirt: s.tsDef, libvirt: s.lvDef, targets: [atOrBelow] }));
    const lists = async (label: number, reps: number) => {
      await interleave(reps, both(async (side, k) => {
        add(`${k}List${label}`, await side.shell.time('list --all'));
        add(`${k}ListP${label}`, await proc(side.uri, ['list', '--all']));
      }));
      const ten = label >= 10_000 ? [{ vsLibvirt: 0.1 }] : [];
      rows.push(
        makeRow({ section: SECTION, op: `list --all, ${label} domains (virsh session)`, unit: 'ms', tsvirt: s[`tsList${label}`], libvirt: s[`lvList${label}`], targets: [atOrBelow, ...ten], note: ten.length ? '0.1x = 10x faster' : undefined }),
        makeRow({ section: SECTION, op: `list --all, ${label} domains (virsh process)`, unit: 'ms', tsvirt: s[`tsListP${label}`], libvirt: s[`lvListP${label}`], targets: [atOrBelow, ...ten] }),
      );
    };
    await lists(o.n, o.reps);
    let total = o.n;
    if (o.big > o.n) {
      env.log(`  growing to ${o.big} domains (virsh sessions)\n`);
      await interleave(1, both(async (side) => { await defineBatch(env, side, o.n, o.big); }));
      total = o.big;
      await lists(o.big, Math.max(3, o.reps >> 1));
    }

    // 4. undefine them all in one session (also the clean-up)
    await interleave(1, both(async (side, k) => {
      add(`${k}Undef`, rate(total, await batch(side, range(0, total).map((i) => `undefine ${side.prefix}${i}`))));
    }));
    rows.push(makeRow({ section: SECTION, op: `undefine ${total}, one virsh session`, unit: 'ops/s', tsvirt: s.tsUndef, libvirt: s.lvUndef, targets: [atOrBelow] }));
  } finally {
    await ts.shell.close();
    await lv.shell.close();
  }
  return rows;
}
