// <cpu>: parse and format as libvirt 9.0's virCPUDefParseXML / virCPUDefFormatBufFull, with the
// guest NUMA topology (<numa>, domain-numa-xml.ts) written last.
import type { DomainCpu } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, onOff, type XmlNode } from '../util/xml-writer.js';
import { formatNuma, parseNuma } from './domain-numa-xml.js';

const POLICIES = ['force', 'require', 'optional', 'disable', 'forbid'] as const;

export function parseCpu(x: XmlElement): DomainCpu {
  const cpu: DomainCpu = {
    mode: x.enumAttr('mode', ['host-passthrough', 'host-model', 'custom', 'maximum'] as const) ?? 'custom',
    features: [],
  };
  const hostLike = cpu.mode === 'host-passthrough' || cpu.mode === 'maximum';
  const migratable = x.boolAttr('migratable');
  if (migratable !== undefined && !hostLike) throw x.error("Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode");
  const match = x.enumAttr('match', ['exact', 'minimum', 'strict'] as const);
  const check = x.enumAttr('check', ['none', 'partial', 'full'] as const);
  if (match) cpu.match = match;
  if (check) cpu.check = check;
  if (migratable !== undefined) cpu.migratable = migratable;
  const m = x.child('model');
  if (m) {
    const name = m.text().trim();
    // fallback= and vendor_id= mean nothing for host-passthrough/maximum: libvirt ignores them there
    const fb = m.enumAttr('fallback', ['allow', 'forbid'] as const);
    const vendorId = m.attr('vendor_id');
    if (name !== '') cpu.model = { name };
    if (!hostLike) {
      if (fb && cpu.model) cpu.model.fallback = fb;
      if (vendorId !== undefined) {
        if (vendorId.length !== 12) throw m.error('vendor_id must be exactly 12 characters long');
        if (vendorId.includes(',')) throw m.error('vendor id is invalid');
        cpu.vendorId = vendorId;
      }
    }
  }
  const vendor = x.childText('vendor');
  if (vendor !== undefined) {
    if (!cpu.model) throw x.error('CPU vendor specified without CPU model');
    cpu.vendor = vendor;
  }
  const topo = x.child('topology');
  if (topo) {
    cpu.topology = { sockets: topo.reqIntAttr('sockets', { min: 1 }), cores: topo.reqIntAttr('cores', { min: 1 }), threads: topo.reqIntAttr('threads', { min: 1 }) };
    cpu.topology.dies = topo.intAttr('dies', { min: 1 }) ?? 1;
  }
  const feats = x.children('feature');
  if (feats.length > 0 && !cpu.model && cpu.mode === 'custom') throw x.error('Non-empty feature list specified without CPU model');
  for (const f of feats) {
    const name = f.attr('name');
    if (!name) throw f.error('Invalid CPU feature name');
    if (cpu.features.some((o) => o.name === name)) throw f.error(`CPU feature '${name}' specified more than once`);
    cpu.features.push({ policy: f.enumAttr('policy', POLICIES) ?? 'require', name });
  }
  const caches = x.children('cache');
  if (caches.length > 1) throw caches[1].error('at most one CPU cache element may be specified');
  if (caches[0]) {
    const c = caches[0];
    const level = c.intAttr('level', { min: 0 });
    if (level !== undefined && (level < 1 || level > 3)) throw c.error('invalid CPU cache level, must be in range [1,3]');
    cpu.cache = { mode: c.reqEnumAttr('mode', ['emulate', 'passthrough', 'disable'] as const) };
    if (level !== undefined) cpu.cache.level = level;
  }
  const mpa = x.child('maxphysaddr');
  if (mpa) {
    cpu.maxphysaddr = { mode: mpa.reqEnumAttr('mode', ['emulate', 'passthrough'] as const) };
    const bits = mpa.intAttr('bits', { min: 0 });
    if (bits !== undefined) cpu.maxphysaddr.bits = bits;
  }
  const numa = x.child('numa');
  if (numa) cpu.numa = parseNuma(numa);
  return cpu;
}

/** Semantic checks of qemuDomainDefCPUPostParse on cache and maxphysaddr; returns the message or undefined. */
export function cpuCheckError(c: DomainCpu): string | undefined {
  const hostLike = c.mode === 'host-passthrough' || c.mode === 'maximum';
  if (c.cache) {
    const mode = c.cache.mode;
    if (mode === 'emulate' && c.cache.level !== 3) return `CPU cache mode '${mode}' can only be used with level='3'`;
    if (mode === 'passthrough' && !hostLike) return `CPU cache mode '${mode}' can only be used with 'host-passthrough' / 'maximum' CPUs`;
    if (mode !== 'emulate' && c.cache.level !== undefined) return `unsupported CPU cache level for mode '${mode}'`;
  }
  if (c.maxphysaddr) {
    const { mode, bits } = c.maxphysaddr;
    void hostLike;
    if (mode === 'passthrough' && bits !== undefined) return "CPU maximum physical address bits number specification cannot be used with mode='passthrough'";
    if (mode === 'emulate' && bits === undefined) return "if using CPU maximum physical address mode='emulate', bits= must be specified too";
  }
  return undefined;
}

export function formatCpu(c: DomainCpu): XmlNode {
  const full = c.mode !== 'custom' || c.model !== undefined;
  const hostLike = c.mode === 'host-passthrough' || c.mode === 'maximum';
  const withModel = c.mode === 'custom' || c.mode === 'host-model';
  const attrs = full
    ? { mode: c.mode, match: c.mode === 'custom' ? (c.match ?? 'exact') : undefined, check: c.check, migratable: hostLike ? onOff(c.migratable) : undefined }
    : {};
  const model = withModel && (c.model || c.vendorId !== undefined)
    ? el('model', { fallback: c.model ? (c.model.fallback ?? 'allow') : undefined, vendor_id: c.vendorId }, c.model?.name)
    : undefined;
  const cache = c.cache;
  return el('cpu', attrs, [
    model,
    withModel ? textEl('vendor', c.vendor) : undefined,
    c.topology && el('topology', { sockets: c.topology.sockets, dies: c.topology.dies ?? 1, cores: c.topology.cores, threads: c.topology.threads }),
    cache && el('cache', { level: cache.level, mode: cache.mode }),
    c.maxphysaddr && el('maxphysaddr', { mode: c.maxphysaddr.mode, bits: c.maxphysaddr.bits }),
    ...c.features.map((f) => el('feature', { policy: f.policy, name: f.name })),
    c.numa && formatNuma(c.numa),
  ]);
}
