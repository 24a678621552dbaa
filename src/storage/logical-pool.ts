// The 'logical' pool: an LVM volume group whose logical volumes are the volumes.
// lvm2's tools do the work; their reports are read as JSON (--reportformat json).
import type { StoragePool } from '../conf/pool-xml.js';
import type { StorageVolume } from '../conf/volume-xml.js';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';
import type { PoolBackend } from './backend.js';
import { convertImage } from './qemu-img.js';
import { zeroFile } from './wipe.js';

const LVM_ENV = { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' };
const lvm = (cmd: string, args: string[]) => runOk(cmd, args, { env: LVM_ENV, timeoutMs: 60_000 });

function vg(pool: StoragePool): string {
  return pool.source.name ?? pool.name;
}

/** Rows of an lvm2 JSON report (vgs/lvs --reportformat json). */
export function parseLvmReport(json: string, kind: 'vg' | 'lv'): Array<Record<string, string>> {
  try {
    const j = JSON.parse(json) as { report: Array<Record<string, Array<Record<string, string>>>> };
    return j.report.flatMap((r) => r[kind] ?? []);
  } catch {
    throw new TsvirtError('internal-error', `malformed lvm2 ${kind} report`);
  }
}

async function lvs(pool: StoragePool): Promise<StorageVolume[]> {
  const out = await lvm('lvs', ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,lv_path', vg(pool)]);
  return parseLvmReport(out, 'lv').map((r) => ({
    type: 'block' as const, name: r.lv_name!, key: r.lv_path!, capacity: Number(r.lv_size), allocation: Number(r.lv_size),
    physical: Number(r.lv_size), target: { path: r.lv_path!, format: 'raw' as const },
  }));
}

export const logicalPoolBackend: PoolBackend = {
  async build(pool, overwrite) {
    if (pool.source.devices.length === 0) throw new TsvirtError('invalid-arg', `logical pool '${pool.name}' names no <source><device path=.../>`);
    for (const d of pool.source.devices) await lvm('pvcreate', [...(overwrite ? ['-ff', '-y'] : []), d]);
    await lvm('vgcreate', [vg(pool), ...pool.source.devices]);
  },
  async start(pool) {
    await lvm('vgchange', ['-aly', vg(pool)]).catch((e: Error) => {
      throw new TsvirtError('operation-invalid', `cannot start logical pool '${pool.name}': ${e.message}`);
    });
  },
  async stop(pool) {
    await lvm('vgchange', ['-aln', vg(pool)]);
  },
  async delete(pool) {
    await lvm('vgremove', ['-f', vg(pool)]);
    for (const d of pool.source.devices) await lvm('pvremove', ['-y', d]);
  },
  async stats(pool) {
    const out = await lvm('vgs', ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'vg_size,vg_free', vg(pool)]);
    const r = parseLvmReport(out, 'vg')[0];
    if (!r) throw new TsvirtError('operation-failed', `volume group '${vg(pool)}' not found`);
    const capacity = Number(r.vg_size);
    const available = Number(r.vg_free);
    return { capacity, available, allocation: capacity - available };
  },
  listVolumes: lvs,
  async getVolume(pool, name) {
    return (await lvs(pool)).find((v) => v.name === name);
  },
  volumePath(pool, name) {
    return `/dev/${vg(pool)}/${name}`;
  },
  async createVolume(pool, vol, from, progress) {
    if (vol.backingStore) throw new TsvirtError('config-unsupported', 'logical volumes cannot have a backing store');
    if (vol.target.format && vol.target.format !== 'raw') throw new TsvirtError('config-unsupported', `logical volumes are raw, not ${vol.target.format}`);
    const size = Math.max(vol.capacity, from?.capacity ?? 0);
    await lvm('lvcreate', ['--yes', '-Wy', '-n', vol.name, '-L', `${size}b`, vg(pool)]);
    if (from) {
      try {
        await convertImage(from, { path: `/dev/${vg(pool)}/${vol.name}`, format: 'raw' }, (f) => progress?.(Math.round(f * from.capacity), from.capacity), true);
      } catch (e) {
        await lvm('lvremove', ['-f', `${vg(pool)}/${vol.name}`]).catch(() => undefined);
        throw e;
      }
    }
  },
  async deleteVolume(pool, vol) {
    await lvm('lvremove', ['-f', `${vg(pool)}/${vol.name}`]);
  },
  async renameVolume(pool, from, to) {
    // lvrename cannot replace: the old volume goes first
    if ((await lvs(pool)).some((v) => v.name === to)) await lvm('lvremove', ['-f', `${vg(pool)}/${to}`]);
    await lvm('lvrename', [vg(pool), from, to]);
  },
  async resizeVolume(pool, vol, bytes) {
    await lvm('lvresize', ['-f', '-L', `${bytes}b`, `${vg(pool)}/${vol.name}`]);
  },
  async wipeVolume(_pool, vol, progress) {
    await zeroFile(vol.target.path!, vol.capacity, progress);
  },
};
