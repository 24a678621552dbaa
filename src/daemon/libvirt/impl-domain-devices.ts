// Domain procedures beyond the basics (procs-domain-devices.ts): device changes, statistics,
// addresses, keys, job/control/block info and security labels, each one API call.
import type { ParamsOf, ResultOf } from '../../protocol/methods.js';
import type { NonnullDomain } from '../../protocol/libvirt/remote-types.js';
import { TypedParamType } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { domRef } from './rpc-ids.js';

// virDomainModificationImpact / virDomainDeviceModifyFlags
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;
const VCPU_MAXIMUM = 4;
const VCPU_GUEST = 8;
const VCPU_RUNNING = 1;
// virDomainMemoryStatTags, in the order libvirt reports them (balloon first, RSS last)
const MEMORY_STAT_ORDER: Array<[number, keyof ResultOf<'domain.memoryStats'>]> = [
  [6, 'actualKiB'], [0, 'swapInKiB'], [1, 'swapOutKiB'], [2, 'majorFaults'], [3, 'minorFaults'], [4, 'unusedKiB'],
  [5, 'availableKiB'], [8, 'usableKiB'], [9, 'lastUpdate'], [10, 'diskCachesKiB'], [11, 'hugetlbPgalloc'], [12, 'hugetlbPgfail'],
  [7, 'rssKiB'],
];
const MEM_MAXIMUM = 4;
const ADDR_SRC = { LEASE: 0, AGENT: 1, ARP: 2 };
const KEYCODE_SETS: Record<number, 'linux' | 'xt' | 'atset1' | 'qnum'> = { 0: 'linux', 1: 'xt', 2: 'atset1', 9: 'qnum' };
const KEYCODE_SET_NAMES = ['linux', 'xt', 'atset1', 'atset2', 'atset3', 'osx', 'xt_kbd', 'usb', 'win32', 'qnum'];

type DeviceParams = ParamsOf<'domain.attachDevice'>;

/** flags 0 is CURRENT: the device service resolves it against the domain's state */
function deviceChange(dom: NonnullDomain, xml: string, flags: number): DeviceParams {
  return { domain: domRef(dom), xml, live: (flags & AFFECT_LIVE) !== 0, config: (flags & AFFECT_CONFIG) !== 0, current: (flags & (AFFECT_LIVE | AFFECT_CONFIG)) === 0 };
}

/** a C string as `char x<N>`: its bytes and the NUL */
const chars = (s: string): number[] => [...Buffer.from(s, 'utf8'), 0];

const llong = (field: string, v: number) => ({ field, value: { type: TypedParamType.LLONG, value: BigInt(Math.round(v)) } });

// virDomainMetadataType: DESCRIPTION 0, TITLE 1, ELEMENT 2
function metadataField(type: number): 'title' | 'description' {
  if (type === 0) return 'description';
  if (type === 1) return 'title';
  if (type === 2) throw new TsvirtError('operation-unsupported', 'metadata elements by namespace URI are kept verbatim in the XML and cannot be read or set on their own');
  throw new TsvirtError('invalid-arg', `unknown metadata type ${type}`);
}

async function isActive(ctx: RpcContext, dom: NonnullDomain): Promise<boolean> {
  return (await ctx.call('domain.lookup', { domain: domRef(dom) })).id !== null;
}

export const domainDeviceImpls: Impls = {
  // the flagless calls of old clients change the running domain, as libvirt's do
  DOMAIN_ATTACH_DEVICE: async ({ dom, xml }, ctx) => void (await ctx.call('domain.attachDevice', deviceChange(dom, xml, AFFECT_LIVE))),
  DOMAIN_DETACH_DEVICE: async ({ dom, xml }, ctx) => void (await ctx.call('domain.detachDevice', deviceChange(dom, xml, AFFECT_LIVE))),
  DOMAIN_ATTACH_DEVICE_FLAGS: async ({ dom, xml, flags }, ctx) => void (await ctx.call('domain.attachDevice', deviceChange(dom, xml, flags))),
  DOMAIN_DETACH_DEVICE_FLAGS: async ({ dom, xml, flags }, ctx) => void (await ctx.call('domain.detachDevice', deviceChange(dom, xml, flags))),
  // VIR_DOMAIN_DEVICE_MODIFY_FORCE (4) opens a locked tray; the service always forces an eject
  DOMAIN_UPDATE_DEVICE_FLAGS: async ({ dom, xml, flags }, ctx) => void (await ctx.call('domain.updateDevice', deviceChange(dom, xml, flags))),

  DOMAIN_BLOCK_STATS: async ({ dom, path }, ctx) => {
    const s = await ctx.call('domain.blockStats', { domain: domRef(dom), disk: path });
    // errs -1: QEMU keeps no error count libvirt would report (virsh leaves the line out)
    return { rd_req: BigInt(s.rdReq), rd_bytes: BigInt(s.rdBytes), wr_req: BigInt(s.wrReq), wr_bytes: BigInt(s.wrBytes), errs: -1n };
  },
  DOMAIN_BLOCK_STATS_FLAGS: async ({ dom, path, nparams }, ctx) => {
    const s = await ctx.call('domain.blockStats', { domain: domRef(dom), disk: path });
    // libvirt's order of the fields
    const all = [
      llong('wr_bytes', s.wrBytes), llong('wr_operations', s.wrReq), llong('rd_bytes', s.rdBytes), llong('rd_operations', s.rdReq),
      llong('flush_operations', s.flushReq), llong('wr_total_times', s.wrTotalTimeNs), llong('rd_total_times', s.rdTotalTimeNs),
      llong('flush_total_times', s.flushTotalTimeNs),
    ];
    // nparams 0 asks how many there are
    if (nparams <= 0) return { params: [], nparams: all.length };
    const params = all.slice(0, nparams);
    return { params, nparams: params.length };
  },
  DOMAIN_INTERFACE_STATS: async ({ dom, device }, ctx) => {
    const s = await ctx.call('domain.interfaceStats', { domain: domRef(dom), iface: device });
    return {
      rx_bytes: BigInt(s.rxBytes), rx_packets: BigInt(s.rxPackets), rx_errs: BigInt(s.rxErrs), rx_drop: BigInt(s.rxDrop),
      tx_bytes: BigInt(s.txBytes), tx_packets: BigInt(s.txPackets), tx_errs: BigInt(s.txErrs), tx_drop: BigInt(s.txDrop),
    };
  },
  DOMAIN_MEMORY_STATS: async ({ dom, maxStats }, ctx) => {
    const m = await ctx.call('domain.memoryStats', { domain: domRef(dom) });
    const stats = MEMORY_STAT_ORDER.flatMap(([tag, key]) => (m[key] === undefined ? [] : [{ tag, val: BigInt(Math.round(m[key]!)) }]));
    return { stats: stats.slice(0, maxStats) };
  },
  // the flagless call changes the running domain (VIR_DOMAIN_AFFECT_LIVE), as libvirt's does
  DOMAIN_SET_MEMORY: async ({ dom, memory }, ctx) => void (await ctx.call('domain.setMemory', { domain: domRef(dom), kib: Number(memory), live: true })),
  DOMAIN_SET_MEMORY_FLAGS: async ({ dom, memory, flags }, ctx) => {
    if (flags & MEM_MAXIMUM) throw new TsvirtError('operation-unsupported', 'changing the maximum memory (setmaxmem) is not supported by tsvirt');
    await ctx.call('domain.setMemory', { domain: domRef(dom), kib: Number(memory), live: (flags & AFFECT_LIVE) !== 0, config: (flags & AFFECT_CONFIG) !== 0 });
  },
  DOMAIN_SET_MEMORY_STATS_PERIOD: async ({ dom, period, flags }, ctx) => {
    if (period < 0) throw new TsvirtError('invalid-arg', 'invalid stats period; number must be >= 0');
    await ctx.call('domain.setMemoryStatsPeriod', { domain: domRef(dom), seconds: period, live: (flags & AFFECT_LIVE) !== 0, config: (flags & AFFECT_CONFIG) !== 0 });
  },
  DOMAIN_GET_VCPUS: async ({ dom, maxinfo, maplen }, ctx) => {
    if (maxinfo < 0 || maplen < 0 || maxinfo * maplen > 8388608) throw new TsvirtError('invalid-arg', 'vCPU count or map length out of range');
    if (!(await isActive(ctx, dom))) throw new TsvirtError('operation-invalid', 'cannot list vcpu pinning for an inactive domain');
    const { vcpus } = await ctx.call('domain.vcpuInfo', { domain: domRef(dom) });
    const list = vcpus.slice(0, maxinfo);
    const cpumaps = Buffer.alloc(maxinfo * maplen);
    list.forEach((v, i) => {
      for (const c of v.affinity) if (c < maplen * 8) cpumaps[i * maplen + (c >> 3)] |= 1 << (c & 7);
    });
    return {
      info: list.map((v) => ({ number: v.number, state: VCPU_RUNNING, cpu_time: BigInt(Math.round(v.cpuTimeNs)), cpu: v.cpu })),
      cpumaps,
    };
  },
  // tsvirt does not pin vCPUs: each may run on every host CPU (virsh vcpuinfo of a shut-off domain)
  DOMAIN_GET_VCPU_PIN_INFO: async ({ dom, ncpumaps, maplen, flags }, ctx) => {
    if (ncpumaps < 0 || maplen <= 0 || ncpumaps * maplen > 8388608) throw new TsvirtError('invalid-arg', 'vCPU count or map length out of range');
    const config = (flags & AFFECT_CONFIG) !== 0 || !(await isActive(ctx, dom));
    const vcpus = (await ctx.call('domain.getVcpuCount', { domain: domRef(dom), config, maximum: true })).count;
    const { cpus } = await ctx.call('node.getInfo', {});
    const num = Math.min(ncpumaps, vcpus);
    const cpumaps = Buffer.alloc(num * maplen);
    for (let v = 0; v < num; v++) for (let c = 0; c < Math.min(cpus, maplen * 8); c++) cpumaps[v * maplen + (c >> 3)] |= 1 << (c & 7);
    return { cpumaps, num };
  },
  DOMAIN_GET_VCPUS_FLAGS: async ({ dom, flags }, ctx) => {
    if ((flags & AFFECT_LIVE) && (flags & AFFECT_CONFIG)) throw new TsvirtError('invalid-arg', "Flags 'live' and 'config' are mutually exclusive");
    if (flags & VCPU_GUEST) throw new TsvirtError('operation-unsupported', 'guest vCPU counts (guest-get-vcpus through the QEMU guest agent) are not supported by tsvirt yet');
    const config = (flags & AFFECT_CONFIG) !== 0 || ((flags & AFFECT_LIVE) === 0 && !(await isActive(ctx, dom)));
    return { num: (await ctx.call('domain.getVcpuCount', { domain: domRef(dom), config, maximum: (flags & VCPU_MAXIMUM) !== 0 })).count };
  },
  DOMAIN_INTERFACE_ADDRESSES: async ({ dom, source }, ctx) => {
    if (source === ADDR_SRC.AGENT) {
      // the guest's own view: every interface, lo and those without addresses included
      const { interfaces } = await ctx.call('domain.agentInterfaces', { domain: domRef(dom) });
      return { ifaces: interfaces.map((i) => ({ name: i.name, hwaddr: i.mac ?? null, addrs: i.addrs.map((a) => ({ type: a.type === 'ipv6' ? 1 : 0, addr: a.ip, prefix: a.prefix })) })) };
    }
    if (source !== ADDR_SRC.LEASE && source !== ADDR_SRC.ARP) throw new TsvirtError('invalid-arg', `Unknown IP address data source ${source}`);
    const { interfaces } = await ctx.call('domain.interfaceAddresses', { domain: domRef(dom), source: source === ADDR_SRC.ARP ? 'arp' : 'lease' });
    // libvirt's lease source lists only the NICs that have leases
    return {
      ifaces: interfaces.filter((i) => i.addrs.length > 0).map((i) => ({
        name: i.name, hwaddr: i.mac, addrs: i.addrs.map((a) => ({ type: a.ip.includes(':') ? 1 : 0, addr: a.ip, prefix: a.prefix })),
      })),
    };
  },
  DOMAIN_SEND_KEY: async ({ dom, codeset, holdtime, keycodes }, ctx) => {
    const set = KEYCODE_SETS[codeset];
    if (!set) throw new TsvirtError('operation-unsupported', `cannot translate keycodes of the ${KEYCODE_SET_NAMES[codeset] ?? codeset} keycode set`);
    await ctx.call('domain.sendKeyCodes', { domain: domRef(dom), codeset: set, keycodes, holdTimeMs: holdtime || undefined });
  },

  // <title> and <description>; a missing one reads as empty, which virsh desc shows as it
  // shows libvirt's "no metadata" error. Namespaced <metadata> elements are not editable.
  DOMAIN_GET_METADATA: async ({ dom, type, flags }, ctx) => {
    if ((flags & AFFECT_LIVE) && (flags & AFFECT_CONFIG)) throw new TsvirtError('invalid-arg', "Flags 'live' and 'config' are mutually exclusive");
    const field = metadataField(type);
    const config = (flags & AFFECT_CONFIG) !== 0;
    if ((flags & AFFECT_LIVE) && !(await isActive(ctx, dom))) throw new TsvirtError('operation-invalid', 'domain is not running');
    return { metadata: (await ctx.call('domain.getText', { domain: domRef(dom), field, config })).text };
  },
  DOMAIN_SET_METADATA: async ({ dom, type, metadata, flags }, ctx) => {
    const field = metadataField(type);
    await ctx.call('domain.setText', {
      domain: domRef(dom), field, text: metadata ?? undefined, live: (flags & AFFECT_LIVE) !== 0, config: (flags & AFFECT_CONFIG) !== 0,
    });
  },

  DOMAIN_GET_CONTROL_INFO: async ({ dom }, ctx) => {
    const c = await ctx.call('domain.getControlInfo', { domain: domRef(dom) });
    return { state: { ok: 0, job: 1, occupied: 2 }[c.state], details: 0, stateTime: BigInt(c.stateTimeMs) };
  },
  // DOMAIN_GET_JOB_INFO, DOMAIN_GET_JOB_STATS: impl-save.ts
  DOMAIN_GET_BLOCK_INFO: async ({ dom, path }, ctx) => {
    const b = await ctx.call('domain.blockInfo', { domain: domRef(dom), disk: path });
    return { allocation: BigInt(b.allocation), capacity: BigInt(b.capacity), physical: BigInt(b.physical) };
  },

  // tsvirt has no security driver (no SELinux/AppArmor/DAC labelling): libvirtd with none
  // answers an empty model, an empty label, and one empty label per running domain
  NODE_GET_SECURITY_MODEL: () => ({ model: chars(''), doi: chars('') }),
  DOMAIN_GET_SECURITY_LABEL: async ({ dom }, ctx) => (await isActive(ctx, dom), { label: chars(''), enforcing: 0 }),
  DOMAIN_GET_SECURITY_LABEL_LIST: async ({ dom }, ctx) => {
    const active = await isActive(ctx, dom);
    return { labels: active ? [{ label: chars(''), enforcing: 0 }] : [], ret: active ? 1 : 0 };
  },
  // every host CPU is online and usable by guests (tsvirt takes no CPUs offline or away)
  NODE_GET_CPU_MAP: async ({ need_map }, ctx) => {
    const { cpus } = await ctx.call('node.getInfo', {});
    const cpumap = Buffer.alloc(need_map ? Math.ceil(cpus / 8) : 0);
    for (let c = 0; c < cpumap.length * 8 && c < cpus; c++) cpumap[c >> 3] |= 1 << (c & 7);
    return { cpumap, online: cpus, ret: cpus };
  },
  // tsvirt records no taint or deprecation messages (DOMAIN_HAS_MANAGED_SAVE_IMAGE: impl-save.ts)
  DOMAIN_GET_MESSAGES: async ({ dom }, ctx) => (await isActive(ctx, dom), { msgs: [] }),
};
