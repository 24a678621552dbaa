// <cpu>: parse and format in libvirt's layout.
import type { DomainCpu } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, onOff, type XmlNode } from '../util/xml-writer.js';

export function parseCpu(x: XmlElement): DomainCpu {
  const cpu: DomainCpu = {
    mode: x.enumAttr('mode', ['host-passthrough', 'host-model', 'custom', 'maximum'] as const) ?? 'custom',
    features: [],
  };
  const match = x.enumAttr('match', ['exact', 'minimum', 'strict'] as const);
  const check = x.enumAttr('check', ['none', 'partial', 'full'] as const);
  const migratable = x.boolAttr('migratable');
  if (match) cpu.match = match;
  if (check) cpu.check = check;
  if (migratable !== undefined) cpu.migratable = migratable;
  const m = x.child('model');
  if (m) {
    cpu.model = { name: m.text().trim() };
    const fb = m.enumAttr('fallback', ['allow', 'forbid'] as const);
    if (fb) cpu.model.fallback = fb;
  }
  const vendor = x.childText('vendor');
  if (vendor !== undefined) cpu.vendor = vendor.trim();
  const topo = x.child('topology');
  if (topo) {
    cpu.topology = { sockets: topo.reqIntAttr('sockets', { min: 1 }), cores: topo.reqIntAttr('cores', { min: 1 }), threads: topo.reqIntAttr('threads', { min: 1 }) };
    const dies = topo.intAttr('dies', { min: 1 });
    if (dies !== undefined) cpu.topology.dies = dies;
  }
  for (const f of x.children('feature')) {
    cpu.features.push({ policy: f.enumAttr('policy', ['force', 'require', 'optional', 'disable', 'forbid'] as const) ?? 'require', name: f.reqAttr('name') });
  }
  return cpu;
}

export function formatCpu(c: DomainCpu): XmlNode {
  return el('cpu', { mode: c.mode, match: c.match, check: c.check, migratable: onOff(c.migratable) }, [
    c.model && el('model', { fallback: c.model.fallback }, c.model.name),
    textEl('vendor', c.vendor),
    c.topology && el('topology', { sockets: c.topology.sockets, dies: c.topology.dies, cores: c.topology.cores, threads: c.topology.threads }),
    ...c.features.map((f) => el('feature', { policy: f.policy, name: f.name })),
  ]);
}

