// Virtual network procedures, each turned into the network.* API calls that tsvirt's own
// CLI makes for the same virsh command.
import type { NetSummary } from '../../protocol/methods-network.js';
import type { NonnullNetwork } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { uuidBytes, uuidString } from './rpc-ids.js';
import { checkFlags } from './rpc-errors.js';

// virConnectListAllNetworksFlags
const L = { INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32 };
const XML_INACTIVE = 1; // VIR_NETWORK_XML_INACTIVE
const VALIDATE = 1; // VIR_NETWORK_DEFINE_VALIDATE, VIR_NETWORK_CREATE_VALIDATE: tsvirt's parser always checks
const UPDATE_LIVE = 1;
const UPDATE_CONFIG = 2;

/** virNetworkUpdateCommand numbers; add-first and add-last both add (the API appends) */
const COMMANDS: Record<number, 'add' | 'delete' | 'modify'> = { 1: 'modify', 2: 'delete', 3: 'add', 4: 'add' };
/** virNetworkUpdateSection numbers -> virsh's section names, which the API takes */
const SECTIONS = ['', 'bridge', 'domain', 'ip', 'ip-dhcp-host', 'ip-dhcp-range', 'forward', 'forward-interface', 'forward-pf', 'portgroup', 'dns-host', 'dns-txt', 'dns-srv'];

export function networkFilter(flags: number): (n: NetSummary) => boolean {
  const group = (a: number, b: number, isA: (n: NetSummary) => boolean) => (n: NetSummary) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && isA(n)) || ((flags & b) !== 0 && !isA(n));
  const checks = [
    group(L.ACTIVE, L.INACTIVE, (n) => n.active),
    group(L.PERSISTENT, L.TRANSIENT, (n) => n.persistent),
    group(L.AUTOSTART, L.NO_AUTOSTART, (n) => n.autostart),
  ];
  return (n) => checks.every((c) => c(n));
}

const wireNet = (n: Pick<NetSummary, 'name' | 'uuid'>): NonnullNetwork => ({ name: n.name, uuid: uuidBytes(n.uuid) });

async function nets(ctx: RpcContext): Promise<NetSummary[]> {
  return (await ctx.call('network.list', {})).networks;
}

/** lookups answer libvirt's own "not found" texts */
async function lookup(ctx: RpcContext, ref: string, by: 'name' | 'uuid'): Promise<NetSummary> {
  const n = (await nets(ctx)).find((x) => (by === 'name' ? x.name === ref : x.uuid === ref));
  if (!n) throw new TsvirtError('no-network', `no network with matching ${by} '${ref}'`);
  return n;
}

/**
 * Runs an API call on the network the client holds, by its UUID (names can be reused);
 * a network gone since reads as libvirt says it.
 */
async function onNet<T>(net: NonnullNetwork, fn: (ref: string) => Promise<T>): Promise<T> {
  const ref = uuidString(net.uuid);
  try {
    return await fn(ref);
  } catch (e) {
    if (e instanceof TsvirtError && e.code === 'no-network') throw new TsvirtError('no-network', `no network with matching uuid '${ref}' (${net.name})`);
    throw e;
  }
}

const summary = (ctx: RpcContext, net: NonnullNetwork) => onNet(net, (network) => ctx.call('network.lookup', { network }));

export const networkImpls: Impls = {
  CONNECT_LIST_ALL_NETWORKS: async ({ need_results, flags }, ctx) => {
    checkFlags(flags, 63, 'virConnectListAllNetworks');
    const list = (await nets(ctx)).filter(networkFilter(flags));
    return { nets: need_results ? list.map(wireNet) : [], ret: list.length };
  },
  CONNECT_NUM_OF_NETWORKS: async (_a, ctx) => ({ num: (await nets(ctx)).filter((n) => n.active).length }),
  CONNECT_LIST_NETWORKS: async ({ maxnames }, ctx) => ({
    names: (await nets(ctx)).filter((n) => n.active).map((n) => n.name).slice(0, Math.max(0, maxnames)),
  }),
  CONNECT_NUM_OF_DEFINED_NETWORKS: async (_a, ctx) => ({ num: (await nets(ctx)).filter((n) => !n.active).length }),
  CONNECT_LIST_DEFINED_NETWORKS: async ({ maxnames }, ctx) => ({
    names: (await nets(ctx)).filter((n) => !n.active).map((n) => n.name).slice(0, Math.max(0, maxnames)),
  }),

  NETWORK_LOOKUP_BY_NAME: async ({ name }, ctx) => ({ net: wireNet(await lookup(ctx, name, 'name')) }),
  NETWORK_LOOKUP_BY_UUID: async ({ uuid }, ctx) => ({ net: wireNet(await lookup(ctx, uuidString(uuid), 'uuid')) }),

  NETWORK_DEFINE_XML: async ({ xml }, ctx) => ({ net: wireNet(await ctx.call('network.define', { xml })) }),
  NETWORK_DEFINE_XML_FLAGS: async ({ xml, flags }, ctx) => {
    checkFlags(flags, VALIDATE, 'virNetworkDefineXMLFlags');
    return { net: wireNet(await ctx.call('network.define', { xml })) };
  },
  NETWORK_CREATE_XML: async ({ xml }, ctx) => ({ net: wireNet(await ctx.call('network.create', { xml })) }),
  NETWORK_CREATE_XML_FLAGS: async ({ xml, flags }, ctx) => {
    checkFlags(flags, VALIDATE, 'virNetworkCreateXMLFlags');
    return { net: wireNet(await ctx.call('network.create', { xml })) };
  },
  NETWORK_CREATE: async ({ net }, ctx) => void (await onNet(net, (network) => ctx.call('network.start', { network }))),
  NETWORK_DESTROY: async ({ net }, ctx) => void (await onNet(net, (network) => ctx.call('network.destroy', { network }))),
  NETWORK_UNDEFINE: async ({ net }, ctx) => void (await onNet(net, (network) => ctx.call('network.undefine', { network }))),

  NETWORK_GET_XML_DESC: async ({ net, flags }, ctx) => {
    checkFlags(flags, XML_INACTIVE, 'virNetworkGetXMLDesc');
    return { xml: (await onNet(net, (network) => ctx.call('network.getXml', { network, inactive: (flags & XML_INACTIVE) !== 0 }))).xml };
  },
  NETWORK_GET_AUTOSTART: async ({ net }, ctx) => ({ autostart: (await summary(ctx, net)).autostart ? 1 : 0 }),
  NETWORK_SET_AUTOSTART: async ({ net, autostart }, ctx) =>
    void (await onNet(net, (network) => ctx.call('network.setAutostart', { network, autostart: autostart !== 0 }))),
  NETWORK_IS_ACTIVE: async ({ net }, ctx) => ({ active: (await summary(ctx, net)).active ? 1 : 0 }),
  NETWORK_IS_PERSISTENT: async ({ net }, ctx) => ({ persistent: (await summary(ctx, net)).persistent ? 1 : 0 }),
  NETWORK_GET_BRIDGE_NAME: async ({ net }, ctx) => {
    const n = await summary(ctx, net);
    if (!n.bridge) throw new TsvirtError('internal-error', `network '${n.name}' does not have a bridge name.`);
    return { name: n.bridge };
  },

  NETWORK_GET_DHCP_LEASES: async ({ net, mac, need_results, flags }, ctx) => {
    checkFlags(flags, 0, 'virNetworkGetDHCPLeases');
    const { leases } = await onNet(net, (network) => ctx.call('network.getLeases', { network, mac: mac ?? undefined }));
    return {
      leases: need_results ? leases.map((l) => ({
        iface: l.iface, expirytime: BigInt(l.expiry), type: 0 /* VIR_IP_ADDR_TYPE_IPV4 */, mac: l.mac, iaid: null,
        ipaddr: l.ip, prefix: l.prefix, hostname: l.hostname ?? null, clientid: l.clientId ?? null,
      })) : [],
      ret: leases.length,
    };
  },

  NETWORK_UPDATE: async ({ net, command, section, parentIndex, xml, flags }, ctx) => {
    checkFlags(flags, UPDATE_LIVE | UPDATE_CONFIG, 'virNetworkUpdate');
    const cmd = COMMANDS[command];
    if (!cmd) throw new TsvirtError('invalid-arg', `unrecognized network update command ${command}`);
    const sec = SECTIONS[section];
    if (!sec) throw new TsvirtError('invalid-arg', `unrecognized network update section ${section}`);
    if (parentIndex > 0) throw new TsvirtError('no-support', `net-update of the <ip> at index ${parentIndex} is not supported (only the first)`);
    // flags 0 is AFFECT_CURRENT: the API decides from the network's state, as libvirt does
    const current = (flags & (UPDATE_LIVE | UPDATE_CONFIG)) === 0;
    await onNet(net, (network) => ctx.call('network.update', {
      network, command: cmd, section: sec, xml,
      live: current ? undefined : (flags & UPDATE_LIVE) !== 0, config: current ? undefined : (flags & UPDATE_CONFIG) !== 0,
    }));
  },
};
