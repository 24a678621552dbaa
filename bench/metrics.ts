// Statistics at scale: domstats of 1 and of 100 running guests, and of those 100 among 10,000
// defined, tsvirt (domain.getAllStats over its socket) beside libvirt (virsh domstats over one
// connection: virConnectGetAllDomainStats); and one GET /metrics scrape with 100 running guests
// (goal: under 50 ms), libvirt's GetAllDomainStats of the same guests as the reference.
// The guests are BIOS guests with one 1 MiB raw disk that find nothing to boot and idle:
// cheap enough that 100 run at once on two cores under TCG (each system has its own 100).
import * as http from 'node:http';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeRow } from './report.js';
import { interleave, timed } from './stats.js';
import type { BenchContext, BenchRow } from './types.js';

const idleXml = (name: string, disk?: string) => `<domain type='qemu'><name>${name}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>${disk
  ? `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>` : ''}</devices></domain>\n`;

async function diskFor(ctx: BenchContext, name: string): Promise<string> {
  const f = path.join(ctx.tmp, `${name}.img`);
  await writeFile(f, Buffer.alloc(1024 * 1024));
  await chmod(f, 0o666);
  return f;
}

function scrape(socket: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: socket, path: '/metrics' }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET /metrics: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function inBatches<T>(items: T[], size: number, f: (x: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const running = ctx.quick ? 10 : 100;
  const defined = ctx.quick ? 200 : 9_900;
  const reps = ctx.quick ? 3 : 10;
  const socket = new URL(ctx.tsvirtUri.replace(/^[^:]+:/, 'x:')).searchParams.get('socket')!;
  const ts = Array.from({ length: running }, (_, i) => `bench-ts-st${i}`);
  const lv = Array.from({ length: running }, (_, i) => `bench-lv-st${i}`);
  const tsIdle = Array.from({ length: defined }, (_, i) => `bench-ts-sd${i}`);
  const lvIdle = Array.from({ length: defined }, (_, i) => `bench-lv-sd${i}`);
  const rows: BenchRow[] = [];
  const section = 'stats';
  const sdk = ctx.tsvirt;
  try {
    await inBatches(ts, 10, async (n) => {
      await sdk.call('domain.define', { xml: idleXml(n, await diskFor(ctx, n)) });
      await sdk.call('domain.start', { domain: n });
    });
    for (const n of lv) {
      const f = path.join(ctx.tmp, `${n}.xml`);
      await writeFile(f, idleXml(n, await diskFor(ctx, n)));
      await ctx.virsh.send(`define ${f}`);
      await ctx.virsh.send(`start ${n}`);
    }
    const s: Record<string, number[]> = {};
    const add = (k: string, v: number): void => void (s[k] ??= []).push(v);
    await interleave(reps, {
      ts1: async () => add('ts1', await timed(() => sdk.call('domain.getAllStats', { domains: [ts[0]] }))),
      lv1: async () => add('lv1', await ctx.virsh.time(`domstats ${lv[0]}`)),
      tsAll: async () => add('tsAll', await timed(() => sdk.call('domain.getAllStats', { active: true }))),
      lvAll: async () => add('lvAll', await ctx.virsh.time('domstats --list-active')),
      scrape: async () => add('scrape', await timed(() => scrape(socket))),
    });
    rows.push(
      makeRow({ section, op: 'domstats, 1 running guest', unit: 'ms', tsvirt: s.ts1, libvirt: s.lv1, targets: [{ vsLibvirt: 1 }] }),
      makeRow({ section, op: `domstats, ${running} running guests`, unit: 'ms', tsvirt: s.tsAll, libvirt: s.lvAll, targets: [{ vsLibvirt: 1 }] }),
      makeRow({ section, op: `GET /metrics, ${running} running guests`, unit: 'ms', tsvirt: s.scrape, libvirt: s.lvAll, targets: [{ maxMs: 50 }],
        note: "libvirt: virConnectGetAllDomainStats of the same guests (virsh domstats), the exporters' source" }),
    );
    // the same with many more defined (inactive) domains beside them
    await inBatches(tsIdle, 50, (n) => sdk.call('domain.define', { xml: idleXml(n) }));
    for (let i = 0; i < lvIdle.length; i += 200) {
      const files = await Promise.all(lvIdle.slice(i, i + 200).map(async (n) => {
        const f = path.join(ctx.tmp, `${n}.xml`);
        await writeFile(f, idleXml(n));
        return f;
      }));
      await ctx.virsh.send(files.map((f) => `define ${f}`).join('\n'));
    }
    const b: Record<string, number[]> = {};
    const addB = (k: string, v: number): void => void (b[k] ??= []).push(v);
    await interleave(reps, {
      tsAll: async () => addB('tsAll', await timed(() => sdk.call('domain.getAllStats', {}))),
      lvAll: async () => addB('lvAll', await ctx.virsh.time('domstats')),
      scrape: async () => addB('scrape', await timed(() => scrape(socket))),
    });
    const total = running + defined;
    rows.push(
      makeRow({ section, op: `domstats, ${running} running + ${defined} defined`, unit: 'ms', tsvirt: b.tsAll, libvirt: b.lvAll, targets: [{ vsLibvirt: 1 }] }),
      makeRow({ section, op: `GET /metrics, ${running} running + ${defined} defined`, unit: 'ms', tsvirt: b.scrape, libvirt: b.lvAll,
        note: `${total} domains: 1,000 running guests do not fit on this machine, so ${running} run and the rest are defined` }),
    );
  } finally {
    await inBatches(ts, 10, (n) => sdk.call('domain.destroy', { domain: n }).catch(() => undefined));
    await inBatches([...ts, ...tsIdle], 50, (n) => sdk.call('domain.undefine', { domain: n }).catch(() => undefined));
    for (const n of lv) await ctx.virsh.send(`destroy ${n}`).catch(() => undefined);
    for (let i = 0; i < lv.length + lvIdle.length; i += 200) {
      await ctx.virsh.send([...lv, ...lvIdle].slice(i, i + 200).map((n) => `undefine ${n}`).join('\n')).catch(() => undefined);
    }
  }
  return rows;
}
