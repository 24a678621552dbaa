// <disk>: parse and format, each mirroring the other in libvirt 9.0's order
// (virDomainDiskDefParseXML / virDomainDiskDefFormat). The <source> family lives in
// domain-disk-source-xml.ts.
import type { Disk, DiskDriver, DiskIotune, DiskType, OnOff } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { assignDefined } from './xml-assign.js';
import { diskNameIndex } from './domain-addresses.js';
import {
  DISK_TYPES, IMAGE_FORMATS, formatAuth, formatBackingStore, formatDiskSource, formatEncryption, formatMetadataCache,
  parseAuth, parseBackingStore, parseDiskSource, parseEncryption, parseMetadataCache,
} from './domain-disk-source-xml.js';

export const DISK_BUSES = ['virtio', 'sata', 'scsi', 'ide', 'usb', 'fdc', 'sd'] as const;
const ON_OFF = ['on', 'off'] as const;
const ERROR_POLICIES = ['stop', 'report', 'ignore', 'enospace'] as const;

/** The <iotune> children in libvirt's order (group_name sits between size_iops_sec and the *_max_length ones). */
export const IOTUNE_FIELDS = [
  'total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_iops_sec', 'read_iops_sec', 'write_iops_sec',
  'total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max', 'total_iops_sec_max', 'read_iops_sec_max', 'write_iops_sec_max',
  'size_iops_sec', 'group_name',
  'total_bytes_sec_max_length', 'read_bytes_sec_max_length', 'write_bytes_sec_max_length',
  'total_iops_sec_max_length', 'read_iops_sec_max_length', 'write_iops_sec_max_length',
] as const;

// ---- disk
/**
 * Adds a parsed disk where libvirt puts it (virDomainDiskInsert): after the last disk written on
 * the same bus, or before the first of them whose target name sorts after its own.
 */
const BUS_BY_TARGET_PREFIX: Array<[string, Disk['target']['bus']]> = [['vd', 'virtio'], ['sd', 'scsi'], ['hd', 'ide'], ['fd', 'fdc']];

/** The bus libvirt infers from a target name without <target bus=> (vd -> virtio, sd -> scsi, hd -> ide, fd -> fdc). */
export function busFromTarget(dev: string): Disk['target']['bus'] | undefined {
  return BUS_BY_TARGET_PREFIX.find(([p]) => dev.startsWith(p))?.[1];
}

export function insertDisk(list: Disk[], disk: Disk): void {
  const idx = (d: Disk) => diskNameIndex(d.target.dev) ?? -1;
  // libvirt knows the bus by now (its parser infers it from the target name); tsvirt's defaults
  // fill it later, so a disk without one (virsh attach-disk sends none) counts with the inferred one
  const bus = (d: Disk) => d.target.bus ?? busFromTarget(d.target.dev);
  const mine = bus(disk);
  let at = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    if (bus(list[i]) !== mine) continue;
    if (idx(list[i]) > idx(disk)) at = i;
    else if (at === -1) at = i + 1;
  }
  if (at === -1) list.push(disk);
  else list.splice(at, 0, disk);
}

export function parseDisk(x: XmlElement): Disk {
  const targetEl = x.child('target');
  if (!targetEl) throw x.error('missing <target> in <disk>');
  const srcEl = x.child('source');
  // libvirt resets the type to 'file' when there is no <source>
  const type: DiskType = srcEl ? x.enumAttr('type', DISK_TYPES) ?? 'file' : (x.enumAttr('type', DISK_TYPES), 'file');
  const disk: Disk = {
    type,
    device: x.enumAttr('device', ['disk', 'cdrom', 'floppy', 'lun'] as const) ?? 'disk',
    target: parseTarget(targetEl),
  };
  assignDefined(disk, {
    model: x.enumAttr('model', ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const),
    snapshot: x.enumAttr('snapshot', ['no', 'internal', 'external', 'manual'] as const),
    rawio: x.boolAttr('rawio'),
    sgio: x.enumAttr('sgio', ['filtered', 'unfiltered'] as const),
  });
  const d = x.child('driver');
  if (d) disk.driver = parseDriver(d);
  if (srcEl) {
    disk.source = parseDiskSource(srcEl, type);
    const policy = srcEl.enumAttr('startupPolicy', ['mandatory', 'requisite', 'optional'] as const);
    if (policy) disk.source.startupPolicy = policy;
  }
  const auth = x.child('auth');
  if (auth) {
    if (disk.source?.auth) throw auth.error('an <auth> definition already found for disk source');
    disk.auth = parseAuth(auth);
  }
  const enc = x.child('encryption');
  if (enc) {
    if (disk.source?.encryption) throw enc.error('an <encryption> definition already found for disk source');
    disk.encryption = parseEncryption(enc);
  }
  const bs = x.child('backingStore');
  if (bs) disk.backingStore = parseBackingStore(bs);
  const bd = x.child('backenddomain');
  if (bd) disk.backendDomain = bd.reqAttr('name');
  const g = x.child('geometry');
  if (g) {
    disk.geometry = assignDefined({}, {
      cyls: g.intAttr('cyls', { min: 0 }), heads: g.intAttr('heads', { min: 0 }), secs: g.intAttr('secs', { min: 0 }),
      trans: g.enumAttr('trans', ['none', 'auto', 'lba'] as const),
    });
  }
  const bio = x.child('blockio');
  if (bio) {
    disk.blockio = assignDefined({}, {
      logicalBlockSize: bio.intAttr('logical_block_size', { min: 0 }), physicalBlockSize: bio.intAttr('physical_block_size', { min: 0 }),
    });
  }
  const mirror = x.child('mirror');
  if (mirror) {
    // live-only block job state: libvirt ignores it in a definition
    for (const n of ['type', 'file', 'format', 'job', 'ready']) mirror.attr(n);
    mirror.innerXml();
  }
  const t = x.child('transient');
  if (t) disk.transient = assignDefined({}, { shareBacking: t.boolAttr('shareBacking') });
  const io = x.child('iotune');
  if (io) disk.iotune = parseIotune(io);
  if (x.child('readonly')) disk.readonly = true;
  if (x.child('shareable')) disk.shareable = true;
  assignDefined(disk, { serial: x.childText('serial'), wwn: x.childText('wwn'), vendor: x.childText('vendor'), product: x.childText('product') });
  if (disk.wwn !== undefined && !/^(0x)?[0-9a-fA-F]{16}$/.test(disk.wwn)) throw x.error(`Malformed wwn: ${disk.wwn}`);
  for (const k of ['vendor', 'product'] as const) {
    const v = disk[k];
    // eslint-disable-next-line no-control-regex
    if (v !== undefined && /[\x00-\x1f\x7f]/.test(v)) throw x.error(`disk ${k} is not printable string`);
    if (v !== undefined && v.length > (k === 'vendor' ? 8 : 16)) throw x.error(`disk ${k} is more than ${k === 'vendor' ? 8 : 16} characters`);
  }
  parseDeviceInfo(x, disk, true);
  return disk;
}

function parseTarget(t: XmlElement): Disk['target'] {
  return assignDefined({ dev: t.reqAttr('dev') } as Disk['target'], {
    bus: t.enumAttr('bus', DISK_BUSES),
    tray: t.enumAttr('tray', ['open', 'closed'] as const),
    removable: t.enumAttr('removable', ON_OFF),
    rotationRate: t.intAttr('rotation_rate', { min: 0 }) || undefined,
  });
}

function parseDriver(d: XmlElement): DiskDriver {
  const type = d.attr('type');
  if (type !== undefined && type !== 'aio' && !(IMAGE_FORMATS as readonly string[]).includes(type)) throw d.error(`unknown driver format value '${type}'`);
  const drv: DiskDriver = assignDefined({}, {
    name: d.attr('name'),
    type: type === 'aio' ? 'raw' : type, // 'aio': Xen back-compat for raw
    cache: d.enumAttr('cache', ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe']),
    errorPolicy: d.enumAttr('error_policy', ERROR_POLICIES),
    rerrorPolicy: d.enumAttr('rerror_policy', ERROR_POLICIES) as DiskDriver['rerrorPolicy'],
    io: d.enumAttr('io', ['threads', 'native', 'io_uring']),
    ioeventfd: d.enumAttr('ioeventfd', ON_OFF),
    eventIdx: d.enumAttr('event_idx', ON_OFF),
    copyOnRead: d.enumAttr('copy_on_read', ON_OFF),
    discard: d.enumAttr('discard', ['ignore', 'unmap']),
    iothread: d.intAttr('iothread', { min: 1 }),
    detectZeroes: d.enumAttr('detect_zeroes', ['off', 'on', 'unmap'] as const),
    queues: d.intAttr('queues', { min: 0 }),
    queueSize: d.intAttr('queue_size', { min: 0 }),
    iommu: d.enumAttr('iommu', ON_OFF),
    ats: d.enumAttr('ats', ON_OFF),
    packed: d.enumAttr('packed', ON_OFF),
    pagePerVq: d.enumAttr('page_per_vq', ON_OFF),
    metadataCacheMaxSize: parseMetadataCache(d),
  });
  if ((drv.rerrorPolicy as string) === 'enospace') throw d.error("Invalid disk read error policy: 'enospace'");
  if (drv.cache === 'default') delete drv.cache;
  return drv;
}

function parseIotune(x: XmlElement): DiskIotune {
  const io: DiskIotune = {};
  for (const f of IOTUNE_FIELDS) {
    const c = x.child(f);
    if (!c) continue;
    const t = c.text();
    c.done();
    if (f === 'group_name') io.group_name = t;
    else {
      if (!/^\s*[0-9]+\s*$/.test(t)) throw c.error(`disk iotune field '${f}' must be an integer`);
      const n = Number(t.trim());
      if (n) io[f] = n;
    }
  }
  return io;
}

export function formatDisk(d: Disk, opts: FormatOptions): XmlNode {
  const readonly = d.readonly || d.device === 'cdrom';
  const snapshot = d.snapshot === 'no' && readonly ? undefined : d.snapshot;
  const fopts = { inactive: opts.inactive, secure: opts.secure };
  const t = d.target;
  return el('disk', { type: d.type, device: d.device, model: d.model, rawio: d.rawio, sgio: d.sgio, snapshot }, [
    d.driver && formatDriver(d.driver),
    d.auth && formatAuth(d.auth),
    d.source && formatDiskSource(d.type, d.source, { ...fopts, withIndex: true }),
    d.backingStore && formatBackingStore(d.backingStore, fopts),
    d.backendDomain !== undefined && el('backenddomain', { name: d.backendDomain }),
    !!(d.geometry?.cyls && d.geometry.heads && d.geometry.secs) &&
      el('geometry', { cyls: d.geometry!.cyls, heads: d.geometry!.heads, secs: d.geometry!.secs, trans: d.geometry!.trans }),
    !!(d.blockio?.logicalBlockSize || d.blockio?.physicalBlockSize) && el('blockio', { logical_block_size: d.blockio!.logicalBlockSize || undefined, physical_block_size: d.blockio!.physicalBlockSize || undefined }),
    el('target', {
      dev: t.dev, bus: t.bus,
      tray: (d.device === 'floppy' || d.device === 'cdrom') && t.tray === 'open' ? 'open' : undefined,
      removable: t.bus === 'usb' ? t.removable : undefined,
      rotation_rate: t.rotationRate || undefined,
    }),
    d.iotune && formatIotune(d.iotune),
    flagEl('readonly', d.readonly),
    flagEl('shareable', d.shareable),
    d.transient && el('transient', { shareBacking: d.transient.shareBacking ? 'yes' : undefined }),
    textEl('serial', d.serial),
    textEl('wwn', d.wwn),
    textEl('vendor', d.vendor),
    textEl('product', d.product),
    d.encryption && formatEncryption(d.encryption),
    ...formatDeviceInfo(d, opts),
  ]);
}

function formatDriver(v: DiskDriver): XmlNode {
  return el('driver', {
    name: v.name, type: v.type, cache: v.cache, error_policy: v.errorPolicy, rerror_policy: v.rerrorPolicy, io: v.io,
    ioeventfd: v.ioeventfd, event_idx: v.eventIdx, copy_on_read: v.copyOnRead, discard: v.discard, iothread: v.iothread,
    detect_zeroes: v.detectZeroes, queues: v.queues || undefined, queue_size: v.queueSize || undefined,
    iommu: v.iommu, ats: v.ats, packed: v.packed, page_per_vq: v.pagePerVq,
  }, [v.metadataCacheMaxSize ? formatMetadataCache(v.metadataCacheMaxSize) : undefined]);
}

function formatIotune(io: DiskIotune): XmlNode | undefined {
  const kids = IOTUNE_FIELDS.map((f) => (f === 'group_name' ? textEl(f, io.group_name) : io[f] ? textEl(f, io[f]) : undefined));
  return kids.some(Boolean) ? el('iotune', {}, kids) : undefined;
}

export type { OnOff };
