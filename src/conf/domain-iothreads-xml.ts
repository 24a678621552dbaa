// <iothreads>N</iothreads>, <iothreadids><iothread id=/></iothreadids> and <defaultiothread>:
// libvirt 9.0 fills the ids the count asks for but the list lacks (lowest free ids first,
// virDomainIOThreadIDDefArrayInit) and writes <iothreadids> only when one was given or has a pool.
import type { Domain, IOThread } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlChild } from '../util/xml-writer.js';
import { TsvirtError } from '../util/errors.js';
import { assignDefined } from './xml-assign.js';

const pool = (x: XmlElement) => assignDefined({}, { threadPoolMin: x.intAttr('thread_pool_min', { min: 0 }), threadPoolMax: x.intAttr('thread_pool_max', { min: 0 }) });

/** Reads the iothread elements of <domain> `x` into `dom`. */
export function parseIothreads(x: XmlElement, dom: Domain): void {
  const countEl = x.child('iothreads');
  let count = 0;
  if (countEl) {
    const t = countEl.text().trim();
    if (!/^[0-9]+$/.test(t)) throw countEl.error(`invalid iothreads count '${t}'`);
    count = Number(t);
  }
  const def = x.child('defaultiothread');
  if (def) {
    const p = pool(def);
    if (Object.keys(p).length) dom.defaultIOThread = p;
  }
  const ids: IOThread[] = [];
  for (const t of x.child('iothreadids')?.children('iothread') ?? []) {
    const it: IOThread = assignDefined({ id: t.reqIntAttr('id', { min: 1, max: 0xffffffff }) } as IOThread, pool(t));
    if (ids.some((o) => o.id === it.id)) throw t.error(`duplicate iothread id '${it.id}' found`);
    ids.push(it);
  }
  for (let next = 1; ids.length < count; next++) if (!ids.some((o) => o.id === next)) ids.push({ id: next, autofill: true });
  if (ids.length) dom.iothreadids = ids;
}

/** <iothreads>, <iothreadids> and <defaultiothread>, in libvirt's layout. */
export function formatIothreads(dom: Domain): XmlChild[] {
  const ids = dom.iothreadids ?? [];
  const list = ids.some((t) => !t.autofill || t.threadPoolMin !== undefined || t.threadPoolMax !== undefined);
  const d = dom.defaultIOThread;
  return [
    ids.length > 0 && el('iothreads', {}, String(ids.length)),
    list && el('iothreadids', {}, ids.map((t) => el('iothread', { id: t.id, thread_pool_min: t.threadPoolMin, thread_pool_max: t.threadPoolMax }))),
    d && el('defaultiothread', { thread_pool_min: d.threadPoolMin, thread_pool_max: d.threadPoolMax }),
  ];
}

/** libvirt's checks: pool bounds, and every disk's driver iothread names an existing one on a virtio disk. */
export function validateIothreads(dom: Domain): void {
  const err = (m: string) => new TsvirtError('config-unsupported', m);
  for (const p of [...(dom.iothreadids ?? []), ...(dom.defaultIOThread ? [dom.defaultIOThread] : [])]) {
    if (p.threadPoolMax === 0) throw err('thread_pool_max must be a positive integer');
    // an unset bound is -1 to libvirt, so a minimum without a maximum fails this too
    if (p.threadPoolMin !== undefined && p.threadPoolMin > (p.threadPoolMax ?? -1)) throw err('thread_pool_min must be smaller or equal to thread_pool_max');
  }
  for (const disk of dom.devices.disks) {
    const id = disk.driver?.iothread;
    if (id === undefined) continue;
    if (disk.type === 'vhostuser') throw err('iothread is not supported with vhostuser disk');
    if (disk.target.bus !== 'virtio') throw err(`IOThreads not available for bus ${disk.target.bus ?? 'none'} target ${disk.target.dev}`);
    if (!dom.iothreadids?.some((t) => t.id === id)) throw err(`Disk iothread '${id}' not defined in iothreadid`);
  }
}
