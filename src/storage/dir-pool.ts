// The 'dir' pool: a folder whose regular files are the volumes. qemu-img creates,
// converts and resizes them; capacity figures come from statfs of the folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StoragePool } from '../conf/pool-xml.js';
import { VOLUME_FORMATS, type StorageVolume, type VolumeFormat } from '../conf/volume-xml.js';
import { TsvirtError } from '../util/errors.js';
import type { PoolBackend, PoolStats, ProgressFn, VolumeSource } from './backend.js';
import { convertImage, createImage, imageInfo, resizeImage } from './qemu-img.js';
import { zeroFile } from './wipe.js';

async function folderOrError(p: string): Promise<void> {
  const st = await fs.stat(p).catch(() => undefined);
  if (!st) throw new TsvirtError('operation-invalid', `cannot open directory '${p}': No such file or directory`);
  if (!st.isDirectory()) throw new TsvirtError('operation-invalid', `cannot use '${p}' as a dir pool: it is not a folder`);
}

function asFormat(f: string): VolumeFormat {
  return (VOLUME_FORMATS as readonly string[]).includes(f) ? (f as VolumeFormat) : 'raw';
}

/** A volume's live view: qemu-img's sizes, the file's own size. */
export async function describeFile(file: string, name: string): Promise<StorageVolume> {
  const [info, st] = await Promise.all([imageInfo(file), fs.stat(file)]);
  const vol: StorageVolume = {
    type: 'file', name, key: file, capacity: info.virtualSize, allocation: info.actualSize, physical: st.size,
    target: { path: file, format: asFormat(info.format), permissions: { mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), owner: st.uid, group: st.gid } },
  };
  if (info.backingFile) vol.backingStore = { path: info.backingFile, format: info.backingFormat ? asFormat(info.backingFormat) : undefined };
  // as libvirt reports a qcow2 volume: its version, and lazy refcounts when on
  if (info.compat) vol.target.compat = info.compat;
  if (info.lazyRefcounts) vol.target.lazyRefcounts = true;
  return vol;
}

export const dirPoolBackend: PoolBackend = {
  async build(pool) {
    const p = pool.target.path;
    const st = await fs.stat(p).catch(() => undefined);
    if (st && !st.isDirectory()) throw new TsvirtError('operation-invalid', `cannot build dir pool '${pool.name}': '${p}' exists and is not a folder`);
    await fs.mkdir(p, { recursive: true, mode: 0o755 });
    const mode = pool.target.permissions?.mode;
    if (mode) await fs.chmod(p, parseInt(mode, 8));
  },
  async start(pool) {
    await folderOrError(pool.target.path);
  },
  async stop() {},
  async delete(pool) {
    try {
      await fs.rmdir(pool.target.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      throw new TsvirtError('operation-failed', `cannot delete dir pool '${pool.name}' at '${pool.target.path}': ${code === 'ENOTEMPTY' ? 'the folder is not empty' : (e as Error).message}`);
    }
  },
  async stats(pool): Promise<PoolStats> {
    const s = await fs.statfs(pool.target.path);
    return { capacity: s.blocks * s.bsize, allocation: (s.blocks - s.bfree) * s.bsize, available: s.bavail * s.bsize };
  },
  async listVolumes(pool) {
    const names = (await fs.readdir(pool.target.path, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.'));
    const vols = await Promise.all(names.map((d) => describeFile(path.join(pool.target.path, d.name), d.name).catch(() => undefined)));
    return vols.filter((v): v is StorageVolume => v !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  },
  volumePath(pool, name) {
    return path.join(pool.target.path, name);
  },
  async getVolume(pool, name) {
    const file = path.join(pool.target.path, name);
    const st = await fs.lstat(file).catch(() => undefined);
    return st?.isFile() ? describeFile(file, name) : undefined;
  },
  async createVolume(pool, vol, from?: VolumeSource, progress?: ProgressFn) {
    const file = path.join(pool.target.path, vol.name);
    // O_EXCL: never overwrite; the file is then filled by qemu-img
    const fh = await fs.open(file, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') throw new TsvirtError('operation-invalid', `storage volume '${vol.name}' already exists in pool '${pool.name}'`);
      throw e;
    });
    await fh.close();
    try {
      const format = vol.target.format ?? 'raw';
      if (from) {
        await convertImage(from, { path: file, format }, (f) => progress?.(Math.round(f * from.capacity), from.capacity));
        if (vol.capacity > from.capacity) await resizeImage(file, format, vol.capacity, false);
      } else {
        const backing = vol.backingStore && { path: vol.backingStore.path, format: vol.backingStore.format ?? (await imageInfo(vol.backingStore.path)).format };
        await createImage(file, {
          format, capacity: vol.capacity, preallocate: (vol.allocation ?? 0) >= vol.capacity && vol.capacity > 0, backing,
          compat: vol.target.compat, lazyRefcounts: vol.target.lazyRefcounts,
        });
      }
      const mode = vol.target.permissions?.mode;
      if (mode) await fs.chmod(file, parseInt(mode, 8));
    } catch (e) {
      await fs.rm(file, { force: true });
      throw e;
    }
  },
  async deleteVolume(_pool, vol) {
    await fs.rm(vol.target.path!);
  },
  async renameVolume(pool, from, to) {
    // rename(2) replaces `to` at once: a reader sees the old file or the new one, never half of one
    await fs.rename(path.join(pool.target.path, from), path.join(pool.target.path, to));
  },
  async resizeVolume(_pool, vol, bytes, shrink) {
    await resizeImage(vol.target.path!, vol.target.format ?? 'raw', bytes, shrink);
  },
  async wipeVolume(_pool, vol, progress) {
    const file = vol.target.path!;
    const format = vol.target.format ?? 'raw';
    if (format === 'raw') return zeroFile(file, vol.capacity, progress);
    // an image format: zeroing its bytes would leave garbage, so it is made anew, empty, with the same shape
    const tmp = `${file}.wipe-${process.pid}`;
    await createImage(tmp, { format, capacity: vol.capacity, backing: vol.backingStore && { path: vol.backingStore.path, format: vol.backingStore.format ?? 'raw' } });
    await fs.rename(tmp, file);
    progress?.(vol.capacity, vol.capacity);
  },
};
