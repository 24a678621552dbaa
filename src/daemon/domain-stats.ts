// Statistics of domains by libvirt's groups and field names (virConnectGetAllDomainStats):
// one collector for `domstats`, the libvirt protocol, /metrics and the web UI's charts.
// Running domains are read from QEMU (QMP) and /proc and /sys; inactive ones from their
// definition. A group that cannot be read now (QEMU going away) is left out, as libvirt does.
import { DOMAIN_STATE_NUMBER } from '../protocol/types.js';
import { reasonNumber } from '../protocol/libvirt/enums.js';
import { SUPPORTED_STATS_GROUPS, type DomainStatsRecord, type StatsGroup } from '../protocol/methods-host-stats.js';
import { TsvirtError } from '../util/errors.js';
import { diskStats, memoryCounters, nicCounters, processCpu, vcpuThreads } from '../qemu/vm-stats.js';
import type { Domain } from '../conf/domain-types.js';
import type { QemuVm } from '../qemu/vm.js';
import type { DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';

type Stats = DomainStatsRecord['stats'];

// libvirt's names of the guest's balloon statistics, in its order
const BALLOON_FIELDS: Array<[string, string]> = [
  ['swapInKiB', 'swap_in'], ['swapOutKiB', 'swap_out'], ['majorFaults', 'major_fault'], ['minorFaults', 'minor_fault'],
  ['unusedKiB', 'unused'], ['availableKiB', 'available'], ['rssKiB', 'rss'], ['usableKiB', 'usable'],
  ['lastUpdate', 'last-update'], ['diskCachesKiB', 'disk_caches'], ['hugetlbPgalloc', 'hugetlb_pgalloc'], ['hugetlbPgfail', 'hugetlb_pgfail'],
];

function stateFields(e: DomainEntry, out: Stats): void {
  out['state.state'] = DOMAIN_STATE_NUMBER[e.state];
  out['state.reason'] = reasonNumber(e.state, e.reason);
}

function vcpuCounts(def: Domain, out: Stats): void {
  out['vcpu.current'] = def.vcpu.current ?? def.vcpu.count;
  out['vcpu.maximum'] = def.vcpu.count;
}

/** one group of a running domain (an inactive one: definedStats) */
async function groupStats(e: DomainEntry, vm: QemuVm, group: StatsGroup, out: Stats): Promise<void> {
  const def = vm.live;
  switch (group) {
    case 'state':
      return stateFields(e, out);
    case 'cpu-total': {
      const c = await processCpu(vm.pid);
      out['cpu.time'] = c.timeNs; out['cpu.user'] = c.userNs; out['cpu.system'] = c.systemNs;
      return;
    }
    case 'balloon': {
      const m = await memoryCounters(vm, true) as unknown as Record<string, number | undefined>;
      out['balloon.current'] = m.actualKiB!;
      out['balloon.maximum'] = def.memory;
      for (const [k, name] of BALLOON_FIELDS) if (m[k] !== undefined) out[`balloon.${name}`] = m[k]!;
      return;
    }
    case 'vcpu': {
      vcpuCounts(def, out);
      for (const v of await vcpuThreads(vm, false)) {
        out[`vcpu.${v.number}.state`] = 1; // VIR_VCPU_RUNNING
        out[`vcpu.${v.number}.time`] = v.cpuTimeNs;
      }
      return;
    }
    case 'interface': {
      const nics = def.devices.interfaces.filter((n) => n.target?.dev);
      const counters = await Promise.all(nics.map((n) => nicCounters(n)));
      out['net.count'] = nics.length;
      nics.forEach((n, i) => {
        const c = counters[i];
        const p = `net.${i}.`;
        out[`${p}name`] = n.target!.dev!;
        out[`${p}rx.bytes`] = c.rxBytes; out[`${p}rx.pkts`] = c.rxPackets; out[`${p}rx.errs`] = c.rxErrs; out[`${p}rx.drop`] = c.rxDrop;
        out[`${p}tx.bytes`] = c.txBytes; out[`${p}tx.pkts`] = c.txPackets; out[`${p}tx.errs`] = c.txErrs; out[`${p}tx.drop`] = c.txDrop;
      });
      return;
    }
    case 'block': {
      const disks = await diskStats(vm);
      out['block.count'] = disks.length;
      disks.forEach((d, i) => {
        const p = `block.${i}.`;
        out[`${p}name`] = d.name;
        if (d.path) out[`${p}path`] = d.path;
        out[`${p}rd.reqs`] = d.rdReq; out[`${p}rd.bytes`] = d.rdBytes; out[`${p}rd.times`] = d.rdTotalTimeNs;
        out[`${p}wr.reqs`] = d.wrReq; out[`${p}wr.bytes`] = d.wrBytes; out[`${p}wr.times`] = d.wrTotalTimeNs;
        out[`${p}fl.reqs`] = d.flushReq; out[`${p}fl.times`] = d.flushTotalTimeNs;
        if (d.allocation !== undefined) out[`${p}allocation`] = d.allocation;
        if (d.capacity !== undefined) out[`${p}capacity`] = d.capacity;
        if (d.physical !== undefined) out[`${p}physical`] = d.physical;
      });
      return;
    }
    default:
      // perf: tsvirt enables no perf events, so there are none to report
      return;
  }
}

/** an inactive domain's record: all from its definition, without a promise (10,000 of them are listed at once) */
function definedStats(e: DomainEntry, groups: readonly StatsGroup[]): DomainStatsRecord {
  const def = e.config;
  const stats: Stats = {};
  for (const g of groups) {
    if (g === 'state') stateFields(e, stats);
    else if (g === 'vcpu') vcpuCounts(def, stats);
    else if (g === 'balloon') {
      stats['balloon.current'] = def.currentMemory ?? def.memory;
      stats['balloon.maximum'] = def.memory;
    }
  }
  return { name: def.name, uuid: def.uuid, id: null, stats };
}

/** one domain's record; groups in libvirt's order, each left out when it cannot be read now */
export async function domainStats(e: DomainEntry, groups: readonly StatsGroup[]): Promise<DomainStatsRecord> {
  const vm = e.vm;
  if (!vm) return definedStats(e, groups);
  // the groups' QMP commands go out together: the monitor answers them in turn, with no round trip between
  const parts = await Promise.all(groups.map(async (g) => {
    const part: Stats = {};
    try {
      await groupStats(e, vm, g, part);
      return part;
    } catch {
      return {}; // QEMU stopped or its monitor closed under us: this group is unknown now
    }
  }));
  return { name: e.config.name, uuid: e.config.uuid, id: e.id, stats: Object.assign({}, ...parts) as Stats };
}

export interface StatsQuery {
  domains?: string[];
  groups?: StatsGroup[];
  enforce?: boolean;
  active?: boolean;
  persistent?: boolean;
  states?: DomainEntry['state'][];
}

/** The groups to collect: all that tsvirtd gives when none are named; an unsupported one fails with enforce. */
export function statsGroups(asked: readonly StatsGroup[] | undefined, enforce: boolean | undefined): StatsGroup[] {
  if (!asked || asked.length === 0) return [...SUPPORTED_STATS_GROUPS];
  const missing = asked.filter((g) => !SUPPORTED_STATS_GROUPS.includes(g));
  if (missing.length && enforce) {
    throw new TsvirtError('operation-unsupported', `Stats types ${missing.map((g) => `'${g}'`).join(', ')} are not supported by this daemon`);
  }
  return SUPPORTED_STATS_GROUPS.filter((g) => asked.includes(g));
}

/** Records of the named domains, or of every domain the filters keep, collected concurrently. */
export async function allDomainStats(service: DomainService, q: StatsQuery): Promise<DomainStatsRecord[]> {
  const groups = statsGroups(q.groups, q.enforce);
  let entries: DomainEntry[];
  if (q.domains) {
    // named domains: each must exist; the filters do not apply (virDomainListGetStats)
    entries = q.domains.map((d) => service.registry.lookup(d));
  } else {
    entries = service.registry.all().filter((e) =>
      (q.active === undefined || (e.id !== null) === q.active) &&
      (q.persistent === undefined || e.persistent === q.persistent) &&
      (!q.states || q.states.includes(e.state)));
  }
  return Promise.all(entries.map((e) => (e.vm ? domainStats(e, groups) : definedStats(e, groups))));
}
