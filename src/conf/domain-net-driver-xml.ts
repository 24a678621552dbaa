// <driver> of <interface> (libvirt's virDomainNetDefParseXMLDriver and
// virDomainVirtioNetDriverFormat). libvirt reads the virtio-net attributes only for a
// virtio model and not for type='hostdev' (there <driver name=> is the PCI backend);
// otherwise it reads the virtio options alone (validation then refuses them) and ignores
// the rest, which tsvirt consumes the same way so that the output matches libvirt's.
import type { XmlElement } from '../util/xml-reader.js';
import { el, onOff, type XmlNode } from '../util/xml-writer.js';
import type { NetDriver } from './domain-net-types.js';
import { parseVirtioDriverOptions, virtioDriverAttrs } from './domain-virtio-driver-xml.js';

const VIRTIO_MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'];
export const isVirtioNetModel = (model: string | undefined) => model !== undefined && VIRTIO_MODELS.includes(model);


function uint(x: XmlElement, name: string): number | undefined {
  const v = x.attr(name);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) {
    throw x.error(`Invalid value for attribute '${name}' in element '${x.name}': '${v}'. Expected non-negative integer value`);
  }
  return Number(v);
}

function enumNz<T extends string>(x: XmlElement, name: string, values: readonly T[]): T | undefined {
  const v = x.attr(name);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw x.error(`Invalid value for attribute '${name}' in element '${x.name}': '${v}'.`);
  return v as T;
}

const HOST = ['csum', 'gso', 'tso4', 'tso6', 'ecn', 'ufo', 'mrg_rxbuf'] as const;
const GUEST = ['csum', 'tso4', 'tso6', 'ecn', 'ufo'] as const;
const NET_ATTRS = ['name', 'txmode', 'ioeventfd', 'event_idx', 'queues', 'rx_queue_size', 'tx_queue_size', 'rss', 'rss_hash_report'];

/** Reads <driver>; `full` = a virtio model on a type other than hostdev. */
export function parseNetDriver(d: XmlElement, full: boolean): NetDriver | undefined {
  const out: NetDriver = { ...parseVirtioDriverOptions(d) };
  if (!full) {
    // ignored by libvirt in this case (hostdev reads name= itself before calling here)
    for (const a of NET_ATTRS) d.attr(a);
    for (const c of [...d.children('host'), ...d.children('guest')]) for (const a of HOST) c.attr(a);
    return Object.keys(out).length ? out : undefined;
  }
  const name = enumNz(d, 'name', ['qemu', 'vhost'] as const);
  if (name) out.name = name;
  const txmode = enumNz(d, 'txmode', ['iothread', 'timer'] as const);
  if (txmode) out.txmode = txmode;
  const set = <K extends keyof NetDriver>(k: K, v: NetDriver[K] | undefined) => { if (v !== undefined) out[k] = v; };
  set('ioeventfd', d.switchAttr('ioeventfd'));
  set('event_idx', d.switchAttr('event_idx'));
  const queues = uint(d, 'queues');
  if (queues) set('queues', queues === 1 ? undefined : queues); // "there's always at least one TX/RX queue"
  const rx = uint(d, 'rx_queue_size');
  if (rx) set('rx_queue_size', rx);
  const tx = uint(d, 'tx_queue_size');
  if (tx) set('tx_queue_size', tx);
  set('rss', d.switchAttr('rss'));
  set('rss_hash_report', d.switchAttr('rss_hash_report'));
  const [h] = d.children('host');
  if (h) {
    const host: NonNullable<NetDriver['host']> = {};
    for (const k of HOST) { const v = h.switchAttr(k); if (v !== undefined) host[k] = v; }
    if (Object.keys(host).length) out.host = host;
  }
  const [g] = d.children('guest');
  if (g) {
    const guest: NonNullable<NetDriver['guest']> = {};
    for (const k of GUEST) { const v = g.switchAttr(k); if (v !== undefined) guest[k] = v; }
    if (Object.keys(guest).length) out.guest = guest;
  }
  return Object.keys(out).length ? out : undefined;
}

/** <driver> as libvirt writes it for a virtio NIC (nothing when no attribute or child is set). */
export function formatNetDriver(d: NetDriver | undefined): XmlNode | undefined {
  if (!d) return undefined;
  const attrs = {
    name: d.name, txmode: d.txmode, ioeventfd: onOff(d.ioeventfd), event_idx: onOff(d.event_idx),
    queues: d.queues, rx_queue_size: d.rx_queue_size, tx_queue_size: d.tx_queue_size,
    rss: onOff(d.rss), rss_hash_report: onOff(d.rss_hash_report), ...virtioDriverAttrs(d),
  };
  const host = d.host && el('host', Object.fromEntries(HOST.map((k) => [k, onOff(d.host![k])])));
  const guest = d.guest && el('guest', Object.fromEntries(GUEST.map((k) => [k, onOff(d.guest![k])])));
  const node = el('driver', attrs, [host, guest]);
  return node.attrs.length || node.children.length ? node : undefined;
}

