// <hostdev>: parse and format, each mirroring the other in libvirt's order.
import type { Hostdev } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, hex, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';
import { assignDefined } from './xml-assign.js';

// ---- hostdev
export function parseHostdev(x: XmlElement): Hostdev {
  x.reqEnumAttr('mode', ['subsystem'] as const);
  x.reqEnumAttr('type', ['pci'] as const);
  const src = x.child('source');
  const addrEl = src?.child('address');
  if (!addrEl) throw x.error('<hostdev> needs <source><address domain= bus= slot= function=/></source>');
  addrEl.enumAttr('type', ['pci'] as const);
  const h: Hostdev = { mode: 'subsystem', type: 'pci', managed: x.boolAttr('managed') ?? false, source: { address: parsePciAddress(addrEl) } };
  const d = x.child('driver');
  if (d) h.driver = d.reqEnumAttr('name', ['vfio'] as const);
  parseDeviceInfo(x, h, true);
  return h;
}

export function formatHostdev(h: Hostdev, opts: FormatOptions): XmlNode {
  return el('hostdev', { mode: h.mode, type: h.type, managed: h.managed }, [
    h.driver && el('driver', { name: h.driver }),
    el('source', {}, [el('address', pciAddressAttrs(h.source.address, false))]),
    ...formatDeviceInfo(h, opts),
  ]);
}

