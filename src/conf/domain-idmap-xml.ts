// <idmap>: user and group ID ranges mapped into the guest (libvirt keeps them for every driver;
// QEMU does not use them). Parsed and written as libvirt 9.0 does: entries sorted by start, the
// element written only when there is a uid map.
import type { Domain, IdMapEntry } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';

const U32 = { min: 0, max: 0xffffffff };

function entries(list: XmlElement[]): IdMapEntry[] {
  const out = list.map((e) => ({ start: e.reqIntAttr('start', U32), target: e.reqIntAttr('target', U32), count: e.reqIntAttr('count', U32) }));
  return out.sort((a, b) => a.start - b.start);
}

export function parseIdmap(x: XmlElement, dom: Domain): void {
  const maps = x.children('idmap');
  if (maps.length === 0) return;
  const uid = entries(maps.flatMap((m) => m.children('uid')));
  const gid = entries(maps.flatMap((m) => m.children('gid')));
  if (uid.length === 0 && gid.length === 0) return;
  dom.idmap = { uid, gid };
}

export function formatIdmap(dom: Domain): XmlNode | undefined {
  const m = dom.idmap;
  if (!m || m.uid.length === 0) return undefined;
  const entry = (name: string) => (e: IdMapEntry) => el(name, { start: e.start, target: e.target, count: e.count });
  return el('idmap', {}, [...m.uid.map(entry('uid')), ...m.gid.map(entry('gid'))]);
}
