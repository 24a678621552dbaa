// Disk hot-plug: blockdev-add of the protocol and format nodes, then device_add, with the
// bodies the command line uses (argv-disk.ts). Detach: device_del, DEVICE_DELETED, blockdev-del.
import { diskSource } from '../conf/device-xml.js';
import type { Disk } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { diskAlias, diskBlockdevs, diskDeviceProps, diskFormatNode, diskStorageNode, diskThrottleGroup, diskTopNode, isLocalDisk } from './argv-disk.js';
import type { HotplugContext, HotplugHandler } from './hotplug.js';
import { unplugDevice } from './hotplug-wait.js';
import * as qmp from './qmp-commands.js';
import type { QemuVm } from './vm.js';

/** The next free libvirt-N node index (the command line used 1..disks; hot-plugs count on). */
async function nextNodeIndex(vm: QemuVm, disks: number): Promise<number> {
  const nodes = await qmp.queryNamedBlockNodes(vm.monitor);
  let max = disks;
  for (const n of nodes) {
    const m = /^libvirt-(\d+)-/.exec(n['node-name']);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

function sourcePath(disk: Disk, ctx: HotplugContext): string | undefined {
  // network and dir disks have no host path: diskBlockdevs describes them from the source
  if (!isLocalDisk(disk)) return disk.source?.protocol ?? disk.source?.dir;
  if (disk.type === 'file') return disk.source?.file;
  if (disk.type === 'block') return disk.source?.dev;
  const p = ctx.resources?.resolvedDiskPaths?.[0];
  if (!p) throw new TsvirtError('internal-error', `disk '${disk.target.dev}': volume '${disk.source?.volume}' was not resolved to a path`);
  return p;
}

/** The top (format) node of the medium in the guest device `id`, if any. */
async function insertedNode(vm: QemuVm, id: string): Promise<string | undefined> {
  const blocks = await qmp.queryBlock(vm.monitor);
  const mine = blocks.find((b) => b.qdev === id || b.qdev?.includes(`/peripheral/${id}/`) || b.qdev?.endsWith(`/peripheral/${id}`));
  return mine?.inserted?.['node-name'];
}

/** The nodes blockdev-add made for a top node libvirt-N-format (or the node alone). */
function nodesOf(top: string): string[] {
  const m = /^libvirt-(\d+)-(throttle|cor|format)$/.exec(top);
  if (!m) return [top];
  const layers = [`libvirt-${m[1]}-throttle`, `libvirt-${m[1]}-cor`, diskFormatNode(Number(m[1])), diskStorageNode(Number(m[1]))];
  return layers.slice(layers.indexOf(top));
}

/** The nodes of a top node's explicit backing chain (libvirt-N-bK-format/storage), chain top first. */
async function chainNodesOf(vm: QemuVm, top: string): Promise<string[]> {
  const m = /^libvirt-(\d+)-/.exec(top);
  if (!m) return [];
  const re = new RegExp(`^libvirt-${m[1]}-b(\\d+)-(format|storage)$`);
  const found = (await qmp.queryNamedBlockNodes(vm.monitor)).map((n) => re.exec(n['node-name'])).filter((x) => x !== null);
  return found.sort((a, b) => Number(a[1]) - Number(b[1]) || (a[2] === 'format' ? -1 : 1)).map((x) => x[0]);
}

/** What update-device may change on a running disk: the medium of a CD-ROM or floppy. */
function checkMediaOnly(old: Disk, disk: Disk): void {
  if (disk.device !== 'cdrom' && disk.device !== 'floppy') {
    throw new TsvirtError('operation-unsupported', `disk '${disk.target.dev}': a running ${disk.device} can only change the media of a cdrom or floppy (update-device)`);
  }
  // a CD-ROM is read-only whether the XML says <readonly/> or not
  const same = (d: Disk) => JSON.stringify({ device: d.device, bus: d.target.bus, readonly: d.device === 'cdrom' || !!d.readonly, shareable: !!d.shareable, serial: d.serial, boot: d.boot?.order });
  if (same(old) !== same(disk)) {
    throw new TsvirtError('operation-unsupported', `disk '${disk.target.dev}': only the source (the media) of a running ${disk.device} can change, not its bus, flags, serial or boot order`);
  }
}

export const diskHotplug: HotplugHandler<Disk> = {
  async attach(vm, disk, ctx) {
    if (disk.device !== 'disk') throw new TsvirtError('operation-unsupported', `live attach of a ${disk.device} is not supported (only disks)`);
    const path = sourcePath(disk, ctx);
    if (!path) throw new TsvirtError('config-unsupported', `disk '${disk.target.dev}' has no source`);
    if (disk.type === 'vhostuser') throw new TsvirtError('operation-unsupported', `live attach of vhostuser disk '${disk.target.dev}' is not supported`);
    if (diskThrottleGroup(disk) || disk.wwn) throw new TsvirtError('operation-unsupported', `live attach of disk '${disk.target.dev}' with <iotune> limits or a <wwn> is not supported`);
    const index = await nextNodeIndex(vm, ctx.dom.devices.disks.length);
    const added: string[] = [];
    try {
      for (const node of diskBlockdevs(disk, index, path)) {
        await qmp.blockdevAdd(vm.monitor, node);
        added.push(node['node-name'] as string);
      }
      await qmp.deviceAdd(vm.monitor, diskDeviceProps(disk, ctx.dom, ctx.caps, { nodeIndex: index, hasMedia: true }));
    } catch (e) {
      for (const n of added.reverse()) await qmp.blockdevDel(vm.monitor, n).catch(() => undefined);
      throw e;
    }
    disk.alias = diskAlias(disk);
  },

  async detach(vm, disk) {
    const id = disk.alias ?? diskAlias(disk);
    const top = await insertedNode(vm, id);
    await unplugDevice(vm, id);
    // the backends outlive the device: remove them once the guest let go
    for (const n of top ? [...nodesOf(top), ...await chainNodesOf(vm, top)] : []) await qmp.blockdevDel(vm.monitor, n).catch(() => undefined);
  },

  /** Media change (virsh change-media / update-device of a cdrom): eject, insert or swap. */
  async update(vm, disk, ctx) {
    const old = vm.live.devices.disks.find((d) => d.target.dev === disk.target.dev);
    if (!old) throw new TsvirtError('operation-failed', `disk '${disk.target.dev}' not found in the running domain`);
    checkMediaOnly(old, disk);
    const id = old.alias ?? diskAlias(old);
    const path = diskSource(disk) !== undefined ? sourcePath(disk, ctx) : undefined;
    const before = await insertedNode(vm, id);
    const added: string[] = [];
    let removed = false;
    try {
      const index = path ? await nextNodeIndex(vm, ctx.dom.devices.disks.length) : 0;
      for (const node of path ? diskBlockdevs(disk, index, path) : []) {
        await qmp.blockdevAdd(vm.monitor, node);
        added.push(node['node-name'] as string);
      }
      // the guest may have locked the tray (a mounted disc): media change forces it, as libvirt's --force
      await qmp.blockdevOpenTray(vm.monitor, id, true);
      await qmp.blockdevRemoveMedium(vm.monitor, id);
      removed = true;
      if (path) await qmp.blockdevInsertMedium(vm.monitor, id, diskTopNode(disk, index));
      await qmp.blockdevCloseTray(vm.monitor, id);
    } catch (e) {
      // back as it was, so the guest and the live XML still agree
      if (removed && before) await qmp.blockdevInsertMedium(vm.monitor, id, before).catch(() => undefined);
      await qmp.blockdevCloseTray(vm.monitor, id).catch(() => undefined);
      for (const n of added.reverse()) await qmp.blockdevDel(vm.monitor, n).catch(() => undefined);
      throw e;
    }
    // the old medium's nodes are free now
    for (const n of before ? [...nodesOf(before), ...await chainNodesOf(vm, before)] : []) await qmp.blockdevDel(vm.monitor, n).catch(() => undefined);
    disk.alias = id;
  },
};
