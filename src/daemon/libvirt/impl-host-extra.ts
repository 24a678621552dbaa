// Connection-wide procedures of no other family (procs-host-extra.ts).
//
// CONNECT_GET_ALL_DOMAIN_STATS (virConnectGetAllDomainStats, and virDomainListGetStats when the
// client names domains): virt-manager polls it for its CPU and memory graphs, `virsh domstats`
// prints it. tsvirt gives the state, cpu-total, balloon and vcpu groups from the domain's
// info; other groups are left out, as libvirtd leaves out what a driver cannot give, unless the
// client enforces them.
import { DOMAIN_STATE_NUMBER, type DomainSummary } from '../../protocol/types.js';
import { reasonNumber } from '../../protocol/libvirt/enums.js';
import { TypedParamType, type TypedParam } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { domainFilter } from './impl-domain.js';
import { uuidString, wireDomain } from './rpc-ids.js';

// virDomainStatsTypes
const STATS = { STATE: 1, CPU_TOTAL: 2, BALLOON: 4, VCPU: 8 };
const SUPPORTED = STATS.STATE | STATS.CPU_TOTAL | STATS.BALLOON | STATS.VCPU;
// virConnectGetAllDomainStatsFlags: the low bits filter like virConnectListAllDomains; NOWAIT
// and BACKING change nothing here (no job to wait for, no block stats)
const ENFORCE_STATS = 2 ** 31;
const LIST_FILTER = 0xffff;

const int = (field: string, v: number): TypedParam => ({ field, value: { type: TypedParamType.INT, value: v } });
const uint = (field: string, v: number): TypedParam => ({ field, value: { type: TypedParamType.UINT, value: v } });
const ullong = (field: string, v: number): TypedParam => ({ field, value: { type: TypedParamType.ULLONG, value: BigInt(Math.round(v)) } });

async function record(ctx: RpcContext, d: DomainSummary, stats: number): Promise<TypedParam[] | undefined> {
  let info, state;
  try {
    info = await ctx.call('domain.getInfo', { domain: d.uuid });
    state = await ctx.call('domain.getState', { domain: d.uuid });
  } catch (e) {
    // a domain undefined while we went through the list is left out, as libvirt does
    if (e instanceof TsvirtError && e.code === 'no-domain') return undefined;
    throw e;
  }
  const active = info.id !== null;
  const out: TypedParam[] = [];
  if (stats & STATS.STATE) out.push(int('state.state', DOMAIN_STATE_NUMBER[state.state]), int('state.reason', reasonNumber(state.state, state.reason)));
  if (stats & STATS.CPU_TOTAL && active) out.push(ullong('cpu.time', info.cpuTimeNs));
  if (stats & STATS.BALLOON) out.push(ullong('balloon.current', info.usedMemoryKiB), ullong('balloon.maximum', info.maxMemoryKiB));
  if (stats & STATS.VCPU) out.push(uint('vcpu.current', info.vcpus), uint('vcpu.maximum', info.vcpus));
  return out;
}

export const hostExtraImpls: Impls = {
  CONNECT_GET_ALL_DOMAIN_STATS: async ({ doms, stats, flags }, ctx) => {
    const unsupported = stats & ~SUPPORTED;
    if (unsupported && (flags >>> 0) & ENFORCE_STATS) {
      throw new TsvirtError('operation-unsupported', `Stats types bits 0x${unsupported.toString(16)} are not supported by this daemon`);
    }
    const wanted = stats === 0 ? SUPPORTED : stats & SUPPORTED;
    const all = (await ctx.call('domain.list', {})).domains;
    let list: DomainSummary[];
    if (doms.length > 0) {
      // virDomainListGetStats: the named domains; list filters do not apply to them
      if (flags & LIST_FILTER) throw new TsvirtError('invalid-arg', 'filtering flags are not supported with a list of domains');
      list = doms.map((w) => {
        const d = all.find((x) => x.uuid === uuidString(w.uuid));
        if (!d) throw new TsvirtError('no-domain', `no domain with matching uuid '${uuidString(w.uuid)}' (${w.name})`);
        return d;
      });
    } else {
      list = all.filter(domainFilter(flags & LIST_FILTER));
    }
    const retStats = [];
    for (const d of list) {
      const params = await record(ctx, d, wanted);
      if (params) retStats.push({ dom: wireDomain(d), params });
    }
    return { retStats };
  },
};
