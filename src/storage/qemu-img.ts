// qemu-img (Debian's qemu-utils) does the image work. Its JSON output (--output=json)
// is parsed, never its text; progress of convert comes from -p's "(NN.NN/100%)" lines.
import { spawn } from 'node:child_process';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';
import type { VolumeFormat } from '../conf/volume-xml.js';

const QEMU_IMG = process.env.TSVIRT_QEMU_IMG ?? 'qemu-img';

export interface ImageInfo {
  format: string;
  virtualSize: number;
  actualSize: number;
  backingFile?: string;
  backingFormat?: string;
  /** qcow2's image version and lazy refcounts (format-specific data) */
  compat?: string;
  lazyRefcounts?: boolean;
}

/** Parses `qemu-img info --output=json` of one image. */
export function parseImageInfo(json: string): ImageInfo {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new TsvirtError('internal-error', 'qemu-img info returned malformed JSON');
  }
  if (Array.isArray(j)) j = j[0] as Record<string, unknown>;
  const num = (k: string) => {
    const v = j[k];
    if (typeof v !== 'number') throw new TsvirtError('internal-error', `qemu-img info JSON lacks '${k}'`);
    return v;
  };
  if (typeof j.format !== 'string') throw new TsvirtError('internal-error', "qemu-img info JSON lacks 'format'");
  const info: ImageInfo = { format: j.format, virtualSize: num('virtual-size'), actualSize: typeof j['actual-size'] === 'number' ? j['actual-size'] : 0 };
  const bf = j['full-backing-filename'] ?? j['backing-filename'];
  if (typeof bf === 'string') info.backingFile = bf;
  if (typeof j['backing-filename-format'] === 'string') info.backingFormat = j['backing-filename-format'];
  const fs = (j['format-specific'] as { type?: string; data?: Record<string, unknown> } | undefined);
  if (fs?.type === 'qcow2' && fs.data) {
    if (typeof fs.data.compat === 'string') info.compat = fs.data.compat;
    if (typeof fs.data['lazy-refcounts'] === 'boolean') info.lazyRefcounts = fs.data['lazy-refcounts'];
  }
  return info;
}

/** Info of an image; -U reads images a running QEMU holds open. */
export async function imageInfo(path: string, format?: string): Promise<ImageInfo> {
  const args = ['info', '--output=json', '-U'];
  if (format) args.push('-f', format);
  return parseImageInfo(await runOk(QEMU_IMG, [...args, path], { timeoutMs: 30_000 }));
}

export interface CreateOptions {
  format: VolumeFormat;
  capacity: number;
  /** preallocate all of it (falloc) */
  preallocate?: boolean;
  backing?: { path: string; format: string };
  /** qcow2: image version and lazy refcounts */
  compat?: string;
  lazyRefcounts?: boolean;
}

export async function createImage(path: string, o: CreateOptions): Promise<void> {
  const args = ['create', '-q', '-f', o.format];
  const opts: string[] = [];
  if (o.preallocate && (o.format === 'raw' || o.format === 'qcow2')) opts.push('preallocation=falloc');
  if (o.format === 'qcow2' && (o.compat || o.lazyRefcounts)) opts.push(`compat=${o.compat ?? '1.1'}`);
  if (o.format === 'qcow2' && o.lazyRefcounts) opts.push('lazy_refcounts=on');
  if (opts.length) args.push('-o', opts.join(','));
  if (o.backing) args.push('-b', o.backing.path, '-F', o.backing.format);
  args.push(path);
  // with a backing file qemu-img takes the backing size when none is given
  if (!o.backing || o.capacity > 0) args.push(String(o.capacity));
  await runOk(QEMU_IMG, args, { timeoutMs: 120_000 });
}

export async function resizeImage(path: string, format: string, bytes: number, shrink: boolean): Promise<void> {
  const args = ['resize', '-q', '-f', format];
  if (shrink) args.push('--shrink');
  await runOk(QEMU_IMG, [...args, path, String(bytes)], { timeoutMs: 120_000 });
}

/** Parses qemu-img -p progress text: the last "(NN.NN/100%)" seen, as a fraction. */
export function parseProgress(text: string): number | undefined {
  const all = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const last = all.at(-1);
  return last ? Number(last[1]) / 100 : undefined;
}

/** qemu-img convert with progress callbacks (fraction 0..1). */
export function convertImage(
  src: { path: string; format: string }, dst: { path: string; format: string },
  onProgress?: (fraction: number) => void, existingTarget = false,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['convert', '-p', ...(existingTarget ? ['-n'] : []), '-f', src.format, '-O', dst.format, src.path, dst.path];
    const child = spawn(QEMU_IMG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      const f = parseProgress(b.toString());
      if (f !== undefined) onProgress?.(f);
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => reject(new TsvirtError('system-error', `cannot run ${QEMU_IMG}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new TsvirtError('operation-failed', `qemu-img convert failed: ${err.trim() || `exit code ${code}`}`));
    });
  });
}
