// Domain procedures: lookups, lists, definitions, lifecycle and information, each turned
// into the API calls that tsvirt's own CLI makes for the same virsh command.
import { DOMAIN_STATE_NUMBER, type DomainState, type DomainSummary } from '../../protocol/types.js';
import { reasonNumber } from '../../protocol/libvirt/enums.js';
import { TsvirtError } from '../../util/errors.js';
import type { RpcContext, Impls } from './rpc-impl.js';
import { domRef, uuidString, wireDomain } from './rpc-ids.js';

// virConnectListAllDomainsFlags
const L = {
  ACTIVE: 1, INACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, RUNNING: 16, PAUSED: 32, SHUTOFF: 64, OTHER: 128,
  MANAGEDSAVE: 256, NO_MANAGEDSAVE: 512, AUTOSTART: 1024, NO_AUTOSTART: 2048, HAS_SNAPSHOT: 4096, NO_SNAPSHOT: 8192,
  HAS_CHECKPOINT: 16384, NO_CHECKPOINT: 32768,
};

/** virConnectListAllDomains' filter: each group of flags, when any is given, must match */
export function domainFilter(flags: number): (d: DomainSummary) => boolean {
  const group = (a: number, b: number, isA: (d: DomainSummary) => boolean) => (d: DomainSummary) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && isA(d)) || ((flags & b) !== 0 && !isA(d));
  const active = (d: DomainSummary) => d.id !== null;
  const checks = [
    group(L.ACTIVE, L.INACTIVE, active),
    group(L.PERSISTENT, L.TRANSIENT, (d) => d.persistent),
    group(L.AUTOSTART, L.NO_AUTOSTART, (d) => d.autostart),
    group(L.MANAGEDSAVE, L.NO_MANAGEDSAVE, (d) => d.managedSave === true),
    group(L.HAS_SNAPSHOT, L.NO_SNAPSHOT, (d) => d.hasSnapshot === true),
    group(L.HAS_CHECKPOINT, L.NO_CHECKPOINT, () => false),
  ];
  const stateFlags = flags & (L.RUNNING | L.PAUSED | L.SHUTOFF | L.OTHER);
  const stateOk = (s: DomainState) =>
    !stateFlags ||
    ((flags & L.RUNNING) !== 0 && s === 'running') ||
    ((flags & L.PAUSED) !== 0 && s === 'paused') ||
    ((flags & L.SHUTOFF) !== 0 && s === 'shutoff') ||
    ((flags & L.OTHER) !== 0 && !['running', 'paused', 'shutoff'].includes(s));
  return (d) => checks.every((c) => c(d)) && stateOk(d.state);
}

async function summaries(ctx: RpcContext): Promise<DomainSummary[]> {
  return (await ctx.call('domain.list', {})).domains;
}

/** lookups answer libvirt's own "not found" texts */
async function lookup(ctx: RpcContext, ref: string, by: 'name' | 'uuid' | 'id'): Promise<DomainSummary> {
  try {
    const d = await ctx.call('domain.lookup', { domain: ref });
    const ok = by === 'name' ? d.name === ref : by === 'id' ? String(d.id) === ref : d.uuid === ref;
    if (ok) return d;
  } catch (e) {
    if (!(e instanceof TsvirtError && e.code === 'no-domain')) throw e;
  }
  throw new TsvirtError('no-domain', `no domain with matching ${by} '${ref}'`);
}

// VIR_DOMAIN_SHUTDOWN_* / VIR_DOMAIN_REBOOT_* bits -> the API's modes
function modes(flags: number): Array<'acpi' | 'agent' | 'initctl' | 'signal' | 'paravirt'> | undefined {
  const out: Array<'acpi' | 'agent' | 'initctl' | 'signal' | 'paravirt'> = [];
  if (flags & 1) out.push('acpi');
  if (flags & 2) out.push('agent');
  if (flags & 4) out.push('initctl');
  if (flags & 8) out.push('signal');
  if (flags & 16) out.push('paravirt');
  return out.length ? out : undefined;
}

const UNDEFINE_NVRAM = 4;
const UNDEFINE_KEEP_NVRAM = 8;
const UNDEFINE_TPM = 32;
const UNDEFINE_KEEP_TPM = 64;
const START_PAUSED = 1;
const XML_INACTIVE = 2;

export const domainImpls: Impls = {
  CONNECT_LIST_ALL_DOMAINS: async ({ need_results, flags }, ctx) => {
    const list = (await summaries(ctx)).filter(domainFilter(flags));
    return { domains: need_results ? list.map(wireDomain) : [], ret: list.length };
  },
  CONNECT_NUM_OF_DOMAINS: async (_a, ctx) => ({ num: (await summaries(ctx)).filter((d) => d.id !== null).length }),
  CONNECT_LIST_DOMAINS: async ({ maxids }, ctx) => ({
    ids: (await summaries(ctx)).filter((d) => d.id !== null).map((d) => d.id!).sort((a, b) => a - b).slice(0, Math.max(0, maxids)),
  }),
  CONNECT_NUM_OF_DEFINED_DOMAINS: async (_a, ctx) => ({ num: (await summaries(ctx)).filter((d) => d.id === null).length }),
  CONNECT_LIST_DEFINED_DOMAINS: async ({ maxnames }, ctx) => ({
    names: (await summaries(ctx)).filter((d) => d.id === null).map((d) => d.name).slice(0, Math.max(0, maxnames)),
  }),

  DOMAIN_LOOKUP_BY_NAME: async ({ name }, ctx) => ({ dom: wireDomain(await lookup(ctx, name, 'name')) }),
  DOMAIN_LOOKUP_BY_UUID: async ({ uuid }, ctx) => ({ dom: wireDomain(await lookup(ctx, uuidString(uuid), 'uuid')) }),
  DOMAIN_LOOKUP_BY_ID: async ({ id }, ctx) => ({ dom: wireDomain(await lookup(ctx, String(id), 'id')) }),

  DOMAIN_DEFINE_XML: async ({ xml }, ctx) => ({ dom: wireDomain(await ctx.call('domain.define', { xml })) }),
  DOMAIN_DEFINE_XML_FLAGS: async ({ xml }, ctx) => ({ dom: wireDomain(await ctx.call('domain.define', { xml })) }),
  DOMAIN_CREATE_XML: async ({ xml_desc, flags }, ctx) => ({
    dom: wireDomain(await ctx.call('domain.create', { xml: xml_desc, paused: (flags & START_PAUSED) !== 0 })),
  }),
  DOMAIN_UNDEFINE: async ({ dom }, ctx) => void (await ctx.call('domain.undefine', { domain: domRef(dom) })),
  DOMAIN_UNDEFINE_FLAGS: async ({ dom, flags }, ctx) =>
    void (await ctx.call('domain.undefine', { domain: domRef(dom), nvram: (flags & UNDEFINE_NVRAM) !== 0, keepNvram: (flags & UNDEFINE_KEEP_NVRAM) !== 0,
      tpm: (flags & UNDEFINE_TPM) !== 0, keepTpm: (flags & UNDEFINE_KEEP_TPM) !== 0, managedSave: (flags & 1) !== 0, snapshotsMetadata: (flags & 2) !== 0 })), // 1: VIR_DOMAIN_UNDEFINE_MANAGED_SAVE, 2: _SNAPSHOTS_METADATA

  DOMAIN_CREATE: async ({ dom }, ctx) => void (await ctx.call('domain.start', { domain: domRef(dom) })),
  DOMAIN_CREATE_WITH_FLAGS: async ({ dom, flags }, ctx) => ({
    dom: wireDomain(await ctx.call('domain.start', { domain: domRef(dom), paused: (flags & START_PAUSED) !== 0, forceBoot: (flags & 8) !== 0 })), // 8: VIR_DOMAIN_START_FORCE_BOOT
  }),
  DOMAIN_SHUTDOWN: async ({ dom }, ctx) => void (await ctx.call('domain.shutdown', { domain: domRef(dom) })),
  DOMAIN_SHUTDOWN_FLAGS: async ({ dom, flags }, ctx) => void (await ctx.call('domain.shutdown', { domain: domRef(dom), modes: modes(flags) })),
  DOMAIN_REBOOT: async ({ dom, flags }, ctx) => void (await ctx.call('domain.reboot', { domain: domRef(dom), modes: modes(flags) })),
  DOMAIN_RESET: async ({ dom }, ctx) => void (await ctx.call('domain.reset', { domain: domRef(dom) })),
  DOMAIN_DESTROY: async ({ dom }, ctx) => void (await ctx.call('domain.destroy', { domain: domRef(dom) })),
  DOMAIN_DESTROY_FLAGS: async ({ dom, flags }, ctx) => void (await ctx.call('domain.destroy', { domain: domRef(dom), graceful: (flags & 1) !== 0 })),
  DOMAIN_SUSPEND: async ({ dom }, ctx) => void (await ctx.call('domain.suspend', { domain: domRef(dom) })),
  DOMAIN_RESUME: async ({ dom }, ctx) => void (await ctx.call('domain.resume', { domain: domRef(dom) })),

  DOMAIN_GET_AUTOSTART: async ({ dom }, ctx) => ({ autostart: (await ctx.call('domain.lookup', { domain: domRef(dom) })).autostart ? 1 : 0 }),
  DOMAIN_SET_AUTOSTART: async ({ dom, autostart }, ctx) => void (await ctx.call('domain.setAutostart', { domain: domRef(dom), autostart: autostart !== 0 })),
  DOMAIN_IS_ACTIVE: async ({ dom }, ctx) => ({ active: (await ctx.call('domain.lookup', { domain: domRef(dom) })).id !== null ? 1 : 0 }),
  DOMAIN_IS_PERSISTENT: async ({ dom }, ctx) => ({ persistent: (await ctx.call('domain.lookup', { domain: domRef(dom) })).persistent ? 1 : 0 }),
  DOMAIN_IS_UPDATED: async ({ dom }, ctx) => (await ctx.call('domain.lookup', { domain: domRef(dom) }), { updated: 0 }),
  DOMAIN_GET_XML_DESC: async ({ dom, flags }, ctx) => ({
    xml: (await ctx.call('domain.getXml', { domain: domRef(dom), inactive: (flags & XML_INACTIVE) !== 0 })).xml,
  }),
  DOMAIN_GET_INFO: async ({ dom }, ctx) => {
    const i = await ctx.call('domain.getInfo', { domain: domRef(dom) });
    return {
      state: DOMAIN_STATE_NUMBER[i.state], maxMem: BigInt(i.maxMemoryKiB), memory: BigInt(i.usedMemoryKiB),
      nrVirtCpu: i.vcpus, cpuTime: BigInt(Math.round(i.cpuTimeNs)),
    };
  },
  DOMAIN_GET_STATE: async ({ dom }, ctx) => {
    const s = await ctx.call('domain.getState', { domain: domRef(dom) });
    return { state: DOMAIN_STATE_NUMBER[s.state], reason: reasonNumber(s.state, s.reason) };
  },
  DOMAIN_GET_MAX_MEMORY: async ({ dom }, ctx) => ({ memory: BigInt((await ctx.call('domain.getInfo', { domain: domRef(dom) })).maxMemoryKiB) }),
  DOMAIN_GET_MAX_VCPUS: async ({ dom }, ctx) => ({ num: (await ctx.call('domain.getInfo', { domain: domRef(dom) })).vcpus }),
  DOMAIN_GET_OS_TYPE: async ({ dom }, ctx) => ({ type: (await ctx.call('domain.getInfo', { domain: domRef(dom) })).osType }),
};
