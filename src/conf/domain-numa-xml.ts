// <cpu><numa>: guest NUMA cells, distances, HMAT caches and interconnects, parsed and written as
// libvirt 9.0 does (virDomainNumaDefParseXML / virDomainNumaDefFormatXML in numa_conf.c).
import type { DomainNuma, NumaCell, NumaInterconnect } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { parseScaledBytes, bytesToKiB } from '../util/units.js';
import { isTsvirtError } from '../util/errors.js';
import { canonicalBitmap, parseBitmap } from './bitmap.js';

const LOCAL_DISTANCE = 10;
const UNREACHABLE = 255;

/** A scaled size attribute pair (value=/unit= or memory=/unit=) in KiB. */
export function sizeAttrKiB(x: XmlElement, valueAttr: string, unitAttr = 'unit', what = `<${x.name}>`): number {
  const v = x.reqAttr(valueAttr);
  try {
    return bytesToKiB(parseScaledBytes(v, x.attr(unitAttr), what));
  } catch (e) {
    throw isTsvirtError(e) ? x.error(e.message) : e;
  }
}

export function bitmapAttr(x: XmlElement, name: string): string | undefined {
  const v = x.attr(name);
  if (v === undefined) return undefined;
  try {
    return canonicalBitmap(v);
  } catch (e) {
    throw x.error(`${(e as Error).message} in attribute '${name}' on <${x.name}>`);
  }
}

export function parseNuma(x: XmlElement): DomainNuma {
  const list = x.children('cell');
  if (list.length === 0) throw x.error('NUMA topology defined without NUMA cells');
  const n = list.length;
  const cells: Array<NumaCell | undefined> = new Array(n).fill(undefined);
  const dist: Array<Map<number, number> | undefined> = new Array(n).fill(undefined);
  list.forEach((c, i) => {
    const id = c.intAttr('id', { min: 0 }) ?? i;
    if (id >= n) throw c.error("Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed");
    if (cells[id]) throw c.error(`Duplicate NUMA cell info for cell id '${id}'`);
    const cell: NumaCell = { id, memory: 0, caches: [] };
    const cpus = bitmapAttr(c, 'cpus');
    if (cpus) {
      const mine = parseBitmap(cpus);
      for (const o of cells) {
        if (o?.cpus && parseBitmap(o.cpus).some((b) => mine.includes(b))) throw c.error(`NUMA cells ${id} and ${o.id} have overlapping vCPU ids`);
      }
      cell.cpus = cpus;
    }
    cell.memory = sizeAttrKiB(c, 'memory', 'unit', "NUMA cell 'memory'");
    const access = c.enumAttr('memAccess', ['shared', 'private'] as const);
    if (access) cell.memAccess = access;
    const discard = c.boolAttr('discard');
    if (discard !== undefined) cell.discard = discard;
    cells[id] = cell;
    const d = c.child('distances');
    if (d) {
      const sib = d.children('sibling');
      if (sib.length === 0) throw d.error('NUMA distances defined without siblings');
      for (const s of sib) {
        const sid = s.reqIntAttr('id', { min: 0 });
        if (sid >= n) throw s.error(`'sibling_id ${sid}' does not refer to a valid cell within NUMA 'cell id ${id}'`);
        const value = s.reqIntAttr('value', { min: 0 });
        if (value < LOCAL_DISTANCE || value > UNREACHABLE || (sid === id && value !== LOCAL_DISTANCE) || (sid !== id && value === LOCAL_DISTANCE)) {
          throw s.error(`'value ${value}' is invalid for 'sibling id ${sid}' under NUMA 'cell id ${id}'`);
        }
        // libvirt fills the local distance and mirrors a remote one that the other cell has not set
        const mineD = (dist[id] ??= new Map([[id, LOCAL_DISTANCE]]));
        mineD.set(sid, value);
        const other = (dist[sid] ??= new Map([[sid, LOCAL_DISTANCE]]));
        if (!other.has(id)) other.set(id, value);
      }
    }
    for (const k of c.children('cache')) {
      const level = k.reqIntAttr('level', { min: 1 });
      const associativity = k.reqEnumAttr('associativity', ['none', 'direct', 'full'] as const);
      const policy = k.reqEnumAttr('policy', ['none', 'writeback', 'writethrough'] as const);
      const sizeEl = k.child('size');
      if (!sizeEl) throw k.error(`missing <size> in <cache> of NUMA cell ${id}`);
      const lineEl = k.child('line');
      if (!lineEl) throw k.error(`missing <line> in <cache> of NUMA cell ${id}`);
      const size = sizeAttrKiB(sizeEl, 'value');
      let line: number;
      try {
        line = Number(parseScaledBytes(lineEl.reqAttr('value'), lineEl.attr('unit'), '<line>', 'B'));
      } catch (e) {
        throw isTsvirtError(e) ? lineEl.error(e.message) : e;
      }
      const cache: NumaCell['caches'][number] = { level, size };
      if (associativity !== 'none') cache.associativity = associativity;
      if (policy !== 'none') cache.policy = policy;
      if (line) cache.line = line;
      cell.caches.push(cache);
    }
  });
  const out: DomainNuma = { cells: cells as NumaCell[], interconnects: [] };
  out.cells.forEach((c, i) => {
    const m = dist[i];
    if (m) c.distances = [...m.entries()].sort((a, b) => a[0] - b[0]).map(([id, value]) => ({ id, value }));
  });
  const ic = x.child('interconnects');
  if (ic) {
    for (const e of ic.allChildren()) {
      if (e.name !== 'latency' && e.name !== 'bandwidth') throw e.error(`unsupported element <${e.name}> in <interconnects>`);
      const value = e.name === 'latency' ? e.reqIntAttr('value', { min: 0 }) : sizeAttrKiB(e, 'value');
      const l: NumaInterconnect = {
        kind: e.name,
        initiator: e.reqIntAttr('initiator', { min: 0 }),
        target: e.reqIntAttr('target', { min: 0 }),
        type: e.reqEnumAttr('type', ['access', 'read', 'write'] as const),
        value,
      };
      const cache = e.intAttr('cache', { min: 0 });
      if (cache) l.cache = cache;
      out.interconnects.push(l);
    }
  }
  return out;
}

/** virDomainNumaDefValidate. */
export function validateNuma(numa: DomainNuma): string | undefined {
  for (const c of numa.cells) {
    const seen = new Set<number>();
    for (const k of c.caches) {
      if (k.level > 3) return "Ain't nobody heard of that much cache level";
      if (seen.has(k.level)) return `Cache level '${k.level}' already defined`;
      seen.add(k.level);
    }
  }
  const n = numa.cells.length;
  const ics = numa.interconnects;
  for (let i = 0; i < ics.length; i++) {
    const l = ics[i];
    if (l.initiator >= n) return "'initiator' refers to a non-existent NUMA node";
    if (l.target >= n) return "'target' refers to a non-existent NUMA node";
    if (!numa.cells[l.initiator].cpus) return "NUMA nodes without CPUs can't be initiator";
    if (l.cache && !numa.cells[l.target].caches.some((k) => k.level === l.cache)) return "'cache' refers to a non-existent NUMA node cache";
    for (let j = 0; j < i; j++) {
      const o = ics[j];
      if (l.kind === o.kind && l.initiator === o.initiator && l.target === o.target && (l.cache ?? 0) === (o.cache ?? 0) && l.type === o.type) return 'Duplicate info for NUMA latencies';
      if (l.initiator !== l.target && l.initiator === o.target && l.target === o.initiator) return 'Link already defined';
    }
  }
  return undefined;
}

export function formatNuma(numa: DomainNuma): XmlNode {
  const cells: XmlChild[] = numa.cells.map((c, i) => {
    const kids: XmlChild[] = [];
    if (c.distances?.length) kids.push(el('distances', {}, c.distances.map((d) => el('sibling', { id: d.id, value: d.value }))));
    for (const k of c.caches) {
      kids.push(el('cache', { level: k.level, associativity: k.associativity, policy: k.policy }, [
        el('size', { value: k.size, unit: 'KiB' }),
        k.line ? el('line', { value: k.line, unit: 'B' }) : undefined,
      ]));
    }
    return el('cell', { id: i, cpus: c.cpus, memory: c.memory, unit: 'KiB', memAccess: c.memAccess, discard: c.discard }, kids);
  });
  if (numa.interconnects.length) {
    cells.push(el('interconnects', {}, numa.interconnects.map((l) =>
      el(l.kind, { initiator: l.initiator, target: l.target, cache: l.cache, type: l.type, value: l.value, unit: l.kind === 'bandwidth' ? 'KiB' : undefined }))));
  }
  return el('numa', {}, cells);
}

/** Total guest NUMA memory in KiB. */
export function numaMemory(numa: DomainNuma | undefined): number {
  return (numa?.cells ?? []).reduce((s, c) => s + c.memory, 0);
}
