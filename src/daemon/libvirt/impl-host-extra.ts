// Connection-wide procedures of no other family (procs-host-extra.ts).
//
// CONNECT_GET_ALL_DOMAIN_STATS (virConnectGetAllDomainStats, and virDomainListGetStats when the
// client names domains): virt-manager polls it for its graphs, `virsh domstats` prints it. The
// records come from domain.getAllStats with libvirt's field names; here they get libvirt's
// typed-parameter types. NODE_GET_CPU_STATS / NODE_GET_MEMORY_STATS (virsh nodecpustats,
// nodememstats) and DOMAIN_GET_CPU_STATS (virsh cpu-stats) answer libvirt's two-step calls:
// first the number of fields (nparams 0), then the fields.
import { DOMAIN_STATES, type DomainState } from '../../protocol/domain-state.js';
import { STATS_GROUPS, type StatsGroup } from '../../protocol/methods-host-stats.js';
import { TypedParamType, type TypedParam } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import type { Impls } from './rpc-impl.js';
import { domRef, uuidString, wireDomain } from './rpc-ids.js';

// virConnectGetAllDomainStatsFlags
const F = {
  ACTIVE: 1, INACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, RUNNING: 16, PAUSED: 32, SHUTOFF: 64, OTHER: 128,
  ENFORCE_STATS: 2 ** 31,
};
const LIST_FILTER = 0xff;

/** libvirt's type of each stats field (qemu_driver.c's qemuDomainGetStats*) */
function statsParamType(field: string): number {
  if (/^(state\.(state|reason)|vcpu\.\d+\.state)$/.test(field)) return TypedParamType.INT;
  if (/^(vcpu\.(current|maximum)|net\.count|block\.count|block\.\d+\.backingIndex)$/.test(field)) return TypedParamType.UINT;
  if (/^(net|block)\.\d+\.(name|path)$/.test(field)) return TypedParamType.STRING;
  return TypedParamType.ULLONG;
}

function typed(field: string, v: number | string): TypedParam {
  const type = statsParamType(field);
  if (type === TypedParamType.STRING) return { field, value: { type, value: String(v) } };
  if (type === TypedParamType.ULLONG) return { field, value: { type, value: BigInt(Math.max(0, Math.round(Number(v)))) } };
  return { field, value: { type, value: Number(v) } } as TypedParam;
}

/** the stats bits as group names; bits beyond libvirt's groups are named by number */
function groupsOf(bits: number): { groups: StatsGroup[]; unknown: number } {
  const groups = STATS_GROUPS.filter((_, i) => bits & (1 << i));
  return { groups, unknown: bits & ~((1 << STATS_GROUPS.length) - 1) };
}

/** both flags of a pair, or neither: no filter */
const pair = (flags: number, yes: number, no: number): boolean | undefined =>
  (flags & yes) && !(flags & no) ? true : (flags & no) && !(flags & yes) ? false : undefined;

function statesOf(flags: number): DomainState[] | undefined {
  if (!(flags & (F.RUNNING | F.PAUSED | F.SHUTOFF | F.OTHER))) return undefined;
  return DOMAIN_STATES.filter((s) =>
    s === 'running' ? flags & F.RUNNING : s === 'paused' ? flags & F.PAUSED : s === 'shutoff' ? flags & F.SHUTOFF : flags & F.OTHER);
}

const nanoseconds = (field: string, ns: number): TypedParam => ({ field, value: { type: TypedParamType.ULLONG, value: BigInt(Math.round(ns)) } });

export const hostExtraImpls: Impls = {
  CONNECT_GET_ALL_DOMAIN_STATS: async ({ doms, stats, flags }, ctx) => {
    const enforce = ((flags >>> 0) & F.ENFORCE_STATS) !== 0;
    const { groups, unknown } = groupsOf(stats);
    if (unknown && enforce) throw new TsvirtError('operation-unsupported', `Stats types bits 0x${unknown.toString(16)} are not supported by this daemon`);
    let query;
    if (doms.length > 0) {
      // virDomainListGetStats: the named domains; list filters do not apply to them
      if (flags & LIST_FILTER) throw new TsvirtError('invalid-arg', 'filtering flags are not supported with a list of domains');
      query = { domains: doms.map((w) => uuidString(w.uuid)) };
    } else {
      query = { active: pair(flags, F.ACTIVE, F.INACTIVE), persistent: pair(flags, F.PERSISTENT, F.TRANSIENT), states: statesOf(flags) };
    }
    const { records } = await ctx.call('domain.getAllStats', { ...query, groups, enforce });
    const retStats = records.map((r) => ({
      dom: wireDomain(r),
      params: Object.entries(r.stats).map(([k, v]) => typed(k, v)),
    }));
    return { retStats };
  },

  NODE_GET_CPU_STATS: async ({ cpuNum, nparams }, ctx) => {
    // nparams 0 asks how many fields there are; libvirt checks the CPU only when asked for them
    if (nparams === 0) return { params: [], nparams: 4 };
    const t = await ctx.call('node.cpuStats', { cpu: cpuNum });
    const all = [['kernel', t.kernelNs], ['user', t.userNs], ['idle', t.idleNs], ['iowait', t.iowaitNs]] as const;
    const params = all.slice(0, nparams).map(([field, v]) => ({ field, value: BigInt(Math.round(v)) }));
    return { params, nparams: params.length };
  },
  NODE_GET_MEMORY_STATS: async ({ nparams, cellNum }, ctx) => {
    const m = await ctx.call('node.memoryStats', { cell: cellNum });
    const all = ([['total', m.totalKiB], ['free', m.freeKiB], ['buffers', m.buffersKiB], ['cached', m.cachedKiB]] as Array<[string, number | undefined]>)
      .filter((x): x is [string, number] => x[1] !== undefined);
    if (nparams === 0) return { params: [], nparams: all.length };
    const params = all.slice(0, nparams).map(([field, v]) => ({ field, value: BigInt(v) }));
    return { params, nparams: params.length };
  },

  DOMAIN_GET_CPU_STATS: async ({ dom, nparams, start_cpu, ncpus }, ctx) => {
    const domain = domRef(dom);
    if (start_cpu === -1) {
      // the totals: cpu_time, user_time, system_time
      if (nparams === 0) return { params: [], nparams: 3 };
      const { total } = await ctx.call('domain.cpuStats', { domain });
      const all = [nanoseconds('cpu_time', total.cpuTimeNs), nanoseconds('user_time', total.userTimeNs), nanoseconds('system_time', total.systemTimeNs)];
      return { params: all.slice(0, nparams), nparams: Math.min(nparams, 3) };
    }
    if (start_cpu < -1) throw new TsvirtError('invalid-arg', 'start_cpu in virDomainGetCPUStats only accepts -1 as a negative value');
    const { perCpu } = await ctx.call('domain.cpuStats', { domain });
    // nparams 0: with ncpus 0 the number of host CPUs, else the fields per CPU (cpu_time, vcpu_time)
    if (nparams === 0) return { params: [], nparams: ncpus === 0 ? perCpu.length : 2 };
    if (start_cpu >= perCpu.length) throw new TsvirtError('invalid-arg', `start_cpu ${start_cpu} larger than maximum of ${perCpu.length - 1}`);
    const per = Math.min(nparams, 2);
    const params = perCpu.slice(start_cpu, start_cpu + ncpus).flatMap((c) =>
      [nanoseconds('cpu_time', c.cpuTimeNs), nanoseconds('vcpu_time', c.vcpuTimeNs)].slice(0, per));
    return { params, nparams: per };
  },
};
