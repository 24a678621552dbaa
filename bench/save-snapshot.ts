// Save/restore and internal snapshots (issue 15) of the running counter guest with a qcow2 data
// disk: `virsh save`/`restore`, `snapshot-create-as` (internal, memory + disk) and
// `snapshot-revert`, the same words against libvirt 9.0 and tsvirt (stock virsh over one
// connection each), and raw QEMU doing what both do underneath (stop + migrate into a file through
// a unix socket, -incoming defer + cont; HMP savevm/loadvm). Interleaved rounds.
// Part of `npm run bench`; also runs alone: node --import tsx bench/save-snapshot.ts [--quick]
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { counterDomainXml } from '../test/e2e/counter-guest.js';
import { ensureTestGuest, waitForText, type TestGuest } from '../test/e2e/guest.js';
import { run as runCmd } from '../src/util/spawn.js';
import { VirshShell } from './libvirt.js';
import { RawCounterQemu, rawRestore, rawSave } from './raw-counter.js';
import { makeRow } from './report.js';
import { interleave } from './stats.js';
import { runIfMain } from './standalone.js';
import type { BenchContext, BenchRow } from './types.js';

type Add = (k: string, v: number) => void;

async function qcow2(file: string): Promise<void> {
  const r = await runCmd('qemu-img', ['create', '-q', '-f', 'qcow2', file, '64M']);
  if (r.code !== 0) throw new Error(`qemu-img create: ${r.stderr.trim()}`);
  chmodSync(file, 0o666);
}

/** the domain must be running again (virsh's piped output also echoes its prompt and commands: look for the line) */
async function mustRun(sh: VirshShell, name: string, after: string): Promise<void> {
  const out = await sh.send(`domstate ${name}`);
  if (!/^running$/m.test(out)) throw new Error(`after ${after} the domain is not running: ${out.trim().split('\n').pop()}`);
}

/** one daemon (libvirt or tsvirt) through one long-lived virsh: the counter domain, saved/restored and snapshotted */
function virshSide(key: 'lv' | 'ts', sh: VirshShell, dir: string, name: string, guest: TestGuest, add: Add) {
  const log = path.join(dir, `${name}.console.log`);
  const disk = path.join(dir, `${name}.qcow2`);
  const state = path.join(dir, `${name}.save`);
  let snaps = 0;
  return {
    async setup() {
      await qcow2(disk);
      let xml = await counterDomainXml({ name, consoleLog: log, diskFile: disk, diskFormat: 'qcow2' });
      const built = await ensureTestGuest();
      xml = xml.replace(built.kernel, guest.kernel).replace(built.initrd, guest.initrd);
      const f = path.join(dir, `${name}.xml`);
      writeFileSync(f, xml);
      await sh.send(`define ${f}`);
      await sh.send(`start ${name}`);
      await waitForText(log, 'TSVIRT-COUNT', 60_000);
    },
    pause: () => sh.send(`suspend ${name}`),
    resume: () => sh.send(`resume ${name}`),
    async saveRestore() {
      add(`${key}Save`, await sh.time(`save ${name} ${state}`));
      add(`${key}Size`, statSync(state).size / 2 ** 20);
      add(`${key}Restore`, await sh.time(`restore ${state}`));
      await mustRun(sh, name, 'restore');
      rmSync(state, { force: true });
    },
    async snapshot() {
      const snap = `s${snaps++}`;
      add(`${key}Snap`, await sh.time(`snapshot-create-as ${name} ${snap}`));
      add(`${key}Revert`, await sh.time(`snapshot-revert ${name} ${snap}`));
      await mustRun(sh, name, 'snapshot-revert');
      await sh.send(`snapshot-delete ${name} ${snap}`);
    },
    async teardown() {
      for (const c of [`destroy ${name}`, `undefine ${name} --snapshots-metadata`, `undefine ${name}`]) await sh.send(c).catch(() => undefined);
      rmSync(state, { force: true });
    },
  };
}

/** raw QEMU: the same guest and disk; save/restore through a file, HMP savevm/loadvm */
function rawSide(dir: string, guest: TestGuest, add: Add) {
  const disk = path.join(dir, 'raw-save.qcow2');
  const state = path.join(dir, 'raw.save');
  let n = 0;
  let snaps = 0;
  let cur: RawCounterQemu | undefined;
  const all: RawCounterQemu[] = [];
  const make = (incoming: boolean) => {
    const q = new RawCounterQemu(dir, `raw-save-${n++}`, guest, incoming, disk);
    all.push(q);
    return q;
  };
  return {
    async setup() {
      await qcow2(disk);
      cur = make(false);
      await cur.start();
      await waitForText(cur.serialLog, 'TSVIRT-COUNT', 60_000);
    },
    pause: () => cur!.cmd('stop'),
    resume: () => cur!.cmd('cont'),
    async saveRestore() {
      add('rawSave', await rawSave(cur!, state));
      add('rawSize', statSync(state).size / 2 ** 20);
      cur = make(true);
      add('rawRestore', await rawRestore(cur, state));
      rmSync(state, { force: true });
    },
    async snapshot() {
      const snap = `s${snaps++}`;
      const t0 = performance.now();
      await cur!.hmp(`savevm ${snap}`);
      const t1 = performance.now();
      await cur!.hmp(`loadvm ${snap}`);
      add('rawSnap', t1 - t0); add('rawRevert', performance.now() - t1);
      await cur!.hmp(`delvm ${snap}`);
    },
    teardown() { for (const q of all) q.kill(); },
  };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds = ctx.quick ? 2 : 5;
  const dir = path.join(ctx.tmp, 'save-snapshot');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  // libvirt relabels the kernel for libvirt-qemu: a readable copy of its own
  const built = await ensureTestGuest();
  const guest: TestGuest = { kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  copyFileSync(built.kernel, guest.kernel);
  copyFileSync(built.initrd, guest.initrd);
  const s: Record<string, number[]> = {};
  const add: Add = (k, v) => void (s[k] ??= []).push(v);
  const notes: string[] = [];
  // tsvirtd's libvirt-protocol socket sits next to its own one
  const tsSh = new VirshShell(ctx.tsvirtUri.replace(/tsvirtd\.sock$/, 'libvirt-sock'));
  const sides = {
    lv: virshSide('lv', ctx.virsh, dir, `${ctx.libvirtPrefix}save`, guest, add),
    ts: virshSide('ts', tsSh, dir, `${ctx.tsvirtPrefix}save`, guest, add),
    raw: rawSide(dir, guest, add),
  };
  const who = { lv: 'libvirt', ts: 'tsvirt', raw: 'raw' };
  // a part that fails drops out for that system with its error in the notes; the rest goes on
  const dead = new Set<string>();
  const guard = (k: keyof typeof sides, part: string, fn: () => Promise<unknown>) => async () => {
    if (dead.has(k) || dead.has(`${k}:${part}`)) return;
    try { await fn(); } catch (e) {
      dead.add(part === 'setup' ? k : `${k}:${part}`);
      notes.push(`${who[k]} ${part} failed: ${(e as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
  };
  const keys = Object.keys(sides) as (keyof typeof sides)[];
  try {
    // only the guest being measured runs: the others wait paused, not loading the CPUs
    for (const k of keys) await guard(k, 'setup', async () => { await sides[k].setup(); await sides[k].pause(); })();
    const steps = (part: 'saveRestore' | 'snapshot') => Object.fromEntries(keys.map((k) => [k, guard(k, part === 'snapshot' ? part : 'save/restore', async () => {
      await sides[k].resume();
      await new Promise((r) => setTimeout(r, 200));
      await sides[k][part]();
      await sides[k].pause();
    })]));
    await interleave(rounds, steps('saveRestore'));
    await interleave(rounds, steps('snapshot'));
  } finally {
    sides.raw.teardown();
    await sides.lv.teardown();
    await sides.ts.teardown();
    await tsSh.close();
  }
  const section = 'Save and snapshots';
  const mib = (k: string) => (s[k]?.length ? `${s[k]![0]!.toFixed(0)} MiB` : '-');
  const t = [{ vsLibvirt: 1 }];
  return [
    makeRow({
      section, op: 'save running guest to a file (virsh save)', unit: 'ms', tsvirt: s.tsSave, libvirt: s.lvSave, raw: s.rawSave, targets: t,
      note: `96 MiB counter guest + 64 MiB qcow2 disk, N=${rounds}; state file: tsvirt ${mib('tsSize')}, libvirt ${mib('lvSize')}, raw ${mib('rawSize')}`,
    }),
    makeRow({ section, op: 'restore from the file to running (virsh restore)', unit: 'ms', tsvirt: s.tsRestore, libvirt: s.lvRestore, raw: s.rawRestore, targets: t }),
    makeRow({ section, op: 'snapshot-create-as (internal, running, memory + qcow2 disk)', unit: 'ms', tsvirt: s.tsSnap, libvirt: s.lvSnap, raw: s.rawSnap, targets: t, note: 'raw = HMP savevm' }),
    makeRow({
      section, op: 'snapshot-revert (running snapshot, running guest)', unit: 'ms', tsvirt: s.tsRevert, libvirt: s.lvRevert, raw: s.rawRevert, targets: t,
      note: ['raw = HMP loadvm', ...notes].join('; '),
    }),
  ];
}

runIfMain(import.meta.url, 'save-snapshot', run);
