// What libvirt fills in after parsing a network (bridge virbrN, stp on, delay 0, a
// 52:54:00 bridge MAC, NAT ports 1024-65535) and the checks that need other networks
// (overlapping subnets, bridge names taken).
import { TsvirtError } from '../util/errors.js';
import { generateMac, isMulticastMac } from '../util/mac.js';
import { broadcastOf, networkOf, parseIpv4, subnetsOverlap } from './ipv4.js';
import type { NetworkDef } from './network-xml.js';

/** Fills defaults in place; `others` are the other known networks (their bridge names are taken). */
export function fillNetworkDefaults(def: NetworkDef, others: readonly NetworkDef[]): NetworkDef {
  if (def.forward?.mode === 'bridge') return def;
  def.bridge ??= {};
  if (!def.bridge.name) {
    const used = new Set(others.map((n) => n.bridge?.name));
    let i = 0;
    while (used.has(`virbr${i}`)) i++;
    def.bridge.name = `virbr${i}`;
  }
  def.bridge.stp ??= true;
  def.bridge.delay ??= 0;
  def.mac ??= generateMac();
  if (def.forward?.mode === 'nat') def.forward.natPorts ??= { start: 1024, end: 65535 };
  return def;
}

const bad = (def: NetworkDef, msg: string) => new TsvirtError('xml-error', `network '${def.name}': ${msg}`);

/** Checks one network on its own and against `others` (the other defined networks). */
export function validateNetwork(def: NetworkDef, others: readonly NetworkDef[]): void {
  if (def.forward?.mode === 'bridge') {
    if (!def.bridge?.name) throw bad(def, "<forward mode='bridge'> needs <bridge name='...'/> naming an existing host bridge");
    if (def.ips.length || def.dns || def.mac) throw bad(def, "<forward mode='bridge'> takes no <ip>, <dns> or <mac>: the host bridge is managed outside tsvirt");
  }
  if (def.mac && isMulticastMac(def.mac)) throw bad(def, `bridge MAC ${def.mac} is a multicast address`);
  if (def.ips.length > 1) throw bad(def, 'only one <ip> (IPv4) per network is supported');
  for (const ip of def.ips) {
    const addr = parseIpv4(ip.address)!;
    const net = networkOf(addr, ip.prefix);
    const bcast = broadcastOf(addr, ip.prefix);
    if (ip.prefix > 30) throw bad(def, `prefix /${ip.prefix} of ${ip.address} leaves no room for guests`);
    if (addr === net || addr === bcast) throw bad(def, `${ip.address}/${ip.prefix} is the subnet's network or broadcast address`);
    const inside = (a: string) => {
      const n = parseIpv4(a)!;
      return n > net && n < bcast;
    };
    for (const r of ip.dhcp?.ranges ?? []) {
      if (!inside(r.start) || !inside(r.end)) throw bad(def, `DHCP range ${r.start} - ${r.end} is outside the subnet ${ip.address}/${ip.prefix}`);
      if (parseIpv4(r.start)! > parseIpv4(r.end)!) throw bad(def, `DHCP range ${r.start} - ${r.end} starts after it ends`);
    }
    for (const h of ip.dhcp?.hosts ?? []) {
      if (!inside(h.ip)) throw bad(def, `DHCP host ${h.mac ?? h.name} address ${h.ip} is outside the subnet ${ip.address}/${ip.prefix}`);
    }
  }
  for (const o of others) {
    if (o.name === def.name || o.uuid === def.uuid) continue;
    if (def.forward?.mode !== 'bridge' && o.forward?.mode !== 'bridge' && o.bridge?.name && o.bridge.name === def.bridge?.name) {
      throw bad(def, `bridge name '${def.bridge.name}' is already used by network '${o.name}'`);
    }
    for (const a of def.ips) {
      for (const b of o.ips) {
        if (subnetsOverlap(parseIpv4(a.address)!, a.prefix, parseIpv4(b.address)!, b.prefix)) {
          throw bad(def, `subnet ${a.address}/${a.prefix} overlaps network '${o.name}' (${b.address}/${b.prefix})`);
        }
      }
    }
  }
}

/** libvirt's 'default' network: NAT on 192.168.122.0/24. */
export const DEFAULT_NETWORK_XML = `<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;
