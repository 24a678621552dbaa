// Storage benchmark (issue 4): volume create and clone rates through tsvirtd against
// qemu-img / cp run directly, and upload / download throughput through the daemon socket
// as a fraction of a plain `cp` of the same file on the same disk.
// Hooked into `npm run bench` as an extra module (run(ctx)); also runs alone:
//   node --import tsx bench/storage.ts [--quick]   (starts its own isolated tsvirtd)
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '../src/client/client.js';
import { downloadVolume, uploadVolume } from '../src/client/volume-stream.js';
import { runOk } from '../src/util/spawn.js';
import { makeRow } from './report.js';
import { round, timed } from './stats.js';
import type { BenchContext, BenchRow } from './types.js';

const MiB = 1024 ** 2;

export async function run(ctx: Pick<BenchContext, 'quick' | 'tmp' | 'tsvirt'>): Promise<BenchRow[]> {
  const c = ctx.tsvirt;
  const section = 'storage';
  const dir = path.join(ctx.tmp, 'bench-pool');
  const rawDir = path.join(ctx.tmp, 'bench-raw');
  await fs.mkdir(rawDir, { recursive: true });
  const pool = `bench-pool-${process.pid}`;
  await c.call('pool.create', { xml: `<pool type='dir'><name>${pool}</name><target><path>${dir}</path></target></pool>`, build: true });
  const rows: BenchRow[] = [];
  try {
    const n = ctx.quick ? 10 : 40;
    const volXml = (name: string) => `<volume><name>${name}</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>`;
    const tsCreate = await timed(async () => {
      for (let i = 0; i < n; i++) await c.call('vol.create', { pool, xml: volXml(`v${i}.qcow2`) });
    });
    const rawCreate = await timed(async () => {
      for (let i = 0; i < n; i++) await runOk('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(rawDir, `v${i}.qcow2`), '1G']);
    });
    rows.push(makeRow({ section, op: `vol-create qcow2 1 GiB x${n} (vs qemu-img create)`, unit: 'ops/s', tsvirt: [rate(n, tsCreate)], raw: [rate(n, rawCreate)] }));

    // a data volume to clone and to stream
    const size = (ctx.quick ? 64 : 256) * MiB;
    const src = path.join(ctx.tmp, 'bench-data.bin');
    await writeRandom(src, size);
    await c.call('vol.create', { pool, xml: `<volume><name>data.raw</name><capacity>${size}</capacity><target><format type='raw'/></target></volume>` });
    const m = ctx.quick ? 3 : 6;
    const cloneSrc = path.join(dir, 'data.raw');
    await fs.copyFile(src, cloneSrc);
    const tsClone = await timed(async () => {
      for (let i = 0; i < m; i++) await c.call('vol.clone', { pool, vol: 'data.raw', newName: `clone${i}.raw` });
    });
    const rawClone = await timed(async () => {
      for (let i = 0; i < m; i++) await runOk('cp', [cloneSrc, path.join(rawDir, `clone${i}.raw`)]);
    });
    rows.push(makeRow({ section, op: `vol-clone ${size / MiB} MiB raw x${m} (vs cp)`, unit: 'ops/s', tsvirt: [rate(m, tsClone)], raw: [rate(m, rawClone)] }));

    const rounds = ctx.quick ? 2 : 3;
    const up: number[] = [], down: number[] = [], cp: number[] = [];
    for (let r = 0; r < rounds; r++) {
      cp.push(await timed(() => runOk('cp', [src, path.join(rawDir, 'cp.bin')])));
      await fs.rm(path.join(rawDir, 'cp.bin'), { force: true });
      up.push(await timed(() => uploadVolume(c, { pool, vol: 'data.raw' }, createReadStream(src, { highWaterMark: MiB }), size)));
      const out = path.join(ctx.tmp, 'bench-down.bin');
      down.push(await timed(() => downloadVolume(c, { pool, vol: 'data.raw' }, createWriteStream(out, { highWaterMark: MiB }))));
      await fs.rm(out, { force: true });
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const note = (xs: number[]) => `${round(size / MiB / (med(xs) / 1000), 0)} MiB/s, ${round(med(cp) / med(xs), 2)} of cp's throughput (cp ${round(size / MiB / (med(cp) / 1000), 0)} MiB/s)`;
    rows.push(makeRow({ section, op: `vol-upload ${size / MiB} MiB (vs cp)`, unit: 'ms', tsvirt: up, raw: cp, note: note(up) }));
    rows.push(makeRow({ section, op: `vol-download ${size / MiB} MiB (vs cp)`, unit: 'ms', tsvirt: down, raw: cp, note: note(down) }));
  } finally {
    const { volumes } = await c.call('vol.list', { pool }).catch(() => ({ volumes: [] }));
    for (const v of volumes) await c.call('vol.delete', { pool, vol: v.name }).catch(() => undefined);
    await c.call('pool.destroy', { pool }).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(rawDir, { recursive: true, force: true });
    await fs.rm(path.join(ctx.tmp, 'bench-data.bin'), { force: true });
  }
  return rows;
}

function rate(count: number, ms: number): number {
  return round(count / (ms / 1000), 1);
}

async function writeRandom(file: string, bytes: number): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    const chunk = randomBytes(4 * MiB);
    for (let off = 0; off < bytes; off += chunk.length) await fh.write(chunk, 0, Math.min(chunk.length, bytes - off));
  } finally {
    await fh.close();
  }
}

async function main(): Promise<void> {
  const { startDaemon } = await import('../src/daemon/tsvirtd.js');
  const { rootPaths } = await import('../src/daemon/paths.js');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tsvirt-bench-storage-'));
  const paths = rootPaths(tmp);
  const daemon = await startDaemon(paths, { kvmProbe: false, log: { info() {}, warn() {} } });
  try {
    const tsvirt = new Client({ uri: `qemu+unix:///system?socket=${paths.socket}` });
    const rows = await run({ quick: process.argv.includes('--quick'), tmp, tsvirt });
    for (const r of rows) {
      const ratio = r.ratioRaw !== undefined ? `  tsvirt/raw ${r.ratioRaw}` : '';
      process.stdout.write(`${r.op}: tsvirt ${r.tsvirt?.medianMs} ${r.unit}, raw ${r.raw?.medianMs} ${r.unit}${ratio}${r.note ? `  (${r.note})` : ''}\n`);
    }
  } finally {
    await daemon.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().then(() => process.exit(0), (e) => {
    process.stderr.write(`bench/storage: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
