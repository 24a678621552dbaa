// External disk snapshots (libvirt's location='external'): a new qcow2 overlay over each
// disk's current image. A running domain switches every disk in one QMP transaction of
// blockdev-snapshot (all or none); a shut-off one only gets the files. Memory to a file is
// the save helper's migration stream (not done here).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Disk } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';
import { diskAlias } from './argv-disk.js';
import * as qmp from './qmp-commands.js';
import { transaction } from './qmp-snapshot.js';
import type { QemuVm } from './vm.js';
import { diskPath } from './snapshot-internal.js';

export interface OverlayPlan {
  disk: Disk;
  /** the new image */
  file: string;
  /** use an existing file as is (--reuse-external) */
  reuse: boolean;
}

/** libvirt's default overlay name: the image's name with its suffix replaced by the snapshot's name */
export function defaultOverlayPath(base: string, snapshot: string): string {
  const dir = path.dirname(base);
  const name = path.basename(base);
  const dot = name.lastIndexOf('.');
  return path.join(dir, `${dot > 0 ? name.slice(0, dot) : name}.${snapshot}`);
}

/** Checks every plan before anything is made (libvirt's qemuSnapshotPrepareDiskExternal). */
export async function checkOverlays(plans: OverlayPlan[]): Promise<void> {
  for (const p of plans) {
    if (!diskPath(p.disk)) throw new TsvirtError('config-unsupported', `external snapshot for disk ${p.disk.target.dev} unsupported for storage type ${p.disk.type}`);
    const st = await fs.stat(p.file).catch(() => undefined);
    if (st && !p.reuse && !st.isBlockDevice()) {
      throw new TsvirtError('operation-invalid', `external snapshot file for disk ${p.disk.target.dev} already exists and is not a block device: ${p.file}`);
    }
    if (!st && p.reuse) throw new TsvirtError('invalid-arg', `missing existing file for disk ${p.disk.target.dev}: ${p.file}`);
  }
}

/** qemu-img create of each overlay (backed by the current image); on failure the new files go again. */
export async function createOverlayFiles(plans: OverlayPlan[]): Promise<void> {
  const made: string[] = [];
  try {
    for (const p of plans) {
      if (p.reuse) continue;
      const base = diskPath(p.disk)!;
      await runOk('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', p.disk.driver?.type ?? 'raw', p.file]);
      made.push(p.file);
    }
  } catch (e) {
    await removeFiles(made);
    throw new TsvirtError('operation-failed', `cannot create the snapshot overlay: ${(e as Error).message}`);
  }
}

export async function removeFiles(files: string[]): Promise<void> {
  for (const f of files) await fs.rm(f, { force: true }).catch(() => undefined);
}

/** Attaches the overlays (blockdev-add) and switches all disks to them in one transaction. */
export async function switchRunning(vm: QemuVm, plans: OverlayPlan[]): Promise<void> {
  const blocks = await qmp.queryBlock(vm.monitor);
  const nodes = await qmp.queryNamedBlockNodes(vm.monitor);
  let next = 0;
  for (const n of nodes) {
    const m = /^libvirt-(\d+)-/.exec(n['node-name']);
    if (m) next = Math.max(next, Number(m[1]));
  }
  const added: string[] = [];
  const actions: Array<{ type: string; data: Record<string, unknown> }> = [];
  try {
    for (const p of plans) {
      const id = p.disk.alias ?? diskAlias(p.disk);
      const b = blocks.find((x) => x.qdev === id || x.qdev?.includes(`/peripheral/${id}/`) || x.qdev?.endsWith(`/peripheral/${id}`));
      const top = b?.inserted?.['node-name'];
      if (!top || !/-format$/.test(top)) throw new TsvirtError('operation-unsupported', `disk '${p.disk.target.dev}': external snapshot of a disk with filter nodes (throttle, copy-on-read) is not supported`);
      const prefix = `libvirt-${++next}`;
      await qmp.blockdevAdd(vm.monitor, { driver: 'file', 'node-name': `${prefix}-storage`, filename: p.file, 'auto-read-only': true, discard: 'unmap' });
      added.push(`${prefix}-storage`);
      // backing: null, blockdev-snapshot sets it to the old top
      await qmp.blockdevAdd(vm.monitor, { driver: 'qcow2', 'node-name': `${prefix}-format`, file: `${prefix}-storage`, backing: null });
      added.push(`${prefix}-format`);
      actions.push({ type: 'blockdev-snapshot', data: { node: top, overlay: `${prefix}-format` } });
    }
    await transaction(vm.monitor, actions);
  } catch (e) {
    for (const n of added.reverse()) await qmp.blockdevDel(vm.monitor, n).catch(() => undefined);
    throw e;
  }
}

/** The disk as it is after the switch: the overlay, qcow2, QEMU follows its header to the old image. */
export function overlayDisk(d: Disk, file: string): Disk {
  return { ...d, type: 'file', source: { file }, driver: { ...d.driver, type: 'qcow2' }, backingStore: undefined };
}
