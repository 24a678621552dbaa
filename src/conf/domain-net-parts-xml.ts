// Parse/format of the <interface> children shared with libvirt's network XML concepts:
// <ip>/<route>, <vlan>, <virtualport>, <bandwidth>, <filterref>, each as libvirt 9.0
// reads and writes it (netdev_vlan_conf.c, netdev_vport_profile_conf.c,
// netdev_bandwidth_conf.c, nwfilter_params.c).
import { randomUUID } from 'node:crypto';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';
import type { BandwidthRate, NetBandwidth, NetFilterRef, NetIpInfo, NetPortForward, NetVirtualPort, NetVlan, VirtualPortType } from './domain-net-types.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** libvirt stores UUIDs binary: written back lower case with dashes */
function uuidAttr(x: XmlElement, name: string, what: string): string | undefined {
  const v = x.attr(name);
  if (v === undefined) return undefined;
  const t = v.replace(/-/g, '');
  if (!UUID_RE.test(v.trim()) || t.length !== 32) throw x.error(`cannot parse ${what} as a uuid`);
  const h = t.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- <ip> and <route> (virDomainNetIPInfoParseXML)
export function parseIpInfo(x: XmlElement): NetIpInfo | undefined {
  const ips = x.children('ip').map((ip) => {
    const address = ip.reqAttr('address');
    ip.enumAttr('family', ['ipv4', 'ipv6'] as const); // libvirt writes the family of the address itself
    const out: NetIpInfo['ips'][number] = { address };
    const prefix = ip.intAttr('prefix', { min: 0, max: 128 });
    if (prefix) out.prefix = prefix;
    const peer = ip.attr('peer');
    if (peer !== undefined) out.peer = peer;
    return out;
  });
  const routes = x.children('route').map((r) => {
    const out: NetIpInfo['routes'][number] = { address: r.reqAttr('address'), gateway: '' };
    const family = r.attr('family');
    if (family !== undefined) out.family = family;
    const netmask = r.attr('netmask');
    if (netmask !== undefined) out.netmask = netmask;
    const prefix = r.intAttr('prefix', { min: 0, max: 128 });
    if (prefix !== undefined) out.prefix = prefix;
    out.gateway = r.reqAttr('gateway');
    const metric = r.intAttr('metric', { min: 0 });
    if (metric) out.metric = metric;
    return out;
  });
  return ips.length || routes.length ? { ips, routes } : undefined;
}

export function formatIpInfo(i: NetIpInfo | undefined): XmlNode[] {
  if (!i) return [];
  return [
    ...i.ips.map((ip) => el('ip', { address: ip.address, family: ip.address.includes(':') ? 'ipv6' : 'ipv4', prefix: ip.prefix, peer: ip.peer })),
    ...i.routes.map((r) => el('route', { family: r.family, address: r.address, netmask: r.netmask, prefix: r.prefix, gateway: r.gateway, metric: r.metric })),
  ];
}

// ---- <vlan>
export function parseVlan(x: XmlElement): NetVlan {
  const tags = x.children('tag').map((t) => {
    const id = t.reqIntAttr('id', { min: 0 });
    if (id > 4095) throw t.error(`vlan tag id ${id} too large (maximum 4095)`);
    const nativeMode = t.enumAttr('nativeMode', ['tagged', 'untagged'] as const);
    return nativeMode ? { id, nativeMode } : { id };
  });
  if (!tags.length) throw x.error('missing tag id - each <vlan> must have at least one <tag id=\'n\'/> subelement');
  if (tags.filter((t) => t.nativeMode).length > 1) throw x.error('duplicate native vlan setting');
  let trunk = tags.length > 1;
  const t = x.attr('trunk');
  if (t !== undefined) {
    trunk = t.toLowerCase() === 'yes';
    if (!trunk) {
      if (tags.length > 1) throw x.error(`invalid "trunk='${t}'" in <vlan> - trunk='yes' is required for more than one vlan tag`);
      if (tags.some((g) => g.nativeMode)) throw x.error('invalid configuration in <vlan> - "trunk=\'no\'" is not allowed with a native vlan id');
      if (t.toLowerCase() !== 'no') throw x.error(`invalid "trunk='${t}'" in <vlan> - must be yes or no`);
    }
  }
  return trunk ? { trunk, tags } : { tags };
}

export function formatVlan(v: NetVlan | undefined): XmlNode | undefined {
  if (!v) return undefined;
  return el('vlan', { trunk: v.trunk ? 'yes' : undefined }, v.tags.map((t) => el('tag', { id: t.id, nativeMode: t.nativeMode })));
}

// ---- <virtualport>
export interface VirtualPortFlags {
  generateMissing?: boolean;
  requireAll?: boolean;
  requireType?: boolean;
}
const VPORT_TYPES = ['802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet'] as const;

export function parseVirtualPort(x: XmlElement, flags: VirtualPortFlags): NetVirtualPort {
  const typeStr = x.attr('type');
  if (typeStr !== undefined && !(VPORT_TYPES as readonly string[]).includes(typeStr)) throw x.error(`unknown virtualport type ${typeStr}`);
  const type = typeStr as VirtualPortType | undefined;
  if (!type && flags.requireType) throw x.error('missing required virtualport type');
  const vp: NetVirtualPort = type ? { type } : {};
  const [p] = x.children('parameters'); // libvirt reads the first only
  if (p) {
    const num = (name: 'managerid' | 'typeid' | 'typeidversion', max: number) => {
      const v = p.attr(name);
      if (v === undefined) return;
      const n = /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim()) ? Number(v.trim()) : NaN;
      if (Number.isNaN(n)) throw p.error(`cannot parse value of ${name} parameter`);
      if (n > max) throw p.error(name === 'typeid' ? 'value for typeid out of range' : `value of ${name} out of range`);
      vp[name] = n;
    };
    num('managerid', 0xff);
    num('typeid', 0xffffff);
    num('typeidversion', 0xff);
    const instanceid = uuidAttr(p, 'instanceid', 'instanceid parameter');
    if (instanceid) vp.instanceid = instanceid;
    const profileid = p.attr('profileid');
    if (profileid !== undefined && profileid !== '') {
      if (profileid.length > 39) throw p.error('profileid parameter too long');
      vp.profileid = profileid;
    }
    const interfaceid = uuidAttr(p, 'interfaceid', 'interfaceid parameter');
    if (interfaceid) vp.interfaceid = interfaceid;
  }
  if (flags.generateMissing) {
    if (!vp.instanceid && (type === '802.1Qbg' || !type)) vp.instanceid = randomUUID();
    if (!vp.interfaceid && (type === 'openvswitch' || !type)) vp.interfaceid = randomUUID();
  }
  if (flags.requireAll && type) {
    const need: Record<VirtualPortType, Array<keyof NetVirtualPort>> = {
      '802.1Qbg': ['managerid', 'typeid', 'typeidversion', 'instanceid'],
      '802.1Qbh': ['profileid'],
      openvswitch: ['interfaceid'],
      midonet: ['interfaceid'],
    };
    const missing = need[type].find((k) => vp[k] === undefined);
    if (missing) throw x.error(`missing ${missing} in <virtualport type='${type}'>`);
  }
  const extras: Partial<Record<VirtualPortType, Array<keyof NetVirtualPort>>> = {
    '802.1Qbg': ['profileid', 'interfaceid'],
    '802.1Qbh': ['managerid', 'typeid', 'typeidversion', 'instanceid', 'interfaceid'],
    openvswitch: ['managerid', 'typeid', 'typeidversion', 'instanceid'],
  };
  const extra = type && extras[type]?.find((k) => vp[k] !== undefined);
  if (extra) throw x.error(`extra ${extra} unsupported in <virtualport type='${type}'>`);
  return vp;
}

export function formatVirtualPort(vp: NetVirtualPort | undefined): XmlNode | undefined {
  if (!vp) return undefined;
  const t = vp.type;
  const any = t === undefined;
  const params = {
    managerid: any || t === '802.1Qbg' ? vp.managerid : undefined,
    typeid: any || t === '802.1Qbg' ? vp.typeid : undefined,
    typeidversion: any || t === '802.1Qbg' ? vp.typeidversion : undefined,
    instanceid: any || t === '802.1Qbg' ? vp.instanceid : undefined,
    interfaceid: any || t === 'midonet' || t === 'openvswitch' ? vp.interfaceid : undefined,
    profileid: any || t === 'openvswitch' || t === '802.1Qbh' ? vp.profileid : undefined,
  };
  const none = [vp.managerid, vp.typeid, vp.typeidversion, vp.instanceid, vp.profileid, vp.interfaceid].every((v) => v === undefined);
  if (none) return t ? el('virtualport', { type: t }) : undefined;
  return el('virtualport', { type: t }, [el('parameters', params)]);
}

// ---- <bandwidth>
function parseRate(x: XmlElement): BandwidthRate {
  const num = (name: string) => {
    const v = x.attr(name);
    if (v === undefined) return undefined;
    if (!/^[0-9]+$/.test(v)) throw x.error(`could not convert bandwidth ${name} value '${v}'`);
    return Number(v);
  };
  const r: BandwidthRate = {};
  const average = num('average');
  const peak = num('peak');
  const burst = num('burst');
  const floor = num('floor');
  if (average === undefined && floor === undefined) throw x.error('Missing mandatory average or floor attributes');
  if ((peak !== undefined || burst !== undefined) && average === undefined) throw x.error("'peak' and 'burst' require 'average' attribute");
  if (average) r.average = average;
  if (peak) r.peak = peak;
  if (floor) r.floor = floor;
  if (burst) r.burst = burst;
  return r;
}

export function parseBandwidth(x: XmlElement, allowFloor: boolean): NetBandwidth | undefined {
  const ins = x.children('inbound');
  const outs = x.children('outbound');
  if (ins.length > 1) throw x.error('Only one child <inbound> element allowed');
  if (outs.length > 1) throw x.error('Only one child <outbound> element allowed');
  const b: NetBandwidth = {};
  if (ins[0]) {
    b.inbound = parseRate(ins[0]);
    if (b.inbound.floor && !allowFloor) throw ins[0].error('floor attribute is not supported for this config');
  }
  if (outs[0]) {
    b.outbound = parseRate(outs[0]);
    if (b.outbound.floor) throw outs[0].error("'floor' attribute allowed only in <inbound> element");
  }
  return b.inbound || b.outbound ? b : undefined;
}

const rateEl = (name: string, r: BandwidthRate | undefined) =>
  r && (r.average || r.floor) ? el(name, { average: r.average, peak: r.peak, floor: r.floor, burst: r.burst }) : undefined;

export function formatBandwidth(b: NetBandwidth | undefined): XmlNode | undefined {
  return b && el('bandwidth', {}, [rateEl('inbound', b.inbound), rateEl('outbound', b.outbound)]);
}

// ---- <filterref>
export function parseFilterRef(x: XmlElement): NetFilterRef {
  const filter = x.attr('filter') ?? '';
  return { filter, parameters: x.children('parameter').map((p) => ({ name: p.reqAttr('name'), value: p.reqAttr('value') })) };
}

/** libvirt keeps parameters in a hash: written sorted by name, the values of one name in order. */
export function formatFilterRef(f: NetFilterRef | undefined): XmlNode | undefined {
  if (!f) return undefined;
  const names = [...new Set(f.parameters.map((p) => p.name))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const params = names.flatMap((n) => f.parameters.filter((p) => p.name === n).map((p) => el('parameter', { name: p.name, value: p.value })));
  return el('filterref', { filter: f.filter }, params);
}

// ---- <portForward> (passt)
export function parsePortForward(x: XmlElement): NetPortForward {
  const proto = x.attr('proto');
  if (proto !== 'tcp' && proto !== 'udp') {
    throw x.error(proto === undefined ? "Missing required attribute 'proto' in element 'portForward'" : `Invalid value for attribute 'proto' in element 'portForward': '${proto}'.`);
  }
  const pf: NetPortForward = { proto, ranges: [] };
  const address = x.attr('address');
  if (address !== undefined) {
    if (!/^[0-9a-fA-F.:]+$/.test(address)) throw x.error(`Invalid address '${address}' in <portForward>`);
    pf.address = address;
  }
  const dev = x.attr('dev');
  if (dev !== undefined) pf.dev = dev;
  for (const r of x.children('range')) {
    const range: NetPortForward['ranges'][number] = {};
    for (const k of ['start', 'end', 'to'] as const) {
      const v = r.intAttr(k, { min: 1, max: 0xffffffff });
      if (v !== undefined) range[k] = v;
    }
    const exclude = r.boolAttr('exclude');
    if (exclude !== undefined) range.exclude = exclude;
    pf.ranges.push(range);
  }
  return pf;
}

export function formatPortForward(pf: NetPortForward): XmlNode {
  return el('portForward', { proto: pf.proto, address: pf.address, dev: pf.dev }, pf.ranges.map((r) => el('range', {
    start: r.start, end: r.start ? r.end : undefined, to: r.start ? r.to : undefined, exclude: r.exclude,
  })));
}
