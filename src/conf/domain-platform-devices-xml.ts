// <shmem>, <iommu>, <vsock>, <lease> and the (pSeries-only) <nvram> device: parse, format in
// libvirt 9.0's layout, post-parse defaults (qemuDomainShmemDefPostParse) and libvirt's checks.
import type { Domain, Iommu, Lease, Shmem, Vsock } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { parseSizeKiB } from '../util/units.js';
import { isTsvirtError, TsvirtError } from '../util/errors.js';
import { isQ35 } from './domain-addresses.js';

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);


// ---- shmem
export function parseShmem(x: XmlElement): Shmem {
  const name = x.reqAttr('name');
  if (name.includes('/')) throw x.error(`shmem name '${name}' must not contain '/'`);
  const s: Shmem = { name };
  const role = x.enumAttr('role', ['master', 'peer'] as const);
  if (role) s.role = role;
  const m = x.child('model');
  if (m) s.model = m.reqEnumAttr('type', ['ivshmem', 'ivshmem-plain', 'ivshmem-doorbell'] as const);
  const size = x.child('size');
  if (size) {
    try {
      s.size = parseSizeKiB(size.text(), size.attr('unit') ?? 'M', '<size> of <shmem>');
    } catch (e) {
      throw isTsvirtError(e) ? size.error(e.message) : e;
    }
    if (s.size === 0 || (s.size & (s.size - 1)) !== 0 || s.size < 1024) throw size.error('shmem size must be a power of two');
  }
  const server = x.child('server');
  if (server) {
    s.server = {};
    const path = server.attr('path');
    if (path !== undefined) s.server.path = path;
  }
  const msi = x.child('msi');
  if (msi) {
    s.msi = {};
    const vectors = msi.intAttr('vectors', { min: 1 });
    const ioeventfd = msi.switchAttr('ioeventfd');
    if (msi.attr('enabled') === 'no') delete s.msi;
    else {
      if (vectors !== undefined) s.msi.vectors = vectors;
      if (ioeventfd !== undefined) s.msi.ioeventfd = ioeventfd;
    }
  }
  parseDeviceInfo(x, s);
  return s;
}

export function formatShmem(s: Shmem, opts: FormatOptions): XmlNode {
  return el('shmem', { name: s.name, role: s.role }, [
    el('model', { type: s.model ?? 'ivshmem' }),
    s.size !== undefined && el('size', { unit: 'M' }, String(Math.floor(s.size / 1024))),
    s.server && el('server', { path: s.server.path }),
    s.msi && el('msi', { vectors: s.msi.vectors, ioeventfd: onOff(s.msi.ioeventfd) }),
    ...formatDeviceInfo(s, opts),
  ]);
}

/** qemuDomainShmemDefPostParse: 4 MiB unless doorbell; a server implies msi with ioeventfd (the server's default path is argv's). */
export function shmemDefaults(dom: Domain): void {
  for (const v of dom.devices.vsocks ?? []) v.model ??= 'virtio'; // qemuDomainVsockDefPostParse
  for (const s of dom.devices.shmems ?? []) {
    s.model ??= 'ivshmem';
    if (s.model !== 'ivshmem-doorbell' && s.size === undefined) s.size = 4096;
    if (s.model === 'ivshmem') continue;
    if (!s.server) {
      if (s.model === 'ivshmem-doorbell') throw unsupported(`shmem model '${s.model}' is supported only with server option enabled`);
      if (s.msi) throw unsupported(`shmem model '${s.model}' doesn't support msi`);
    } else {
      if (s.model === 'ivshmem-plain') throw unsupported(`shmem model '${s.model}' is supported only with server option disabled`);
      if (s.size !== undefined) throw unsupported(`shmem model '${s.model}' does not support size setting`);
      s.msi ??= {};
      s.msi.ioeventfd ??= true;
    }
  }
}

// ---- iommu
export function parseIommu(x: XmlElement): Iommu {
  const io: Iommu = { model: x.reqEnumAttr('model', ['intel', 'virtio', 'smmuv3'] as const) };
  const d = x.child('driver');
  if (d) {
    const drv: NonNullable<Iommu['driver']> = {};
    const set = <K extends keyof typeof drv>(k: K, v: (typeof drv)[K] | undefined) => { if (v !== undefined) drv[k] = v; };
    set('intremap', d.switchAttr('intremap'));
    set('cachingMode', d.switchAttr('caching_mode'));
    set('eim', d.switchAttr('eim'));
    set('iotlb', d.switchAttr('iotlb'));
    set('awBits', d.intAttr('aw_bits', { min: 1 }));
    io.driver = drv;
  }
  parseDeviceInfo(x, io);
  return io;
}

export function formatIommu(io: Iommu, opts: FormatOptions): XmlNode {
  const d = io.driver ?? {};
  const hasDriver = Object.values(d).some((v) => v !== undefined);
  return el('iommu', { model: io.model }, [
    hasDriver && el('driver', { intremap: onOff(d.intremap), caching_mode: onOff(d.cachingMode), eim: onOff(d.eim), iotlb: onOff(d.iotlb), aw_bits: d.awBits }),
    ...formatDeviceInfo(io, opts),
  ]);
}

// ---- vsock
export function parseVsock(x: XmlElement): Vsock {
  const v: Vsock = {};
  const model = x.enumAttr('model', ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const);
  if (model) v.model = model;
  const cid = x.child('cid');
  if (cid) {
    v.cid = {};
    const auto = cid.boolAttr('auto');
    const address = cid.intAttr('address', { min: 0, max: 0xffffffff });
    if (auto !== undefined) v.cid.auto = auto;
    if (address !== undefined && address !== 0) {
      if (address < 3) throw cid.error(`guest CID ${address} is reserved: use 3 or more`);
      v.cid.address = address;
    }
  }
  parseDeviceInfo(x, v);
  return v;
}

export function formatVsock(v: Vsock, opts: FormatOptions): XmlNode {
  const c = v.cid;
  return el('vsock', { model: v.model }, [
    c && (c.auto !== undefined || c.address !== undefined) && el('cid', { auto: c.auto === undefined ? undefined : c.auto ? 'yes' : 'no', address: c.address }),
    ...formatDeviceInfo(v, opts),
  ]);
}

// ---- lease
export function parseLease(x: XmlElement): Lease {
  const key = x.childText('key');
  if (key === undefined) throw x.error('Missing \'key\' element for lease');
  const t = x.child('target');
  if (!t) throw x.error("Missing 'target' element for lease");
  const l: Lease = { key: key.trim(), target: { path: t.reqAttr('path') } };
  const ls = x.childText('lockspace');
  if (ls !== undefined) l.lockspace = ls.trim();
  const off = t.intAttr('offset', { min: 0 });
  if (off) l.target.offset = off;
  return l;
}

export function formatLease(l: Lease): XmlNode {
  return el('lease', {}, [textEl('lockspace', l.lockspace), textEl('key', l.key), el('target', { path: l.target.path, offset: l.target.offset })]);
}

// ---- nvram device
/** <devices><nvram>: only pSeries guests have one; libvirt refuses it elsewhere. */
export function refuseNvramDevice(x: XmlElement): never {
  throw new TsvirtError('config-unsupported', `nvram device is only supported for PPC64 (line ${x.line})`);
}

// ---- checks
/** libvirt's IOMMU, vsock and shmem checks (virDomainDefIOMMUValidate, qemuValidateDomainDeviceDefIOMMU, ...). */
export function validatePlatformDevices(dom: Domain): void {
  const d = dom.devices;
  if ((d.iommus?.length ?? 0) > 1) throw unsupported('only a single IOMMU device is supported');
  if ((d.vsocks?.length ?? 0) > 1) throw unsupported('only a single vsock device is supported');
  const io = d.iommus?.[0];
  if (io) {
    const drv = io.driver ?? {};
    if (io.model !== 'intel' && Object.values(drv).some((v) => v !== undefined)) throw unsupported(`iommu model '${io.model}' doesn't support additional attributes`);
    if (io.model !== 'virtio' && io.address) throw unsupported(`iommu model '${io.model}' can't have address`);
    if (io.model === 'intel' && !isQ35(dom)) throw unsupported("IOMMU device: 'intel' is only supported with Q35 machines");
    if (io.model === 'smmuv3') throw unsupported("IOMMU device: 'smmuv3' is only supported with ARM Virt machines");
    if (io.model === 'virtio') {
      if (!isQ35(dom)) throw unsupported("IOMMU device: 'virtio' is only supported with Q35 and ARM Virt machines");
      if (!dom.features.acpi) throw unsupported("IOMMU device: 'virtio' requires ACPI");
      if (io.address && io.address.type !== 'pci') throw unsupported("IOMMU device: 'virtio' needs a PCI address");
    }
    const ioapic = (dom.features as { ioapic?: unknown }).ioapic;
    const split = ioapic === 'qemu' || (typeof ioapic === 'object' && ioapic !== null && (ioapic as { driver?: string }).driver === 'qemu');
    if (drv.intremap === true && !split) throw unsupported("IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')");
    if (drv.eim === true && drv.intremap !== true) throw unsupported('IOMMU eim requires interrupt remapping to be enabled');
  }
  for (const s of d.shmems ?? []) {
    if (s.model === 'ivshmem') throw unsupported('ivshmem device is not supported with this QEMU binary');
    if (s.address && s.address.type !== 'pci') throw unsupported('only \'pci\' addresses are supported for the shared memory device');
  }
  const names = new Set<string>();
  for (const s of d.shmems ?? []) {
    if (names.has(s.name)) throw new TsvirtError('xml-error', `shmem name '${s.name}' is used by more than one device`);
    names.add(s.name);
  }
}
