// <interface>: parse and format, each mirroring the other in libvirt's order.
import type { NetInterface } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, hex, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';
import { assignDefined } from './xml-assign.js';

// ---- interface
export function parseInterface(x: XmlElement): NetInterface {
  const type = x.reqEnumAttr('type', ['user', 'network', 'bridge'] as const);
  const mac = x.child('mac');
  const nic: NetInterface = { type, mac: mac ? mac.reqAttr('address') : '' };
  const s = x.child('source');
  if (s) {
    if (type === 'user') throw s.error(`<source> is not supported on <interface type='user'>`);
    nic.source = assignDefined({}, { network: s.attr('network'), bridge: s.attr('bridge'), portgroup: s.attr('portgroup') });
    s.attr('portid'); // live-only identifier libvirt adds; not kept
  }
  const t = x.child('target');
  if (t) nic.target = { dev: t.reqAttr('dev') };
  const m = x.child('model');
  if (m) nic.model = m.reqAttr('type');
  const link = x.child('link');
  if (link) nic.link = link.reqEnumAttr('state', ['up', 'down'] as const);
  const mtu = x.child('mtu');
  if (mtu) nic.mtu = mtu.reqIntAttr('size', { min: 68, max: 65535 });
  parseDeviceInfo(x, nic, true);
  return nic;
}

/** tap names that tsvirt/libvirt generate; left out of inactive XML as libvirt does. */
const GENERATED_TAP = /^(vnet|tsvnet|macvtap)\d+$/;

export function formatInterface(n: NetInterface, opts: FormatOptions): XmlNode {
  const dev = n.target?.dev;
  return el('interface', { type: n.type }, [
    n.mac !== '' && el('mac', { address: n.mac }),
    n.source && el('source', { network: n.source.network, bridge: n.source.bridge, portgroup: n.source.portgroup }),
    dev !== undefined && !(opts.inactive && GENERATED_TAP.test(dev)) && el('target', { dev }),
    n.model !== undefined && el('model', { type: n.model }),
    n.link && el('link', { state: n.link }),
    n.mtu !== undefined && el('mtu', { size: n.mtu }),
    ...formatDeviceInfo(n, opts),
  ]);
}

