// Real guests (issue 14): start to the Debian image's `login:` on the serial console, BIOS and
// UEFI, tsvirt vs libvirt vs raw QEMU on the same image, interleaved; each boot on a new qcow2
// overlay (and, UEFI, a new copy of the variable template). The guest's own boot (~25 s under
// TCG) dominates, so N is small. Optional, it takes minutes:
//   npm run bench -- --guests [--guests-n=3]          (as part of the whole benchmark)
//   node --import tsx bench/guests.ts [--guests-n=3]  (alone: its own tsvirtd, libvirt started if needed)
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEBIAN_BOOT_MS, debianDomainXml, ensureDebianImages, overlay } from '../test/e2e/debian-guest.js';
import { RawDebian } from './raw-debian.js';
import { makeRow } from './report.js';
import { interleave, round, until } from './stats.js';
import { runIfMain } from './standalone.js';
import type { BenchContext, BenchRow } from './types.js';

const MEMORY_MIB = 768;
/** the firmware all three get for UEFI: OVMF without secure boot (the image's GRUB is not signed) */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** a getty's prompt ("debian login: "); nothing earlier on the console ends in it */
const LOGIN = /login: /;

export const wanted = () => process.argv.includes('--guests') || process.env.TSVIRT_BENCH_GUESTS === '1';
function rounds(): number {
  const a = process.argv.find((x) => x.startsWith('--guests-n='));
  const n = Number(a ? a.slice('--guests-n='.length) : process.env.TSVIRT_BENCH_GUESTS_N ?? 3);
  return Number.isInteger(n) && n > 0 ? n : 3;
}

type Firmware = 'bios' | 'efi';
const log = (s: string) => void process.stderr.write(s);

async function waitLogin(file: string): Promise<void> {
  await until(`login: in ${file}`, async () => LOGIN.test(await readFile(file, 'latin1').catch(() => '')), DEBIAN_BOOT_MS, 20);
}

function domainXml(name: string, fw: Firmware, disk: string, serialLog: string, nvram: string): string {
  const osExtra = fw === 'efi'
    ? `\n    <loader readonly='yes' type='pflash'>${OVMF_CODE}</loader>\n    <nvram template='${OVMF_VARS}'>${nvram}</nvram>`
    : undefined;
  return debianDomainXml({ name, firmware: fw, disk: { file: disk }, memoryMiB: MEMORY_MIB, serialLog, osExtra });
}

/** start-to-login samples (ms) of the three systems for one image */
async function bootRows(ctx: BenchContext, fw: Firmware, image: string, n: number): Promise<BenchRow> {
  const dir = path.join(ctx.tmp, `guests-${fw}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // libvirt runs QEMU as libvirt-qemu: the folder must be searchable for it
  chmodSync(dir, 0o755);
  const s: Record<'ts' | 'lv' | 'raw', number[]> = { ts: [], lv: [], raw: [] };
  const ts = `${ctx.tsvirtPrefix}boot-${fw}`, lv = `${ctx.libvirtPrefix}boot-${fw}`;
  let k = 0;
  const fresh = async (who: string) => {
    const f = { disk: path.join(dir, `${who}-${k}.qcow2`), serial: path.join(dir, `${who}-${k}.serial.log`), nvram: path.join(dir, `${who}-${k}_VARS.fd`) };
    k++;
    await overlay(image, f.disk);
    return f;
  };
  const one = async (what: string, f: () => Promise<number>) => {
    const ms = await f();
    log(`  ${fw} ${what}: ${(ms / 1000).toFixed(2)} s\n`);
    return ms;
  };
  await interleave(n, {
    ts: async () => {
      const f = await fresh('ts');
      try {
        s.ts.push(await one('tsvirt', async () => {
          const t0 = performance.now();
          await ctx.tsvirt.call('domain.define', { xml: domainXml(ts, fw, f.disk, f.serial, f.nvram) });
          await ctx.tsvirt.call('domain.start', { domain: ts });
          await waitLogin(f.serial);
          return performance.now() - t0;
        }));
      } finally {
        await ctx.tsvirt.call('domain.destroy', { domain: ts }).catch(() => undefined);
        await ctx.tsvirt.call('domain.undefine', { domain: ts, nvram: true }).catch(() => undefined);
        await rm(f.disk, { force: true });
      }
    },
    lv: async () => {
      const f = await fresh('lv');
      const xmlFile = path.join(dir, `${lv}.xml`);
      writeFileSync(xmlFile, domainXml(lv, fw, f.disk, f.serial, f.nvram));
      try {
        s.lv.push(await one('libvirt', async () => {
          const t0 = performance.now();
          await ctx.virsh.send(`define ${xmlFile}`);
          await ctx.virsh.send(`start ${lv}`);
          await waitLogin(f.serial);
          return performance.now() - t0;
        }));
      } finally {
        await ctx.virsh.send(`destroy ${lv}`).catch(() => undefined);
        await ctx.virsh.send(`undefine --nvram ${lv}`).catch(() => undefined);
        await rm(f.disk, { force: true });
      }
    },
    raw: async () => {
      const f = await fresh('raw');
      if (fw === 'efi') copyFileSync(OVMF_VARS, f.nvram);
      const q = new RawDebian(dir, `raw-${fw}-${k}`, { disk: f.disk, memoryMiB: MEMORY_MIB, efi: fw === 'efi' ? { code: OVMF_CODE, vars: f.nvram } : undefined });
      try {
        s.raw.push(await one('raw QEMU', async () => {
          const t0 = performance.now();
          await q.start();
          await waitLogin(q.serialLog);
          return performance.now() - t0;
        }));
      } finally {
        q.kill();
        await rm(f.disk, { force: true });
      }
    },
  });
  const row = makeRow({
    section: 'real guests', op: `${fw === 'bios' ? 'BIOS' : 'UEFI'} Debian 12, start to login: (N=${n})`, unit: 'ms',
    tsvirt: s.ts, libvirt: s.lv, raw: s.raw, targets: [{ vsRaw: 1.05 }],
  });
  const sec = (x?: { medianMs: number }) => (x ? `${(x.medianMs / 1000).toFixed(1)} s` : '-');
  const pct = row.ratioRaw === undefined ? '-' : `${round((row.ratioRaw - 1) * 100, 1)}%`;
  row.note = `median of ${n}: tsvirt ${sec(row.tsvirt)}, libvirt ${sec(row.libvirt)}, raw QEMU ${sec(row.raw)}; ` +
    `tsvirt over raw QEMU ${pct} (target < 5%); tsvirt and libvirt timed from define, raw from spawn`;
  return row;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!wanted()) {
    log('  real-guest boot rows skipped: pass --guests (or TSVIRT_BENCH_GUESTS=1) to run them (several minutes)\n');
    return [];
  }
  const n = rounds();
  const images = await ensureDebianImages();
  if (!existsSync(OVMF_CODE) || !existsSync(OVMF_VARS)) throw new Error(`${OVMF_CODE} or ${OVMF_VARS} missing: apt-get install ovmf`);
  const rows: BenchRow[] = [];
  const only = process.env.TSVIRT_BENCH_GUESTS_ONLY; // 'bios' or 'efi', for a shorter run
  if (only !== 'efi') rows.push(await bootRows(ctx, 'bios', images.bios, n));
  if (only !== 'bios') rows.push(await bootRows(ctx, 'efi', images.uefi, n));
  return rows;
}

// alone, the rows run without --guests; libvirtd's first definition after its start waits for
// its QEMU probe, which is not part of a boot
if (!process.argv.includes('--guests') && process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) process.argv.push('--guests');
runIfMain(import.meta.url, 'guests', run, { prepare: (ctx) => ctx.virsh.send('domcapabilities --virttype qemu --arch x86_64') });
