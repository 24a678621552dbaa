// What a TPM emulator adds to a start (issue 14): start-to-running of the tiny guest with and
// without <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>, tsvirt vs libvirt
// vs raw QEMU (swtpm spawned by hand, then QEMU), interleaved, and the difference per round.
// The first start with a TPM (state created; libvirt also runs swtpm_setup) is a warm-up.
// Part of `npm run bench`; also runs alone: node --import tsx bench/swtpm.ts [--quick]
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureTestGuest, minimalDomainXml, type TestGuest } from '../test/e2e/guest.js';
import { RawQemu } from './rawqemu.js';
import { makeRow } from './report.js';
import { interleave, timed, until } from './stats.js';
import { runIfMain } from './standalone.js';
import type { BenchContext, BenchRow } from './types.js';

const TPM_XML = "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>";
const SWTPM = '/usr/bin/swtpm';

/** raw QEMU with a TPM: swtpm started first (as libvirt and tsvirt do), QEMU connects to its socket */
class RawTpmQemu extends RawQemu {
  private swtpm?: ChildProcess;
  private readonly ctrl = path.join(this.dir, `${this.name}.swtpm.sock`);

  protected override argv(): string[] {
    const a = super.argv();
    return [...a.slice(0, -1), '-chardev', `socket,id=chrtpm,path=${this.ctrl}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm',
      '-device', 'tpm-crb,tpmdev=tpm0', a[a.length - 1]!];
  }

  override async start(): Promise<number> {
    const t0 = performance.now();
    const state = path.join(this.dir, `${this.name}.tpm`);
    mkdirSync(state, { recursive: true });
    this.swtpm = spawn(SWTPM, ['socket', '--tpmstate', `dir=${state},mode=0600`, '--ctrl', `type=unixio,path=${this.ctrl},mode=0600`, '--tpm2', '--terminate'], { stdio: 'ignore' });
    await until(`swtpm socket ${this.ctrl}`, () => existsSync(this.ctrl), 10_000, 1);
    await super.start();
    return performance.now() - t0;
  }

  override kill(): void {
    super.kill();
    if (this.swtpm && this.swtpm.exitCode === null && this.swtpm.signalCode === null) this.swtpm.kill('SIGKILL');
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds = ctx.quick ? 3 : 7;
  // libvirt relabels the kernel for libvirt-qemu: a readable copy of its own
  const dir = path.join(ctx.tmp, 'swtpm');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const built = await ensureTestGuest();
  const guest: TestGuest = { kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  copyFileSync(built.kernel, guest.kernel);
  copyFileSync(built.initrd, guest.initrd);
  const xml = (name: string, tpm: boolean) => minimalDomainXml({ name, kernel: guest.kernel, initrd: guest.initrd, extraDevices: tpm ? TPM_XML : undefined });
  const names = { ts: `${ctx.tsvirtPrefix}tpm-no`, tsTpm: `${ctx.tsvirtPrefix}tpm`, lv: `${ctx.libvirtPrefix}tpm-no`, lvTpm: `${ctx.libvirtPrefix}tpm` };
  const s: Record<string, number[]> = {};
  const add = (k: string, v: number) => (s[k] ??= []).push(v);
  const notes: string[] = [];
  let lvOk = true;
  try {
    await ctx.tsvirt.call('domain.define', { xml: xml(names.ts, false) });
    await ctx.tsvirt.call('domain.define', { xml: xml(names.tsTpm, true) });
    for (const [n, tpm] of [[names.lv, false], [names.lvTpm, true]] as const) {
      const f = path.join(dir, `${n}.xml`);
      writeFileSync(f, xml(n, tpm));
      await ctx.virsh.send(`define ${f}`);
    }
    // warm-up: the first start with a TPM creates its state
    const firstTs = await timed(() => ctx.tsvirt.call('domain.start', { domain: names.tsTpm }));
    await ctx.tsvirt.call('domain.destroy', { domain: names.tsTpm });
    let firstLv = NaN;
    try {
      firstLv = await ctx.virsh.time(`start ${names.lvTpm}`);
      await ctx.virsh.send(`destroy ${names.lvTpm}`);
    } catch (e) {
      lvOk = false;
      notes.push(`libvirt could not start a domain with a TPM: ${(e as Error).message.split('\n')[0]}`);
    }
    notes.push(`first start with a TPM (state created): tsvirt ${firstTs.toFixed(0)} ms${lvOk ? `, libvirt ${firstLv.toFixed(0)} ms (runs swtpm_setup)` : ''}`);
    let rawN = 0;
    const tsPair = async () => {
      const a = await timed(() => ctx.tsvirt.call('domain.start', { domain: names.ts }));
      await ctx.tsvirt.call('domain.destroy', { domain: names.ts });
      const b = await timed(() => ctx.tsvirt.call('domain.start', { domain: names.tsTpm }));
      await ctx.tsvirt.call('domain.destroy', { domain: names.tsTpm });
      add('ts', a); add('tsTpm', b); add('tsDiff', b - a);
    };
    const lvPair = async () => {
      if (!lvOk) return;
      const a = await ctx.virsh.time(`start ${names.lv}`);
      await ctx.virsh.send(`destroy ${names.lv}`);
      const b = await ctx.virsh.time(`start ${names.lvTpm}`);
      await ctx.virsh.send(`destroy ${names.lvTpm}`);
      add('lv', a); add('lvTpm', b); add('lvDiff', b - a);
    };
    const rawPair = async () => {
      const n = rawN++;
      const q = new RawQemu(dir, `raw-notpm-${n}`, guest);
      const qt = new RawTpmQemu(dir, `raw-tpm-${n}`, guest);
      try {
        const a = await q.start();
        await q.quit();
        const b = await qt.start();
        await qt.quit();
        add('raw', a); add('rawTpm', b); add('rawDiff', b - a);
      } finally { q.kill(); qt.kill(); }
    };
    await interleave(rounds, { ts: tsPair, lv: lvPair, raw: rawPair });
  } finally {
    for (const n of [names.ts, names.tsTpm]) {
      await ctx.tsvirt.call('domain.destroy', { domain: n }).catch(() => undefined);
      await ctx.tsvirt.call('domain.undefine', { domain: n }).catch(() => undefined);
    }
    for (const n of [names.lv, names.lvTpm]) {
      await ctx.virsh.send(`destroy ${n}`).catch(() => undefined);
      await ctx.virsh.send(`undefine ${n}`).catch(() => undefined);
    }
    rmSync(`/var/log/swtpm/libvirt/qemu/${names.lvTpm}-swtpm.log`, { force: true });
  }
  const section = 'TPM';
  return [
    makeRow({ section, op: 'start to running, no TPM', unit: 'ms', tsvirt: s.ts, libvirt: s.lv, raw: s.raw }),
    makeRow({ section, op: 'start to running, swtpm TPM 2.0 (tpm-crb)', unit: 'ms', tsvirt: s.tsTpm, libvirt: s.lvTpm, raw: s.rawTpm }),
    makeRow({
      section, op: `swtpm start overhead (with - without, per round, N=${rounds})`, unit: 'ms', tsvirt: s.tsDiff, libvirt: s.lvDiff, raw: s.rawDiff,
      note: notes.join('; '),
    }),
  ];
}

runIfMain(import.meta.url, 'swtpm', run);
