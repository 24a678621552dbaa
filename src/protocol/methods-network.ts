// Virtual network API methods (virsh net-*), and the domain-side interface calls that
// need the network driver (domifaddr, domif-getlink/-setlink).
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

export const NetSummarySchema = z.object({
  name: z.string(), uuid: z.string(), bridge: z.string(), active: z.boolean(), persistent: z.boolean(), autostart: z.boolean(),
});
export type NetSummary = z.infer<typeof NetSummarySchema>;

export const NetLeaseSchema = z.object({
  expiry: z.number().describe('seconds since the epoch'), mac: z.string(), ip: z.string(), prefix: z.number(),
  hostname: z.string().optional(), clientId: z.string().optional(), iface: z.string(),
});
export type NetLease = z.infer<typeof NetLeaseSchema>;

export const IfaceAddrSchema = z.object({ name: z.string(), mac: z.string(), addrs: z.array(z.object({ ip: z.string(), prefix: z.number() })) });

const Empty = z.object({});
const Xml = z.object({ xml: z.string() });
const Net = z.object({ network: z.string().describe('network name or UUID') });
const Dom = z.object({ domain: DomainRefSchema });
const Iface = Dom.extend({ iface: z.string().describe('target device (vnetN) or MAC address') });

export const networkMethods = {
  'network.list': method({ params: Empty, result: z.object({ networks: z.array(NetSummarySchema) }), readonly: true, summary: 'all networks (virsh net-list --all)' }),
  'network.lookup': method({ params: Net, result: NetSummarySchema, readonly: true, summary: 'a network by name or UUID (net-info, net-uuid, net-name)' }),
  'network.define': method({ params: Xml, result: NetSummarySchema, readonly: false, summary: 'define a persistent network (virsh net-define)' }),
  'network.create': method({ params: Xml, result: NetSummarySchema, readonly: false, summary: 'start a transient network from XML (virsh net-create)' }),
  'network.start': method({ params: Net, result: Empty, readonly: false, summary: 'start a network: bridge, dnsmasq, firewall (virsh net-start)' }),
  'network.destroy': method({ params: Net, result: Empty, readonly: false, summary: 'stop a network, removing what it created (virsh net-destroy)' }),
  'network.undefine': method({ params: Net, result: Empty, readonly: false, summary: 'remove a network\'s definition (virsh net-undefine)' }),
  'network.setAutostart': method({ params: Net.extend({ autostart: z.boolean() }), result: Empty, readonly: false, summary: 'start the network with tsvirtd (virsh net-autostart)' }),
  'network.getXml': method({ params: Net.extend({ inactive: z.boolean().optional() }), result: Xml, readonly: true, summary: 'network XML (virsh net-dumpxml)' }),
  'network.getLeases': method({ params: Net.extend({ mac: z.string().optional() }), result: z.object({ leases: z.array(NetLeaseSchema) }), readonly: true, summary: 'DHCP leases (virsh net-dhcp-leases)' }),
  'network.update': method({
    params: Net.extend({
      command: z.enum(['add', 'delete', 'modify']), section: z.string(), xml: z.string(),
      live: z.boolean().optional(), config: z.boolean().optional(),
    }),
    result: Empty, readonly: false, summary: 'change part of a network, e.g. a static DHCP host (virsh net-update)',
  }),
  'domain.interfaceAddresses': method({
    params: Dom.extend({ source: z.enum(['lease', 'arp']).optional().describe("lease (default): the networks' DHCP leases; arp: the host's neighbour table") }),
    result: z.object({ interfaces: z.array(IfaceAddrSchema) }), readonly: true,
    summary: 'addresses of a running domain\'s NICs from DHCP leases or the host\'s ARP table (virsh domifaddr; --source agent: domain.agentInterfaces)',
  }),
  'domain.getInterfaceLink': method({ params: Iface, result: z.object({ state: z.enum(['up', 'down']) }), readonly: true, summary: 'link state of a NIC (virsh domif-getlink)' }),
  'domain.setInterfaceLink': method({ params: Iface.extend({ state: z.enum(['up', 'down']) }), result: Empty, readonly: false, summary: 'set a NIC\'s link up or down (virsh domif-setlink)' }),
};
