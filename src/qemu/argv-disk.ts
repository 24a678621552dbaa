// Disks: a -blockdev protocol node (file/host_device) and a format node (raw/qcow2) per disk,
// named as libvirt does (libvirt-N-storage / libvirt-N-format), plus the guest-visible -device.
// The same builders give blockdev-add / device_add bodies for hot-plug.
import { TsvirtError } from '../util/errors.js';
import type { Disk, Domain } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, isQ35, jsonArg, pciProps, requireDevice, usbProps } from './argv-common.js';
import { controllerAlias } from './argv-controller.js';
import { diskNameIndex as confDiskNameIndex } from '../conf/domain-addresses.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** 0 for vda/sda/hda, 25 for vdz, 26 for vdaa (libvirt's virDiskNameToIndex). */
export function diskNameIndex(dev: string): number {
  const n = confDiskNameIndex(dev);
  if (n === undefined) throw new TsvirtError('xml-error', `disk target dev '${dev}' is not a disk name like vda or sdb`);
  return n;
}

function driveAddress(disk: Disk) {
  const a = disk.address;
  if (a?.type !== 'drive') {
    throw unsupported(`disk '${disk.target.dev}' on bus '${disk.target.bus}' needs a drive address (run the domain defaults first)`);
  }
  return a;
}

/** libvirt's alias for a disk: virtio-disk0, sata0-0-0, ide0-1-0, scsi0-0-0-0, usb-disk1. */
export function diskAlias(disk: Disk): string {
  const bus = disk.target.bus ?? 'virtio';
  if (bus === 'virtio') return `virtio-disk${diskNameIndex(disk.target.dev)}`;
  if (bus === 'usb') return `usb-disk${diskNameIndex(disk.target.dev)}`;
  const a = driveAddress(disk);
  if (bus === 'scsi') return `scsi${a.controller}-${a.bus}-${a.target}-${a.unit}`;
  if (bus === 'sata' || bus === 'ide') return `${bus}${a.controller}-${a.bus}-${a.unit}`;
  throw unsupported(`disk bus '${bus}' is not supported`);
}

export const diskStorageNode = (nodeIndex: number) => `libvirt-${nodeIndex}-storage`;
export const diskFormatNode = (nodeIndex: number) => `libvirt-${nodeIndex}-format`;

/** The host path behind a disk; undefined for an empty CD-ROM. `type='volume'` paths come from ctx. */
export function diskSourcePath(disk: Disk, diskIndex: number, ctx: ArgvContext): string | undefined {
  let path: string | undefined;
  if (disk.type === 'file') path = disk.source?.file;
  else if (disk.type === 'block') path = disk.source?.dev;
  else {
    path = ctx.resolvedDiskPaths?.[diskIndex];
    if (!path) {
      throw new TsvirtError('internal-error', `disk '${disk.target.dev}' is volume '${disk.source?.volume}' in pool `
        + `'${disk.source?.pool}' but the driver passed no resolved path for it (ArgvContext.resolvedDiskPaths[${diskIndex}])`);
    }
  }
  if (!path && disk.device !== 'cdrom') throw unsupported(`disk '${disk.target.dev}' has no source`);
  return path;
}

export interface BlockdevOptions {
  readOnly: boolean;
  format: 'raw' | 'qcow2';
  hostDevice?: boolean;
  cdrom?: boolean;
  cache?: string;
  io?: string;
  discard?: string;
}

const CACHE: Record<string, { direct: boolean; 'no-flush': boolean }> = {
  none: { direct: true, 'no-flush': false },
  writeback: { direct: false, 'no-flush': false },
  writethrough: { direct: false, 'no-flush': false },
  directsync: { direct: true, 'no-flush': false },
  unsafe: { direct: false, 'no-flush': true },
};

/** The protocol node and the format node on top of it, as -blockdev / blockdev-add bodies. */
export function blockdevNodes(prefix: string, path: string, o: BlockdevOptions): [Props, Props] {
  let cache: Props = {};
  if (o.cache && o.cache !== 'default') {
    if (!CACHE[o.cache]) throw unsupported(`disk cache mode '${o.cache}' is not supported`);
    cache = { cache: CACHE[o.cache] };
  }
  if (o.io === 'native' && !(o.cache === 'none' || o.cache === 'directsync')) {
    throw unsupported("disk io='native' needs cache='none' or cache='directsync'");
  }
  if (o.io && !['native', 'threads', 'io_uring'].includes(o.io)) throw unsupported(`disk io mode '${o.io}' is not supported`);
  const driver = o.hostDevice ? (o.cdrom ? 'host_cdrom' : 'host_device') : 'file';
  const storage: Props = {
    driver, filename: path, 'node-name': `${prefix}-storage`, 'auto-read-only': true, discard: 'unmap',
    ...(o.readOnly ? { 'read-only': true } : {}), ...(o.io ? { aio: o.io } : {}), ...cache,
  };
  const format: Props = {
    'node-name': `${prefix}-format`, 'read-only': o.readOnly,
    ...(o.discard === 'unmap' ? { discard: 'unmap' } : {}), ...cache,
    driver: o.format, file: `${prefix}-storage`,
  };
  return [storage, format];
}

export function blockdevPair(prefix: string, path: string, o: BlockdevOptions): ArgPair[] {
  return blockdevNodes(prefix, path, o).map((p) => jsonArg('-blockdev', p));
}

/** -blockdev bodies for a disk (none for an empty CD-ROM). */
export function diskBlockdevs(disk: Disk, nodeIndex: number, path: string | undefined): Props[] {
  if (!path) return [];
  const cdrom = disk.device === 'cdrom';
  return blockdevNodes(`libvirt-${nodeIndex}`, path, {
    readOnly: cdrom || !!disk.readonly,
    format: disk.driver?.type ?? 'raw',
    hostDevice: disk.type === 'block' || (disk.type === 'volume' && path.startsWith('/dev/')),
    cdrom,
    cache: disk.driver?.cache,
    io: disk.driver?.io,
    discard: disk.driver?.discard,
  });
}

/** Which QEMU device model and bus properties a disk gets. */
function diskBusProps(disk: Disk, dom: Domain): Props {
  const bus = disk.target.bus ?? 'virtio';
  const cdrom = disk.device === 'cdrom';
  const where = `disk '${disk.target.dev}'`;
  if (disk.device !== 'disk' && disk.device !== 'cdrom') throw unsupported(`${where}: device='${disk.device}' is not supported`);
  switch (bus) {
    case 'virtio':
      if (cdrom) throw unsupported(`${where}: a CD-ROM cannot be on the virtio bus (use sata, ide or scsi)`);
      return { driver: 'virtio-blk-pci', ...pciProps(dom, disk.address, where) };
    case 'usb':
      if (cdrom) throw unsupported(`${where}: a USB CD-ROM is not supported`);
      return { driver: 'usb-storage', ...usbProps(dom, disk.address, where) };
    case 'sata': {
      const a = driveAddress(disk);
      if (a.bus !== 0) throw unsupported(`${where}: a SATA address has bus 0 (one disk per port), not ${a.bus}`);
      return { driver: cdrom ? 'ide-cd' : 'ide-hd', bus: `${controllerAlias(dom, 'sata', a.controller)}.${a.unit}` };
    }
    case 'ide': {
      if (isQ35(dom)) throw unsupported(`${where}: the q35 machine has no IDE bus (use sata)`);
      const a = driveAddress(disk);
      if (a.controller !== 0 || a.bus > 1 || a.unit > 1) throw unsupported(`${where}: IDE address must be controller 0, bus 0-1, unit 0-1`);
      return { driver: cdrom ? 'ide-cd' : 'ide-hd', bus: `ide.${a.bus}`, unit: a.unit };
    }
    case 'scsi': {
      const a = driveAddress(disk);
      return {
        driver: cdrom ? 'scsi-cd' : 'scsi-hd', bus: `${controllerAlias(dom, 'scsi', a.controller)}.0`,
        channel: a.bus, 'scsi-id': a.target, lun: a.unit, device_id: `drive-${diskAlias(disk)}`,
      };
    }
    default:
      throw unsupported(`${where}: disk bus '${bus}' is not supported`);
  }
}

/** The -device / device_add body of a disk. `nodeIndex` names its format node; no media: no drive. */
export function diskDeviceProps(
  disk: Disk, dom: Domain, caps: QemuCaps, opts: { nodeIndex: number; hasMedia: boolean; bootIndex?: number },
): Props {
  const props = diskBusProps(disk, dom);
  requireDevice(caps, props.driver as string, `disk '${disk.target.dev}'`);
  if (disk.readonly && disk.device === 'disk' && (props.driver === 'ide-hd')) {
    throw unsupported(`disk '${disk.target.dev}': QEMU cannot attach a read-only hard disk on the ${disk.target.bus} bus (use virtio or scsi)`);
  }
  if (opts.hasMedia) props.drive = diskFormatNode(opts.nodeIndex);
  props.id = diskAlias(disk);
  const bootIndex = opts.bootIndex ?? disk.boot?.order;
  if (bootIndex !== undefined) props.bootindex = bootIndex;
  if (disk.serial) props.serial = disk.serial;
  if (disk.shareable) props['share-rw'] = true;
  const cache = disk.driver?.cache;
  if (cache && cache !== 'default') props['write-cache'] = cache === 'writethrough' || cache === 'directsync' ? 'off' : 'on';
  return props;
}

/** -blockdev and -device options for every disk; disks are numbered libvirt-1.. in document order. */
export function diskArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext, bootIndexes: Map<Disk, number>): ArgPair[] {
  const args: ArgPair[] = [];
  dom.devices.disks.forEach((disk, i) => {
    const path = diskSourcePath(disk, i, ctx);
    for (const node of diskBlockdevs(disk, i + 1, path)) args.push(jsonArg('-blockdev', node));
    const props = diskDeviceProps(disk, dom, caps, { nodeIndex: i + 1, hasMedia: !!path, bootIndex: bootIndexes.get(disk) });
    args.push(jsonArg('-device', props));
  });
  return args;
}
