// <memory> devices (dimm, nvdimm, virtio-pmem, virtio-mem) and the memory totals they change:
// parse/format as libvirt 9.0 (virDomainMemoryDefParseXML / virDomainMemoryDefFormat), the
// post-parse memory sums and DIMM slots, and the hotplug checks of qemuDomainDefValidateMemoryHotplug.
import type { Domain, MemoryDevice } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { parseSizeKiB } from '../util/units.js';
import { isTsvirtError, TsvirtError } from '../util/errors.js';
import { parseUuid } from '../util/uuid.js';
import { formatDeviceInfo, parsePciAddress, type FormatOptions } from './domain-address-xml.js';
import { canonicalBitmap } from './bitmap.js';

const MODELS = ['dimm', 'nvdimm', 'virtio-pmem', 'virtio-mem'] as const;

function sizeEl(x: XmlElement | undefined, what: string): number | undefined {
  if (!x) return undefined;
  try {
    return parseSizeKiB(x.text(), x.attr('unit'), what);
  } catch (e) {
    throw isTsvirtError(e) ? x.error(e.message) : e;
  }
}

export function parseMemoryDevice(x: XmlElement): MemoryDevice {
  const model = x.reqEnumAttr('model', MODELS);
  const access = x.enumAttr('access', ['shared', 'private'] as const);
  const discard = x.boolAttr('discard');
  const t = x.child('target');
  if (!t) throw x.error('missing <target> element for <memory> device');
  const size = sizeEl(t.child('size'), '<memory> target size');
  if (size === undefined) throw t.error('missing <size> in <target> of <memory>');
  const m: MemoryDevice = { model, target: { size } };
  if (access) m.access = access;
  if (discard !== undefined) m.discard = discard;
  const uuid = model === 'nvdimm' ? x.childText('uuid') : undefined;
  if (uuid !== undefined) {
    const u = parseUuid(uuid);
    if (!u) throw x.error('malformed uuid element');
    m.uuid = u;
  }
  const node = t.child('node');
  if (node) m.target.node = node.toInt(node.text(), '<node>', { min: 0 });
  if (model === 'nvdimm') {
    const label = t.child('label');
    const ls = sizeEl(label?.child('size'), 'nvdimm label size');
    if (ls) {
      if (ls < 128) throw label!.error('nvdimm label must be at least 128KiB');
      m.target.labelSize = ls;
    }
    if ((ls ?? 0) >= size) throw t.error('label size must be smaller than NVDIMM size');
    if (t.child('readonly')) m.target.readonly = true;
  }
  if (model === 'virtio-mem') {
    const block = sizeEl(t.child('block'), '<block>');
    const req = sizeEl(t.child('requested'), '<requested>');
    if (block) m.target.block = block;
    if (req !== undefined) m.target.requested = req;
  }
  const s = x.child('source');
  if (s) {
    const src: NonNullable<MemoryDevice['source']> = {};
    if (model === 'dimm' || model === 'virtio-mem') {
      const ps = sizeEl(s.child('pagesize'), '<pagesize>');
      if (ps) src.pagesize = ps;
      const nm = s.childText('nodemask');
      if (nm !== undefined) {
        try {
          src.nodemask = canonicalBitmap(nm);
        } catch (e) {
          throw s.error(`${(e as Error).message} in <nodemask>`);
        }
        if (src.nodemask === '') throw s.error(`Invalid value of 'nodemask': ${nm}`);
      }
    } else {
      const path = s.childText('path');
      if (path !== undefined) src.path = path;
      if (model === 'nvdimm') {
        const al = sizeEl(s.child('alignsize'), '<alignsize>');
        if (al) src.alignsize = al;
        if (s.child('pmem')) src.pmem = true;
      }
    }
    m.source = src;
  }
  const alias = x.child('alias');
  if (alias) m.alias = alias.reqAttr('name');
  const a = x.child('address');
  if (a) {
    const type = a.reqEnumAttr('type', ['pci', 'dimm'] as const);
    if (type === 'dimm') {
      m.dimm = { slot: a.intAttr('slot', { min: 0 }) ?? 0 };
      const base = a.intAttr('base', { min: 0 });
      if (base) m.dimm.base = base;
    } else m.address = parsePciAddress(a);
  }
  return m;
}

export function formatMemoryDevice(m: MemoryDevice, opts: FormatOptions): XmlNode {
  const s = m.source ?? {};
  const src: XmlChild[] = m.model === 'dimm' || m.model === 'virtio-mem'
    ? [m.source?.nodemask !== undefined && el('nodemask', {}, s.nodemask), s.pagesize !== undefined && el('pagesize', { unit: 'KiB' }, String(s.pagesize))]
    : [s.path !== undefined && el('path', {}, s.path),
      m.model === 'nvdimm' && s.alignsize !== undefined && el('alignsize', { unit: 'KiB' }, String(s.alignsize)),
      m.model === 'nvdimm' && flagEl('pmem', s.pmem)];
  const t = m.target;
  const tgt: XmlChild[] = [
    el('size', { unit: 'KiB' }, String(t.size)),
    t.node !== undefined && el('node', {}, String(t.node)),
    t.labelSize !== undefined && el('label', {}, [el('size', { unit: 'KiB' }, String(t.labelSize))]),
    flagEl('readonly', t.readonly),
    ...(t.block ? [el('block', { unit: 'KiB' }, String(t.block)), el('requested', { unit: 'KiB' }, String(t.requested ?? 0))] : []),
  ];
  return el('memory', { model: m.model, access: m.access, discard: m.discard }, [
    m.uuid !== undefined && el('uuid', {}, m.uuid),
    src.some(Boolean) && el('source', {}, src),
    el('target', {}, tgt),
    ...formatDeviceInfo(m, opts),
    m.dimm && el('address', { type: 'dimm', slot: m.dimm.slot, base: m.dimm.base !== undefined ? '0x' + m.dimm.base.toString(16) : undefined }),
  ]);
}

/** The memory devices' total size in KiB. */
export function hotplugMemory(dom: Domain): number {
  return (dom.devices.memories ?? []).reduce((s, m) => s + m.target.size, 0);
}

/** <memory> minus the memory devices: what -m size= gets (virDomainDefGetMemoryInitial). */
export function initialMemory(dom: Domain): number {
  return dom.memory - hotplugMemory(dom);
}

/**
 * virDomainDefPostParseMemory: with NUMA cells <memory> becomes their sum plus the devices
 * (define parses with ABI update); without, the devices must fit in <memory>. DIMM slots are then
 * numbered from the lowest free one (qemuDomainAssignMemorySlots).
 */
export function memoryDevicesDefaults(dom: Domain, numaTotal: number): void {
  const hot = hotplugMemory(dom);
  if (numaTotal) dom.memory = numaTotal + hot;
  else if (hot > dom.memory) throw new TsvirtError('xml-error', 'Total size of memory devices exceeds the total memory size');
  if (dom.memory - hot === 0) throw new TsvirtError('xml-error', 'Memory size must be specified via <memory> or in the <numa> configuration');
  // libvirt lowers a too-large currentMemory to the total; tsvirt's validation refuses it instead,
  // except where the total was just recomputed from the NUMA cells
  if (numaTotal && dom.currentMemory !== undefined && dom.currentMemory > dom.memory) dom.currentMemory = dom.memory;
  if (!dom.maxMemory) return;
  const used = new Set((dom.devices.memories ?? []).flatMap((m) => (m.dimm ? [m.dimm.slot] : [])));
  for (const m of dom.devices.memories ?? []) {
    if ((m.model !== 'dimm' && m.model !== 'nvdimm') || m.dimm || m.address) continue;
    let slot = 0;
    while (used.has(slot)) slot++;
    if (slot >= dom.maxMemory.slots) throw new TsvirtError('internal-error', 'failed to find an empty memory slot');
    used.add(slot);
    m.dimm = { slot };
  }
}

/** libvirt's checks for <maxMemory> and memory devices (domain_validate.c + qemu_domain.c). */
export function validateMemoryDevices(dom: Domain): void {
  const xmlErr = (msg: string) => new TsvirtError('xml-error', msg);
  const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);
  const max = dom.maxMemory;
  const mems = dom.devices.memories ?? [];
  const cells = dom.cpu?.numa?.cells.length ?? 0;
  if (max && max.size < dom.memory) throw xmlErr('maximum memory size must be equal or greater than the actual memory size');
  if (max && max.slots === 0) throw xmlErr('both maximum memory size and memory slot count must be specified');
  for (const m of mems) {
    if (m.target.node !== undefined) {
      if (cells === 0) throw xmlErr("can't add memory backend as guest has no NUMA nodes configured");
      if (m.target.node >= cells) throw xmlErr(`can't add memory backend for guest node '${m.target.node}' as the guest has only '${cells}' NUMA nodes configured`);
    }
    if (m.model === 'nvdimm') {
      if (!m.source?.path) throw xmlErr("path is required for model 'nvdimm'");
      if (m.discard) throw unsupported('discard is not supported for nvdimms');
      if (m.uuid) throw unsupported('UUID is not supported for NVDIMM device');
    }
    if (m.model === 'virtio-pmem') {
      if (!m.source?.path) throw xmlErr(`path is required for model '${m.model}'`);
      if (m.discard) throw unsupported(`discard is not supported for model '${m.model}'`);
      if (m.access !== 'shared') throw unsupported('shared access mode required for virtio-pmem device');
      if (m.target.node !== undefined) throw unsupported('virtio-pmem does not support NUMA nodes');
    }
    if (m.model === 'virtio-mem') {
      const block = m.target.block ?? 0;
      const req = m.target.requested ?? 0;
      if (req > m.target.size) throw xmlErr(`requested size must be smaller than or equal to @size (${m.target.size}KiB)`);
      if (block === 0 || (block & (block - 1)) !== 0) throw xmlErr('block size must be a power of two');
      if (block < 2048) throw xmlErr('block size too small, must be at least 2048KiB');
      if (req % block !== 0) throw xmlErr('requested size must be an integer multiple of block size');
    }
  }
  if (!max) {
    if (mems.length) throw unsupported("cannot use/hotplug a memory device when domain 'maxMemory' is not defined");
    return;
  }
  if (cells === 0) throw unsupported('At least one numa node has to be configured when enabling memory hotplug');
  if (mems.length > max.slots) throw unsupported(`memory device count '${mems.length}' exceeds slots count '${max.slots}'`);
  const slots = new Map<number, MemoryDevice>();
  for (const m of mems) {
    if ((m.model === 'dimm' || m.model === 'nvdimm') && m.address) throw unsupported("only 'dimm' addresses are supported for the pc-dimm device");
    if ((m.model === 'virtio-pmem' || m.model === 'virtio-mem') && m.dimm) throw unsupported(`only 'pci' addresses are supported for the ${m.model} device`);
    if ((m.model === 'dimm' || m.model === 'nvdimm') && cells > 0 && m.target.node === undefined) throw unsupported('target NUMA node needs to be specified for memory device');
    if (m.dimm) {
      if (m.dimm.slot >= max.slots) throw unsupported(`memory device slot '${m.dimm.slot}' exceeds slots count '${max.slots}'`);
      if (slots.has(m.dimm.slot)) throw unsupported(`memory device slot '${m.dimm.slot}' is already being used by another memory device`);
      slots.set(m.dimm.slot, m);
    }
  }
  if (hotplugMemory(dom) > max.size - initialMemory(dom)) throw unsupported('memory device total size exceeds hotplug space');
}
