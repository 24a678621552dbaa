// <network> XML (libvirt's network.rng): NAT, routed, isolated and bridged virtual networks,
// IPv4 with DHCP and DNS. parseNetworkXml / formatNetworkXml; defaults and checks in
// network-defaults.ts.
import { parseMac } from '../util/mac.js';
import { generateUuid, parseUuid } from '../util/uuid.js';
import { parseXmlDocument, type XmlElement } from '../util/xml-reader.js';
import { el, onOff, renderXml, textEl } from '../util/xml-writer.js';
import { formatIpv4, netmaskToPrefix, parseIpv4, prefixToMask } from './ipv4.js';

export const FORWARD_MODES = ['nat', 'route', 'bridge'] as const;
export type ForwardMode = (typeof FORWARD_MODES)[number];

export interface DhcpHost { mac?: string; name?: string; ip: string }
export interface NetworkIp {
  address: string;
  prefix: number;
  /** how the mask was written, so it is written back the same way */
  maskStyle: 'netmask' | 'prefix';
  dhcp?: { ranges: Array<{ start: string; end: string }>; hosts: DhcpHost[] };
}

export interface NetworkDef {
  name: string;
  uuid: string;
  /** absent: an isolated network (no forwarding) */
  forward?: { mode: ForwardMode; dev?: string; natPorts?: { start: number; end: number } };
  bridge?: { name?: string; stp?: boolean; delay?: number };
  mac?: string;
  domain?: { name: string; localOnly?: boolean };
  dns?: { forwarders: Array<{ addr?: string; domain?: string }>; hosts: Array<{ ip: string; hostnames: string[] }> };
  ips: NetworkIp[];
  mtu?: number;
}

const NAME_RE = /^[A-Za-z0-9_.+:-]+$/;

function ipAttr(x: XmlElement, name: string): string {
  const v = x.reqAttr(name);
  if (parseIpv4(v) === undefined) throw x.error(`invalid IPv4 address '${v}' in attribute '${name}' of <${x.name}> (only IPv4 is supported)`);
  return v;
}

function macOf(x: XmlElement, text: string): string {
  const mac = parseMac(text);
  if (!mac) throw x.error(`invalid MAC address '${text}' on <${x.name}>`);
  return mac;
}

function parseIp(x: XmlElement): NetworkIp {
  const family = x.attr('family');
  if (family !== undefined && family !== 'ipv4') throw x.error(`<ip family='${family}'> is not supported (only ipv4)`);
  const address = ipAttr(x, 'address');
  const mask = x.attr('netmask');
  const prefixAttr = x.intAttr('prefix', { min: 0, max: 32 });
  let prefix: number;
  if (mask !== undefined) {
    const p = netmaskToPrefix(mask);
    if (p === undefined) throw x.error(`invalid netmask '${mask}' on <ip address='${address}'>`);
    if (prefixAttr !== undefined) throw x.error(`<ip address='${address}'> has both netmask and prefix`);
    prefix = p;
  } else if (prefixAttr !== undefined) prefix = prefixAttr;
  else throw x.error(`<ip address='${address}'> needs a netmask or a prefix`);
  const ip: NetworkIp = { address, prefix, maskStyle: mask !== undefined ? 'netmask' : 'prefix' };
  const d = x.child('dhcp');
  if (d) {
    ip.dhcp = { ranges: [], hosts: [] };
    for (const r of d.children('range')) ip.dhcp.ranges.push({ start: ipAttr(r, 'start'), end: ipAttr(r, 'end') });
    for (const h of d.children('host')) ip.dhcp.hosts.push(parseDhcpHostEl(h));
  }
  x.done();
  return ip;
}

function parseDhcpHostEl(h: XmlElement): DhcpHost {
  const macText = h.attr('mac');
  const host: DhcpHost = { ip: ipAttr(h, 'ip'), name: h.attr('name') };
  if (macText !== undefined) host.mac = macOf(h, macText);
  if (!host.mac && !host.name) throw h.error(`<host ip='${host.ip}'> needs a mac or a name`);
  h.done();
  return host;
}

/** One <host mac=.. name=.. ip=../> (net-update ip-dhcp-host). */
export function parseDhcpHostXml(xml: string): DhcpHost {
  return parseDhcpHostEl(parseXmlDocument(xml, 'host'));
}

export function parseNetworkXml(xml: string): NetworkDef {
  const x = parseXmlDocument(xml, 'network');
  const name = x.childText('name')?.trim();
  if (!name) throw x.error('missing <name> in <network>');
  if (!NAME_RE.test(name)) throw x.error(`invalid network name '${name}': use letters, digits and _ . + : -`);
  const uuidText = x.childText('uuid');
  let uuid = generateUuid();
  if (uuidText !== undefined) {
    const u = parseUuid(uuidText.trim());
    if (!u) throw x.error(`invalid <uuid> '${uuidText}'`);
    uuid = u;
  }
  const def: NetworkDef = { name, uuid, ips: [] };
  const f = x.child('forward');
  if (f) {
    const mode = f.enumAttr('mode', [...FORWARD_MODES, 'none'] as const) ?? 'nat';
    const dev = f.attr('dev');
    if (mode !== 'none') def.forward = { mode, dev };
    const nat = f.child('nat');
    if (nat) {
      if (mode !== 'nat') throw nat.error(`<nat> is only valid in <forward mode='nat'>`);
      const port = nat.child('port');
      if (port) def.forward!.natPorts = { start: port.reqIntAttr('start', { min: 0, max: 65535 }), end: port.reqIntAttr('end', { min: 0, max: 65535 }) };
      if (port && def.forward!.natPorts!.start > def.forward!.natPorts!.end) throw port.error('<port> start is above end');
    }
  }
  const b = x.child('bridge');
  if (b) {
    def.bridge = { name: b.attr('name'), stp: b.boolAttr('stp'), delay: b.intAttr('delay', { min: 0 }) };
    if (def.bridge.name !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(def.bridge.name)) {
      throw b.error(`invalid bridge name '${def.bridge.name}' (at most 15 letters, digits, _ . -)`);
    }
  }
  const m = x.child('mac');
  if (m) def.mac = macOf(m, m.reqAttr('address'));
  const dom = x.child('domain');
  if (dom) def.domain = { name: dom.reqAttr('name'), localOnly: dom.boolAttr('localOnly') };
  const dns = x.child('dns');
  if (dns) {
    def.dns = { forwarders: [], hosts: [] };
    for (const fw of dns.children('forwarder')) def.dns.forwarders.push({ addr: fw.attr('addr'), domain: fw.attr('domain') });
    for (const h of dns.children('host')) {
      const hostnames = h.children('hostname').map((n) => n.text().trim());
      if (!hostnames.length) throw h.error('<dns><host> needs at least one <hostname>');
      def.dns.hosts.push({ ip: ipAttr(h, 'ip'), hostnames });
    }
  }
  for (const ip of x.children('ip')) def.ips.push(parseIp(ip));
  const mtu = x.child('mtu');
  if (mtu) def.mtu = mtu.reqIntAttr('size', { min: 68, max: 65535 });
  x.done();
  return def;
}

export function dhcpHostEl(h: DhcpHost) {
  return el('host', { mac: h.mac, name: h.name, ip: h.ip });
}

export function formatNetworkXml(def: NetworkDef): string {
  const fw = def.forward;
  return renderXml(el('network', {}, [
    textEl('name', def.name),
    textEl('uuid', def.uuid),
    fw && el('forward', { mode: fw.mode, dev: fw.dev }, fw.natPorts ? [el('nat', {}, [el('port', { start: fw.natPorts.start, end: fw.natPorts.end })])] : []),
    def.bridge && el('bridge', { name: def.bridge.name, stp: onOff(def.bridge.stp), delay: def.bridge.delay }),
    def.mtu !== undefined && el('mtu', { size: def.mtu }),
    def.mac !== undefined && el('mac', { address: def.mac }),
    def.domain && el('domain', { name: def.domain.name, localOnly: def.domain.localOnly }),
    def.dns && el('dns', {}, [
      ...def.dns.forwarders.map((f) => el('forwarder', { addr: f.addr, domain: f.domain })),
      ...def.dns.hosts.map((h) => el('host', { ip: h.ip }, h.hostnames.map((n) => textEl('hostname', n)))),
    ]),
    ...def.ips.map((ip) => el('ip', {
      address: ip.address,
      netmask: ip.maskStyle === 'netmask' ? formatIpv4(prefixToMask(ip.prefix)) : undefined,
      prefix: ip.maskStyle === 'prefix' ? ip.prefix : undefined,
    }, ip.dhcp ? [el('dhcp', {}, [
      ...ip.dhcp.ranges.map((r) => el('range', { start: r.start, end: r.end })),
      ...ip.dhcp.hosts.map(dhcpHostEl),
    ])] : [])),
  ]));
}
