// <memoryBacking>: how guest RAM is backed (hugepages, memfd/file/anonymous, shared or
// private, preallocated, locked), as libvirt 9.0 parses (virDomainDefParseMemory), formats
// (virDomainMemorybackingFormat), post-parses and validates it.
import type { Domain, MemoryBacking } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';
import { TsvirtError, isTsvirtError } from '../util/errors.js';
import { parseSizeKiB } from '../util/units.js';

/** libvirt's enum parse where the 0 value ('none'/'default') is refused, with its message. */
function enumValue<T extends string>(x: XmlElement, attr: string, values: readonly T[], what: string): T | undefined {
  const v = x.attr(attr);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new TsvirtError('config-unsupported', `unknown memoryBacking/${what} '${v}' (line ${x.line})`);
  return v as T;
}

/** A node set like '0-2,5' (virBitmapParse) as a sorted list of node numbers. */
export function parseNodeset(text: string): number[] | undefined {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p.startsWith('^')) {
      const n = Number(p.slice(1));
      if (!/^\^[0-9]+$/.test(p)) return undefined;
      out.delete(n);
      continue;
    }
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(p);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b >= 4096) return undefined;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** virBitmapFormat: runs of consecutive numbers as ranges. */
export function formatNodeset(nodes: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    let j = i;
    while (j + 1 < nodes.length && nodes[j + 1] === nodes[j] + 1) j++;
    parts.push(j === i ? String(nodes[i]) : `${nodes[i]}-${nodes[j]}`);
    i = j;
  }
  return parts.join(',');
}

export function parseMemoryBacking(x: XmlElement): MemoryBacking {
  const mb: MemoryBacking = {};
  const hp = x.child('hugepages');
  if (hp) {
    mb.hugepages = hp.children('page').map((p) => {
      const sizeText = p.attr('size');
      if (sizeText === undefined) throw p.error("missing attribute 'size' on <page>");
      let size: number;
      try {
        size = parseSizeKiB(sizeText, p.attr('unit'), '<page size>');
      } catch (e) {
        throw isTsvirtError(e) ? p.error(e.message) : e;
      }
      if (size === 0) throw p.error("hugepage size can't be zero");
      const page: { size: number; nodeset?: string } = { size };
      const ns = p.attr('nodeset');
      if (ns !== undefined) {
        const nodes = parseNodeset(ns);
        if (!nodes) throw p.error(`Failed to parse bitmap '${ns}'`);
        if (nodes.length === 0) throw new TsvirtError('config-unsupported', `Invalid value of 'nodeset': ${ns}`);
        page.nodeset = formatNodeset(nodes);
      }
      return page;
    });
  }
  if (x.child('nosharepages')) mb.nosharepages = true;
  if (x.child('locked')) mb.locked = true;
  const src = x.child('source');
  const type = src && enumValue(src, 'type', ['file', 'anonymous', 'memfd'] as const, 'source/type');
  if (type) mb.source = type;
  const acc = x.child('access');
  const mode = acc && enumValue(acc, 'mode', ['shared', 'private'] as const, 'access/mode');
  if (mode) mb.access = mode;
  const al = x.child('allocation');
  if (al) {
    const am = enumValue(al, 'mode', ['immediate', 'ondemand'] as const, 'allocation/mode');
    const t = al.attr('threads');
    if (t !== undefined && !/^[0-9]+$/.test(t.trim())) throw al.error('Failed to parse memory allocation threads');
    const threads = t === undefined ? 0 : Number(t.trim());
    if (am || threads > 0) {
      mb.allocation = {};
      if (am) mb.allocation.mode = am;
      if (threads > 0) mb.allocation.threads = threads;
    }
  }
  if (x.child('discard')) mb.discard = true;
  return mb;
}

/** Nothing when no child would be written (libvirt drops an empty <memoryBacking/>). */
export function formatMemoryBacking(mb: MemoryBacking | undefined): XmlNode | undefined {
  if (!mb) return undefined;
  const node = el('memoryBacking', {}, [
    mb.hugepages && el('hugepages', {}, mb.hugepages.map((p) => el('page', { size: p.size, unit: 'KiB', nodeset: p.nodeset }))),
    mb.nosharepages && el('nosharepages'),
    mb.locked && el('locked'),
    mb.source && el('source', { type: mb.source }),
    mb.access && el('access', { mode: mb.access }),
    mb.allocation && el('allocation', { mode: mb.allocation.mode, threads: mb.allocation.threads }),
    mb.discard && el('discard'),
  ]);
  return node.children.length ? node : undefined;
}

/** virDomainDefPostParseMemtune: without guest NUMA a nodeset of only node 0 means all memory, and is dropped. */
export function memoryBackingDefaults(dom: Domain): void {
  const pages = dom.memoryBacking?.hugepages;
  if (!pages || (dom.cpu?.numa?.cells.length ?? 0) > 0) return;
  for (const p of pages) if (p.nodeset === '0') delete p.nodeset;
}

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

/** virDomainDefMemtuneValidate + qemuValidateDomainDefMemory. */
export function validateMemoryBacking(dom: Domain): void {
  const mb = dom.memoryBacking;
  const pages = mb?.hugepages;
  if (!mb || !pages) return;
  const cells = dom.cpu?.numa?.cells.length ?? 0;
  const nodesOf = (p: { nodeset?: string }) => (p.nodeset === undefined ? undefined : parseNodeset(p.nodeset) ?? []);
  pages.forEach((p, i) => {
    const mine = nodesOf(p);
    for (let j = 0; j < i; j++) {
      const other = nodesOf(pages[j]);
      if (mine && other && mine.some((n) => other.includes(n))) {
        throw new TsvirtError('xml-error', `nodeset attribute of hugepages of sizes ${p.size} and ${pages[j].size} intersect`);
      }
      if (!mine && !other) throw new TsvirtError('xml-error', `two master hugepages detected: ${p.size} and ${pages[j].size}`);
    }
    const missing = mine?.find((n) => n >= cells);
    if (missing !== undefined) throw new TsvirtError('xml-error', `hugepages: node ${missing} not found`);
  });
  if (mb.allocation?.mode === 'ondemand') throw unsupported('hugepages are not allowed with memory allocation ondemand');
  if (mb.source === 'anonymous') throw unsupported('hugepages are not allowed with anonymous memory source');
}
