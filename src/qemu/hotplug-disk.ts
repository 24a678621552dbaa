// Disk hot-plug: blockdev-add of the protocol and format nodes, then device_add, with the
// bodies the command line uses (argv-disk.ts). Detach: device_del, DEVICE_DELETED, blockdev-del.
import type { Disk } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { diskAlias, diskBlockdevs, diskDeviceProps, diskFormatNode, diskStorageNode } from './argv-disk.js';
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
  if (disk.type === 'file') return disk.source?.file;
  if (disk.type === 'block') return disk.source?.dev;
  const p = ctx.resources?.resolvedDiskPaths?.[0];
  if (!p) throw new TsvirtError('internal-error', `disk '${disk.target.dev}': volume '${disk.source?.volume}' was not resolved to a path`);
  return p;
}

export const diskHotplug: HotplugHandler<Disk> = {
  async attach(vm, disk, ctx) {
    if (disk.device !== 'disk') throw new TsvirtError('operation-unsupported', `live attach of a ${disk.device} is not supported (only disks)`);
    const path = sourcePath(disk, ctx);
    if (!path) throw new TsvirtError('config-unsupported', `disk '${disk.target.dev}' has no source`);
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
    const blocks = await qmp.queryBlock(vm.monitor);
    const mine = blocks.find((b) => b.qdev === id || b.qdev?.includes(`/peripheral/${id}/`) || b.qdev?.endsWith(`/peripheral/${id}`));
    const top = mine?.inserted?.['node-name'];
    const m = top ? /^libvirt-(\d+)-format$/.exec(top) : null;
    await unplugDevice(vm, id);
    // the backends outlive the device: remove them once the guest let go
    const nodes = m ? [diskFormatNode(Number(m[1])), diskStorageNode(Number(m[1]))] : top ? [top] : [];
    for (const n of nodes) await qmp.blockdevDel(vm.monitor, n).catch(() => undefined);
  },
};
