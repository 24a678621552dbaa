// <filesystem>: parse, format, post-parse defaults and validation, as libvirt 9.0
// (virDomainFSDefParseXML / virDomainFSDefFormat / virDomainFSDefPostParse /
// virDomainFSDefValidate + qemuValidateDomainDeviceDefFS). 9p shares are QEMU's own
// virtio-9p; virtiofs shares run an external virtiofsd (the <binary> element) that QEMU
// talks to over a vhost-user socket, which needs guest RAM QEMU can share.
import type { Domain, Filesystem } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, onOff, type XmlNode } from '../util/xml-writer.js';
import { TsvirtError, isTsvirtError } from '../util/errors.js';
import { MAX_SCALED, parseScaledBytes } from '../util/units.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { parseVirtioDriverOptions, virtioDriverAttrs } from './domain-virtio-driver-xml.js';

const FS_TYPES = ['mount', 'block', 'file', 'template', 'ram', 'bind', 'volume'] as const;
const ACCESS = ['passthrough', 'mapped', 'squash'] as const;
const MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const;
const DRIVERS = ['default', 'path', 'handle', 'loop', 'nbd', 'ploop', 'virtiofs'] as const;
// virStorageFileFormat names (not 'none'), what <driver format=> takes
const FORMATS = ['raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk'];


function modeAttr(x: XmlElement, name: 'fmode' | 'dmode'): number | undefined {
  const v = x.attr(name);
  if (v === undefined) return undefined;
  if (!/^[0-7]+$/.test(v.trim())) throw x.error(`Invalid value for attribute '${name}' in element 'filesystem': '${v}'. Expected non-negative integer value`);
  const n = parseInt(v.trim(), 8);
  if (n > 0o777) throw x.error(`invalid ${name}: '0${n.toString(8)}'`);
  return n === 0 ? undefined : n;
}

function scaledBytes(x: XmlElement): number | undefined {
  let b: bigint;
  try {
    b = parseScaledBytes(x.text(), x.attr('unit'), `<${x.name}>`, 'bytes');
  } catch (e) {
    throw isTsvirtError(e) ? x.error(e.message) : e;
  }
  if (b > MAX_SCALED || b > BigInt(Number.MAX_SAFE_INTEGER)) throw x.error(`value of <${x.name}> is too large`);
  return b === 0n ? undefined : Number(b);
}

export function parseFilesystem(x: XmlElement): Filesystem {
  const type = x.enumAttr('type', FS_TYPES) ?? 'mount';
  const fs: Filesystem = { type, target: { dir: '' } };
  const accessmode = x.enumAttr('accessmode', ACCESS);
  if (accessmode) fs.accessmode = accessmode;
  const fmode = modeAttr(x, 'fmode');
  const dmode = modeAttr(x, 'dmode');
  const model = x.enumAttr('model', MODELS);
  const multidevs = x.enumAttr('multidevs', ['default', 'remap', 'forbid', 'warn'] as const);
  if (model) fs.model = model;
  if (multidevs && multidevs !== 'default') fs.multidevs = multidevs;
  if (fmode !== undefined) fs.fmode = fmode;
  if (dmode !== undefined) fs.dmode = dmode;
  const hard = x.child('space_hard_limit');
  const soft = x.child('space_soft_limit');
  const hardB = hard && scaledBytes(hard);
  const softB = soft && scaledBytes(soft);
  if (hardB) fs.spaceHardLimit = hardB;
  if (softB) fs.spaceSoftLimit = softB;

  const s = x.child('source');
  if (s) {
    const src: NonNullable<Filesystem['source']> = {};
    const socket = s.attr('socket');
    if (socket !== undefined) src.socket = socket;
    const one = (attr: 'dir' | 'file' | 'dev' | 'name') => {
      const v = s.attr(attr);
      if (v !== undefined) src[attr] = v;
    };
    if (type === 'mount' || type === 'bind') one('dir');
    else if (type === 'file') one('file');
    else if (type === 'block') one('dev');
    else if (type === 'template') one('name');
    else if (type === 'volume') {
      const pool = s.attr('pool');
      const volume = s.attr('volume');
      if (pool !== undefined) src.pool = pool;
      if (volume !== undefined) src.volume = volume;
    } else if (type === 'ram') {
      const usage = s.attr('usage');
      if (usage === undefined) throw s.error("missing 'usage' attribute for RAM filesystem");
      try {
        const bytes = parseScaledBytes(usage, s.attr('units'), 'RAM filesystem usage', 'KiB');
        src.usage = Number(bytes / 1024n);
      } catch (e) {
        throw isTsvirtError(e) ? s.error(`cannot parse usage '${usage}' for RAM filesystem`) : e;
      }
    }
    fs.source = src;
  } else if (type === 'ram') throw x.error("missing 'usage' attribute for RAM filesystem");

  const t = x.child('target');
  const dir = t?.attr('dir');
  if (dir !== undefined) fs.target.dir = dir;
  if (x.child('readonly')) fs.readonly = true;

  const d = x.child('driver');
  let isVirtiofs = false;
  if (d) {
    const drv: NonNullable<Filesystem['driver']> = {};
    const dt = d.enumAttr('type', DRIVERS);
    if (dt && dt !== 'default') drv.type = dt;
    isVirtiofs = dt === 'virtiofs';
    const wr = d.enumAttr('wrpolicy', ['default', 'immediate'] as const);
    if (wr === 'immediate') drv.wrpolicy = wr;
    const format = d.attr('format');
    if (format !== undefined) {
      if (!FORMATS.includes(format)) throw new TsvirtError('config-unsupported', `unknown driver format value '${format}' (line ${d.line})`);
      drv.format = format;
    }
    const virtio = parseVirtioDriverOptions(d);
    if (virtio) drv.virtio = virtio;
    if (isVirtiofs) {
      const q = d.attr('queue');
      if (q !== undefined) {
        if (!/^[0-9]+$/.test(q.trim())) throw d.error(`cannot parse queue size '${q}' for virtiofs`);
        const n = Number(q.trim());
        if (n > 0) drv.queue = n;
      }
    }
    fs.driver = drv;
  }
  if (isVirtiofs) parseBinary(x, fs);

  const src = fs.source;
  const hasSource = src && (src.dir ?? src.file ?? src.dev ?? src.name ?? src.socket) !== undefined;
  if (!hasSource && type !== 'ram' && type !== 'volume') {
    throw x.error(`missing source information for device${dir !== undefined ? ` ${dir}` : ''}`);
  }
  parseDeviceInfo(x, fs, true);
  return fs;
}

function parseBinary(x: XmlElement, fs: Filesystem): void {
  const b = x.child('binary');
  if (!b) return;
  const bin: NonNullable<Filesystem['binary']> = {};
  const path = b.attr('path');
  // virFileSanitizePath: collapse '//' and drop a trailing '/'
  if (path !== undefined) bin.path = path.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  const xattr = b.switchAttr('xattr');
  if (xattr !== undefined) bin.xattr = xattr;
  const cache = b.child('cache');
  const cm = cache?.enumAttr('mode', ['none', 'always'] as const);
  if (cm) bin.cache = cm;
  const sandbox = b.child('sandbox');
  const sm = sandbox?.enumAttr('mode', ['namespace', 'chroot'] as const);
  if (sm) bin.sandbox = sm;
  const lock = b.child('lock');
  if (lock) {
    const posix = lock.switchAttr('posix');
    const flock = lock.switchAttr('flock');
    if (posix !== undefined || flock !== undefined) {
      bin.lock = {};
      if (posix !== undefined) bin.lock.posix = posix;
      if (flock !== undefined) bin.lock.flock = flock;
    }
  }
  const tp = b.child('thread_pool');
  const size = tp?.attr('size');
  if (size !== undefined) {
    if (!/^-?[0-9]+$/.test(size.trim())) throw tp!.error(`cannot parse thread pool size '${size}' for virtiofs`);
    const n = Number(size.trim());
    if (n >= 0) bin.threadPoolSize = n;
  }
  fs.binary = bin;
}

export function formatFilesystem(fs: Filesystem, opts: FormatOptions): XmlNode {
  const octal = (n: number | undefined) => (n ? n.toString(8).padStart(4, '0') : undefined);
  const d = fs.driver;
  const virtiofs = d?.type === 'virtiofs';
  const driverAttrs = {
    type: d?.type, format: d?.type ? d.format : undefined, wrpolicy: d?.type ? d.wrpolicy : undefined, queue: d?.type ? d.queue : undefined,
    ...virtioDriverAttrs(d?.virtio),
  };
  const hasDriver = Object.values(driverAttrs).some((v) => v !== undefined);
  const b = fs.binary;
  const binary = virtiofs && b && el('binary', { path: b.path, xattr: onOff(b.xattr) }, [
    b.cache && el('cache', { mode: b.cache }),
    b.sandbox && el('sandbox', { mode: b.sandbox }),
    b.lock && el('lock', { posix: onOff(b.lock.posix), flock: onOff(b.lock.flock) }),
    b.threadPoolSize !== undefined && el('thread_pool', { size: b.threadPoolSize }),
  ]);
  const emptyBinary = binary && binary.attrs.length === 0 && binary.children.length === 0;
  return el('filesystem', {
    type: fs.type, accessmode: fs.accessmode, model: fs.model, multidevs: fs.multidevs, fmode: octal(fs.fmode), dmode: octal(fs.dmode),
  }, [
    hasDriver && el('driver', driverAttrs),
    !emptyBinary && binary,
    formatSource(fs),
    fs.target.dir !== '' && el('target', { dir: fs.target.dir }),
    fs.readonly === true && el('readonly'),
    ...formatDeviceInfo(fs, opts),
    fs.spaceHardLimit !== undefined && el('space_hard_limit', { unit: 'bytes' }, String(fs.spaceHardLimit)),
    fs.spaceSoftLimit !== undefined && el('space_soft_limit', { unit: 'bytes' }, String(fs.spaceSoftLimit)),
  ]);
}

function formatSource(fs: Filesystem): XmlNode | undefined {
  const s = fs.source ?? {};
  switch (fs.type) {
    case 'mount':
    case 'bind':
      if (s.socket !== undefined) return el('source', { socket: s.socket });
      return s.dir !== undefined ? el('source', { dir: s.dir }) : undefined;
    case 'block': return s.dev !== undefined ? el('source', { dev: s.dev }) : undefined;
    case 'file': return s.file !== undefined ? el('source', { file: s.file }) : undefined;
    case 'template': return s.name !== undefined ? el('source', { name: s.name }) : undefined;
    case 'ram': return el('source', { usage: s.usage ?? 0, units: 'KiB' });
    case 'volume': return el('source', { pool: s.pool, volume: s.volume });
  }
}

/** virDomainFSDefPostParse: a share with a local source (no external virtiofsd socket) is passthrough by default. */
export function filesystemDefaults(dom: Domain): void {
  for (const fs of dom.devices.filesystems ?? []) {
    if (!fs.accessmode && fs.source?.socket === undefined) fs.accessmode = 'passthrough';
  }
}

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

/** Whether guest RAM is shared, as vhost-user devices need (qemuValidateDomainDefVhostUserRequireSharedMemory). */
export function hasSharedMemory(dom: Domain): boolean {
  const cells = dom.cpu?.numa?.cells ?? [];
  const global = dom.memoryBacking?.access;
  if (cells.length === 0) return global === 'shared';
  return cells.every((c) => c.memAccess === 'shared' || (c.memAccess === undefined && global === 'shared'));
}

/** The checks libvirt 9.0 makes for filesystems at define (domain_validate.c and qemu_validate.c). */
export function validateFilesystems(dom: Domain): void {
  const targets = new Set<string>();
  for (const fs of dom.devices.filesystems ?? []) {
    const drv = fs.driver?.type;
    if (fs.target.dir === '') {
      const src = fs.source?.dir ?? fs.source?.file ?? fs.source?.dev ?? fs.source?.name ?? fs.source?.socket;
      throw new TsvirtError('xml-error', `missing target information for device${src !== undefined ? ` ${src}` : ''}`);
    }
    if (fs.boot && drv !== 'virtiofs') throw unsupported('boot order is only supported for virtiofs');
    if (drv === 'virtiofs') {
      if (targets.has(fs.target.dir)) throw unsupported(`filesystem target '${fs.target.dir}' specified twice`);
      targets.add(fs.target.dir);
    }
    if (fs.type !== 'mount') throw unsupported('only supports mount filesystem type');
    if ((fs.fmode || fs.dmode) && fs.accessmode !== 'mapped') throw unsupported('fmode and dmode must be used with accessmode=mapped');
    if (drv !== 'virtiofs' && fs.binary?.sandbox) throw unsupported('sandbox can only be used with driver=virtiofs');
    if (drv === 'handle' && fs.accessmode !== 'passthrough') throw unsupported('only supports passthrough accessmode');
    if (drv === 'loop' || drv === 'nbd' || drv === 'ploop') throw unsupported('Filesystem driver type not supported');
    if (drv === 'virtiofs') validateVirtiofs(dom, fs);
  }
}

function validateVirtiofs(dom: Domain, fs: Filesystem): void {
  if (fs.source?.socket === undefined) {
    if (fs.readonly) throw unsupported('virtiofs does not yet support read-only mode');
    if (fs.accessmode !== 'passthrough') throw unsupported('virtiofs only supports passthrough accessmode');
    if (fs.driver?.wrpolicy) throw unsupported('virtiofs does not support wrpolicy');
  }
  if (fs.model) throw unsupported('virtiofs does not support model');
  if (fs.driver?.format) throw unsupported('virtiofs does not support format');
  if (fs.multidevs) throw unsupported('virtiofs does not support multidevs');
  if (fs.fmode || fs.dmode) throw unsupported('virtiofs does not support fmode and dmode');
  if (!hasSharedMemory(dom)) throw unsupported("'virtiofs' requires shared memory");
}
