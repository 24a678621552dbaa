// Disks: a -blockdev protocol node (file/host_device) and a format node (raw/qcow2) per disk,
// named as libvirt does (libvirt-N-storage / libvirt-N-format), plus the guest-visible -device.
// The same builders give blockdev-add / device_add bodies for hot-plug.
import { TsvirtError } from '../util/errors.js';
import type { BackingStore, Disk, Domain } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, isQ35, jsonArg, keyValues, pciProps, requireDevice, usbProps } from './argv-common.js';
import { controllerAlias } from './argv-controller.js';
import { diskNameIndex as confDiskNameIndex } from '../conf/domain-addresses.js';
import { networkStorageProps, otherStorageProps } from './argv-disk-source.js';
import { iothreadId } from './argv-iothread.js';

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

/** Disk types whose medium is a host path (file, device or resolved pool volume). */
export const isLocalDisk = (disk: Disk) => disk.type === 'file' || disk.type === 'block' || disk.type === 'volume';

/**
 * The host path behind a disk; undefined for an empty CD-ROM. `type='volume'` paths come from ctx.
 * Other types (network, dir, ...) have no host path: their medium is described by the source itself.
 */
export function diskSourcePath(disk: Disk, diskIndex: number, ctx: ArgvContext): string | undefined {
  let path: string | undefined;
  if (!isLocalDisk(disk)) return undefined;
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
  /** libvirt's image format name (raw, qcow2, vmdk, vhd, ...) */
  format: string;
  hostDevice?: boolean;
  cdrom?: boolean;
  cache?: string;
  io?: string;
  discard?: string;
  detectZeroes?: string;
  /** the protocol node's own properties when it is not a local file (network, vvfat) */
  storage?: Props;
  /** qcow2 metadata (L2 + refcount) cache bound in bytes (<metadata_cache><max_size>) */
  cacheSize?: number;
}

/** QEMU's format driver for each libvirt image format it can open. */
const FORMAT_DRIVERS: Record<string, string> = {
  raw: 'raw', iso: 'raw', fat: 'raw', qcow2: 'qcow2', qcow: 'qcow', qed: 'qed', vmdk: 'vmdk', vdi: 'vdi', vpc: 'vpc', vhd: 'vpc',
  bochs: 'bochs', cloop: 'cloop', dmg: 'dmg', ploop: 'parallels',
};

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
  const formatDriver = FORMAT_DRIVERS[o.format];
  if (!formatDriver) throw unsupported(`disk image format '${o.format}' is not supported by QEMU`);
  const driver = o.hostDevice ? (o.cdrom ? 'host_cdrom' : 'host_device') : 'file';
  const own: Props = o.storage ?? { driver, filename: path };
  const storage: Props = {
    ...own, 'node-name': `${prefix}-storage`, 'auto-read-only': true, discard: 'unmap',
    ...(o.readOnly ? { 'read-only': true } : {}), ...(o.io && !o.storage ? { aio: o.io } : {}), ...cache,
  };
  // detect_zeroes='unmap' only means unmap when discard is unmap too (else it is plain 'on')
  const dz = o.detectZeroes && o.detectZeroes !== 'off' ? (o.detectZeroes === 'unmap' && o.discard !== 'unmap' ? 'on' : o.detectZeroes) : undefined;
  const format: Props = {
    'node-name': `${prefix}-format`, 'read-only': o.readOnly,
    ...(o.discard === 'unmap' ? { discard: 'unmap' } : {}), ...cache, ...(dz ? { 'detect-zeroes': dz } : {}),
    driver: formatDriver, file: `${prefix}-storage`,
    ...(o.cacheSize && formatDriver === 'qcow2' ? { 'cache-size': o.cacheSize } : {}),
  };
  return [storage, format];
}

export function blockdevPair(prefix: string, path: string, o: BlockdevOptions): ArgPair[] {
  return blockdevNodes(prefix, path, o).map((p) => jsonArg('-blockdev', p));
}

/** QEMU throttle limits for each <iotune> field. */
const THROTTLE: Record<string, string> = {
  total_bytes_sec: 'bps-total', read_bytes_sec: 'bps-read', write_bytes_sec: 'bps-write',
  total_iops_sec: 'iops-total', read_iops_sec: 'iops-read', write_iops_sec: 'iops-write',
  total_bytes_sec_max: 'bps-total-max', read_bytes_sec_max: 'bps-read-max', write_bytes_sec_max: 'bps-write-max',
  total_iops_sec_max: 'iops-total-max', read_iops_sec_max: 'iops-read-max', write_iops_sec_max: 'iops-write-max',
  size_iops_sec: 'iops-size',
  total_bytes_sec_max_length: 'bps-total-max-length', read_bytes_sec_max_length: 'bps-read-max-length', write_bytes_sec_max_length: 'bps-write-max-length',
  total_iops_sec_max_length: 'iops-total-max-length', read_iops_sec_max_length: 'iops-read-max-length', write_iops_sec_max_length: 'iops-write-max-length',
};

/** The throttle group of a disk with <iotune> (its group_name, or one of its own); undefined without limits. */
export function diskThrottleGroup(disk: Disk): Props | undefined {
  const io = disk.iotune;
  if (!io) return undefined;
  const limits: Props = {};
  for (const [k, q] of Object.entries(THROTTLE)) {
    const v = (io as Record<string, number | undefined>)[k];
    if (v) limits[q] = v;
  }
  if (Object.keys(limits).length === 0) return undefined;
  // a group_name may hold characters a QOM id may not
  return { 'qom-type': 'throttle-group', id: `throttle-${(io.group_name ?? diskAlias(disk)).replace(/[^A-Za-z0-9_.-]/g, '_')}`, limits };
}

/**
 * -blockdev bodies for a disk (none for an empty CD-ROM): storage, format, then the filters
 * on top (copy-on-read, throttle); the guest device uses the last one (diskTopNode).
 */
export function diskBlockdevs(disk: Disk, nodeIndex: number, path: string | undefined): Props[] {
  const storage = isLocalDisk(disk) ? undefined : otherStorageProps(disk);
  if (!path && !storage) return [];
  const cdrom = disk.device === 'cdrom';
  if (disk.source?.encryption || disk.encryption) {
    throw unsupported(`disk '${disk.target.dev}': an encrypted image needs a secret object for its passphrase, and tsvirt has no secret driver`);
  }
  if (disk.transient) throw unsupported(`disk '${disk.target.dev}': <transient/> disks (a throw-away overlay made at start) are not supported`);
  if (disk.source?.fdgroup) throw unsupported(`disk '${disk.target.dev}': a source from file descriptors (fdgroup='${disk.source.fdgroup}') needs them passed to the domain, which tsvirt does not do`);
  if (disk.source?.reservations) throw unsupported(`disk '${disk.target.dev}': persistent reservations need qemu-pr-helper, which tsvirt does not run`);
  const slice = disk.source?.sliceStorage;
  if (slice && (disk.driver?.type ?? 'raw') !== 'raw') throw unsupported(`disk '${disk.target.dev}': a storage slice is supported only under a raw image`);
  const prefix = `libvirt-${nodeIndex}`;
  const nodes: Props[] = blockdevNodes(prefix, path ?? '', {
    readOnly: cdrom || !!disk.readonly,
    format: disk.driver?.type ?? 'raw',
    hostDevice: disk.type === 'block' || (disk.type === 'volume' && !!path?.startsWith('/dev/')),
    cdrom,
    cache: disk.driver?.cache,
    io: disk.driver?.io,
    discard: disk.driver?.discard,
    detectZeroes: disk.driver?.detectZeroes,
    cacheSize: disk.driver?.metadataCacheMaxSize,
    storage,
  });
  // a raw image inside a slice of its storage: the raw node reads only [offset, offset+size)
  if (slice) Object.assign(nodes[1], { offset: slice.offset, size: slice.size });
  // an explicit <backingStore> chain is opened as written (base first); the empty terminator
  // means no backing image even if the image header names one. Without one QEMU follows the header.
  const chain = disk.backingStore ? backingNodes(disk, disk.backingStore, prefix) : { nodes: [], top: undefined };
  if (disk.backingStore && HAS_BACKING.has(String(nodes[1].driver))) nodes[1].backing = chain.top ?? null;
  nodes.unshift(...chain.nodes);
  let top = `${prefix}-format`;
  if (disk.driver?.copyOnRead === 'on') {
    nodes.push({ driver: 'copy-on-read', 'node-name': `${prefix}-cor`, file: top });
    top = `${prefix}-cor`;
  }
  const group = diskThrottleGroup(disk);
  if (group) nodes.push({ driver: 'throttle', 'node-name': `${prefix}-throttle`, 'throttle-group': group.id, file: top });
  return nodes;
}

/** QEMU formats that can have a backing image (the others take no 'backing' property). */
const HAS_BACKING = new Set(['qcow2', 'qcow', 'qed', 'vmdk']);

/** Storage + format nodes of a backing chain, base first; `top`: the format node the image above uses. */
function backingNodes(disk: Disk, b: BackingStore, prefix: string, depth = 1): { nodes: Props[]; top?: string } {
  if (!b.type) return { nodes: [] };
  const where = `disk '${disk.target.dev}' backing store ${depth}`;
  const s = b.source ?? {};
  let own: Props;
  if (b.type === 'file' && s.file) own = { driver: 'file', filename: s.file };
  else if (b.type === 'block' && s.dev) own = { driver: 'host_device', filename: s.dev };
  else if (b.type === 'network' && s.protocol) own = networkStorageProps(disk, s);
  else throw unsupported(`${where}: a backing image of type '${b.type}' is not supported`);
  if (s.encryption) throw unsupported(`${where}: an encrypted image needs a secret object for its passphrase, and tsvirt has no secret driver`);
  const p = `${prefix}-b${depth}`;
  const [storage, format] = blockdevNodes(p, '', {
    readOnly: true, format: b.format ?? 'raw', storage: own, cacheSize: b.metadataCacheMaxSize,
  });
  const below = b.backingStore ? backingNodes(disk, b.backingStore, prefix, depth + 1) : { nodes: [] };
  if (b.backingStore && HAS_BACKING.has(String(format.driver))) format.backing = below.top ?? null;
  return { nodes: [...below.nodes, storage, format], top: String(format['node-name']) };
}

/** The node a disk's guest device reads: the last of diskBlockdevs. */
export function diskTopNode(disk: Disk, nodeIndex: number): string {
  if (diskThrottleGroup(disk)) return `libvirt-${nodeIndex}-throttle`;
  return disk.driver?.copyOnRead === 'on' ? `libvirt-${nodeIndex}-cor` : diskFormatNode(nodeIndex);
}

/** Which QEMU device model and bus properties a disk gets. */
function diskBusProps(disk: Disk, dom: Domain): Props {
  const bus = disk.target.bus ?? 'virtio';
  const cdrom = disk.device === 'cdrom';
  const where = `disk '${disk.target.dev}'`;
  if (disk.device !== 'disk' && disk.device !== 'cdrom') throw unsupported(`${where}: device='${disk.device}' is not supported`);
  switch (bus) {
    case 'virtio': {
      if (cdrom) throw unsupported(`${where}: a CD-ROM cannot be on the virtio bus (use sata, ide or scsi)`);
      const base = disk.type === 'vhostuser' ? 'vhost-user-blk-pci' : 'virtio-blk-pci';
      const model = disk.model === 'virtio-transitional' || disk.model === 'virtio-non-transitional' ? `${base}-${disk.model.slice(7)}` : base;
      return { driver: model, ...pciProps(dom, disk.address, where) };
    }
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
  if (opts.hasMedia) props.drive = diskTopNode(disk, opts.nodeIndex);
  props.id = diskAlias(disk);
  if (disk.type === 'vhostuser') props.chardev = vhostUserChardevId(disk);
  Object.assign(props, driverDeviceProps(disk, dom, String(props.driver)));
  const bootIndex = opts.bootIndex ?? disk.boot?.order;
  if (bootIndex !== undefined) props.bootindex = bootIndex;
  if (disk.serial) props.serial = disk.serial;
  if (disk.shareable) props['share-rw'] = true;
  const cache = disk.driver?.cache;
  if (cache && cache !== 'default') props['write-cache'] = cache === 'writethrough' || cache === 'directsync' ? 'off' : 'on';
  return props;
}

/** jsonArg that writes BigInt values (a disk's wwn) as exact JSON numbers. */
export function diskJsonArg(opt: string, props: Props): ArgPair {
  const text = JSON.stringify(props, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000u64:${v}` : v));
  return [opt, text.replace(/"\\u0000u64:(\d+)"/g, '$1')];
}

/** Guest-device properties from <driver>, <geometry>, <blockio>, <wwn>, <vendor>/<product> and <target>. */
function driverDeviceProps(disk: Disk, dom: Domain, model: string): Props {
  const d = disk.driver ?? {};
  const where = `disk '${disk.target.dev}'`;
  const p: Props = {};
  const virtio = model.startsWith('virtio-blk') || model.startsWith('vhost-user-blk');
  const virtioOnly = (what: string) => {
    if (!virtio) throw unsupported(`${where}: ${what} is only supported for virtio disks`);
  };
  if (d.iothread !== undefined) {
    if (!virtio) throw unsupported(`IOThreads not available for bus ${disk.target.bus} target ${disk.target.dev}`);
    p.iothread = iothreadId(dom, d.iothread, where);
  }
  if (d.ioeventfd) (virtioOnly('ioeventfd'), (p.ioeventfd = d.ioeventfd === 'on'));
  if (d.eventIdx) (virtioOnly('event_idx'), (p.event_idx = d.eventIdx === 'on'));
  if (d.queues) (virtioOnly('queues'), (p['num-queues'] = d.queues));
  if (d.queueSize) (virtioOnly('queue_size'), (p['queue-size'] = d.queueSize));
  if (d.iommu) (virtioOnly('iommu'), (p.iommu_platform = d.iommu === 'on'));
  if (d.ats) (virtioOnly('ats'), (p.ats = d.ats === 'on'));
  if (d.packed) (virtioOnly('packed'), (p.packed = d.packed === 'on'));
  if (d.pagePerVq) (virtioOnly('page_per_vq'), (p['page-per-vq'] = d.pagePerVq === 'on'));
  const g = disk.geometry;
  if (g?.cyls && g.heads && g.secs) {
    Object.assign(p, { cyls: g.cyls, heads: g.heads, secs: g.secs });
    if (g.trans && g.trans !== 'none' && model === 'ide-hd') p['bios-chs-trans'] = g.trans;
  }
  if (disk.blockio?.logicalBlockSize) p.logical_block_size = disk.blockio.logicalBlockSize;
  if (disk.blockio?.physicalBlockSize) p.physical_block_size = disk.blockio.physicalBlockSize;
  if (disk.wwn) {
    if (!['scsi-hd', 'scsi-cd', 'ide-hd', 'ide-cd'].includes(model)) throw unsupported(`${where}: wwn is only supported for SCSI, IDE and SATA disks`);
    // a uint64 beyond 2^53: kept exact as a BigInt, written by diskJsonArg
    p.wwn = BigInt(disk.wwn.startsWith('0x') ? disk.wwn : `0x${disk.wwn}`);
  }
  if (disk.vendor || disk.product) {
    if (!model.startsWith('scsi-')) throw unsupported(`${where}: Setting vendor or product is only supported for SCSI disks`);
    if (disk.vendor) p.vendor = disk.vendor;
    if (disk.product) p.product = disk.product;
  }
  if (disk.target.rotationRate) p.rotation_rate = disk.target.rotationRate;
  if (disk.target.removable && model === 'usb-storage') p.removable = disk.target.removable === 'on';
  // qemuBuildDiskGetErrorPolicy: the read policy follows the write one unless that is enospace
  if (d.errorPolicy) p.werror = d.errorPolicy === 'enospace' ? 'enospc' : d.errorPolicy;
  const r = d.rerrorPolicy ?? (d.errorPolicy !== 'enospace' ? d.errorPolicy : undefined);
  if (r) p.rerror = r;
  return p;
}

const vhostUserChardevId = (disk: Disk) => `chr-vu-${diskAlias(disk)}`;

/** The -chardev a vhost-user disk's device connects through (libvirt's chr-vu-<alias>). */
export function vhostUserChardev(disk: Disk): ArgPair {
  const v = disk.source?.vhostuser;
  if (!v) throw unsupported(`disk '${disk.target.dev}': a vhostuser disk needs <source type='unix' path=.../>`);
  const r = v.reconnect?.enabled ? v.reconnect.timeout ?? 0 : undefined;
  return ['-chardev', keyValues('socket', [['id', vhostUserChardevId(disk)], ['path', v.path], ['reconnect', r]])];
}

/** -blockdev and -device options for every disk; disks are numbered libvirt-1.. in document order. */
export function diskArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext, bootIndexes: Map<Disk, number>): ArgPair[] {
  const args: ArgPair[] = [];
  const groups = new Set<string>();
  dom.devices.disks.forEach((disk, i) => {
    const path = diskSourcePath(disk, i, ctx);
    const nodes = diskBlockdevs(disk, i + 1, path);
    const group = nodes.length ? diskThrottleGroup(disk) : undefined;
    if (group && !groups.has(String(group.id))) (groups.add(String(group.id)), args.push(jsonArg('-object', group)));
    for (const node of nodes) args.push(jsonArg('-blockdev', node));
    if (disk.type === 'vhostuser') args.push(vhostUserChardev(disk));
    const props = diskDeviceProps(disk, dom, caps, { nodeIndex: i + 1, hasMedia: nodes.length > 0, bootIndex: bootIndexes.get(disk) });
    args.push(diskJsonArg('-device', props));
  });
  return args;
}
