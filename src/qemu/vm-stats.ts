// Statistics of one running QEMU, as libvirt's domblkstat, domifstat, dommemstat and
// vcpuinfo report them: block counters from QMP, vCPU threads from QMP plus /proc,
// memory from the balloon and the process, NIC counters from the host's tap device.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import type { Disk, NetInterface } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import * as qmp from './qmp-commands.js';
import { balloonPath, guestMemoryStats, type GuestMemoryStats } from './balloon.js';
import type { QemuVm } from './vm.js';

/**
 * How long a statistics query waits for QEMU: a hung QEMU (stopped, or stuck in a long
 * operation) costs a bulk call of every domain this much at most, not QMP's usual 10 s.
 */
const STATS_QMP = { timeoutMs: 2000 };

export interface BlockCounters {
  rdReq: number; rdBytes: number; wrReq: number; wrBytes: number; flushReq: number;
  rdTotalTimeNs: number; wrTotalTimeNs: number; flushTotalTimeNs: number;
}

const ZERO: BlockCounters = { rdReq: 0, rdBytes: 0, wrReq: 0, wrBytes: 0, flushReq: 0, rdTotalTimeNs: 0, wrTotalTimeNs: 0, flushTotalTimeNs: 0 };

/** does a query-blockstats / query-block `qdev` (id or QOM path) belong to the device with this id? */
export function qdevIs(qdev: string | undefined, id: string): boolean {
  if (!qdev) return false;
  return qdev === id || qdev === `/machine/peripheral/${id}` || qdev.startsWith(`/machine/peripheral/${id}/`);
}

/** Counters of the given disks (all of them summed when several), read from QEMU. */
export async function blockCounters(vm: QemuVm, disks: Disk[]): Promise<BlockCounters> {
  const all = await qmp.queryBlockstats(vm.monitor, STATS_QMP);
  const sum = { ...ZERO };
  for (const d of disks) {
    const s = all.find((b) => d.alias && qdevIs(b.qdev, d.alias))?.stats;
    if (!s) continue; // an empty CD-ROM drive has no backend counters worth adding
    sum.rdReq += s.rd_operations; sum.rdBytes += s.rd_bytes; sum.wrReq += s.wr_operations; sum.wrBytes += s.wr_bytes;
    sum.flushReq += s.flush_operations; sum.rdTotalTimeNs += s.rd_total_time_ns;
    sum.wrTotalTimeNs += s.wr_total_time_ns; sum.flushTotalTimeNs += s.flush_total_time_ns;
  }
  return sum;
}

export interface NicCounters {
  rxBytes: number; rxPackets: number; rxErrs: number; rxDrop: number;
  txBytes: number; txPackets: number; txErrs: number; txDrop: number;
}

/**
 * A NIC's counters from its host tap (/sys/class/net/<tap>/statistics). What the host
 * receives on the tap the guest sent, so rx and tx swap, as libvirt reports them.
 */
export async function nicCounters(nic: NetInterface): Promise<NicCounters> {
  const tap = nic.target?.dev;
  if (!tap) {
    throw new TsvirtError('operation-unsupported', `interface with MAC '${nic.mac}' (type '${nic.type}') has no host device to read statistics from`);
  }
  const read = async (name: string) => Number(readFileSync(`/sys/class/net/${tap}/statistics/${name}`, 'utf8').trim());
  try {
    return {
      rxBytes: await read('tx_bytes'), rxPackets: await read('tx_packets'), rxErrs: await read('tx_errors'), rxDrop: await read('tx_dropped'),
      txBytes: await read('rx_bytes'), txPackets: await read('rx_packets'), txErrs: await read('rx_errors'), txDrop: await read('rx_dropped'),
    };
  } catch (e) {
    throw new TsvirtError('operation-failed', `cannot read statistics of interface '${tap}': ${(e as Error).message}`);
  }
}

export interface MemoryCounters extends GuestMemoryStats {
  /** balloon size: the memory the guest has now */
  actualKiB: number;
  /** resident set size of the QEMU process */
  rssKiB: number;
}

const guestReports = new WeakMap<QemuVm, { at: number; stats: GuestMemoryStats }>();

/**
 * The balloon's size (or the defined memory without a balloon), the guest's own statistics, QEMU's
 * RSS. The guest reports its statistics every <stats period> seconds (once per boot without one):
 * with `reuse`, a report asked for less than that long ago (5 s without a period) is used again
 * instead of asking QEMU (qom-get costs QEMU 0.4 ms, the most of a bulk stats call).
 */
export async function memoryCounters(vm: QemuVm, reuse = false): Promise<MemoryCounters> {
  let actualKiB = vm.live.currentMemory ?? vm.live.memory;
  let guest: GuestMemoryStats = {};
  if (balloonPath(vm.live)) {
    vm.balloonActual ??= (await qmp.queryBalloon(vm.monitor, STATS_QMP)).actual;
    actualKiB = Math.floor(vm.balloonActual / 1024);
    const last = guestReports.get(vm);
    const maxAge = (vm.live.devices.memballoon?.statsPeriod || 5) * 1000;
    if (reuse && last && Date.now() - last.at < maxAge) guest = last.stats;
    else {
      guest = await guestMemoryStats(vm.monitor, vm.live, STATS_QMP);
      guestReports.set(vm, { at: Date.now(), stats: guest });
    }
  }
  return { actualKiB, ...guest, rssKiB: rssKiB(vm.pid) };
}

// /proc and /sys files are made by the kernel on read, in memory: a synchronous read takes
// microseconds, where the promise API's thread-pool round trip costs a bulk call of 100 guests 20 ms
function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

export interface VcpuThread {
  number: number;
  state: 'running' | 'blocked' | 'offline';
  cpuTimeNs: number;
  /** the host CPU the thread last ran on */
  cpu: number;
  /** host CPUs the thread may run on */
  affinity: number[];
}

/** the kernel's clock tick of /proc/<pid>/stat times (USER_HZ, 100 on Linux) */
const TICK_NS = 1e9 / 100;

interface TaskStat { userNs: number; systemNs: number; cpu: number }

/** utime, stime and the last CPU of a process or thread, from its /proc stat line; undefined when it is gone */
function taskStat(file: string): TaskStat | undefined {
  const stat = readProc(file);
  if (!stat) return undefined;
  // fields after "(comm) ": state is [0]; utime [11], stime [12]; processor [36]
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userNs: Number(f[11] ?? 0) * TICK_NS, systemNs: Number(f[12] ?? 0) * TICK_NS, cpu: Number(f[36] ?? 0) || 0 };
}

export interface ProcessCpu { timeNs: number; userNs: number; systemNs: number }

/** CPU time of the whole QEMU process (all its threads), split in user and system time */
export async function processCpu(pid: number): Promise<ProcessCpu> {
  const s = taskStat(`/proc/${pid}/stat`);
  if (!s) return { timeNs: 0, userNs: 0, systemNs: 0 };
  return { timeNs: s.userNs + s.systemNs, userNs: s.userNs, systemNs: s.systemNs };
}

// vCPU thread ids do not change while the vCPU count stays: one query-cpus-fast per count
const vcpuCache = new WeakMap<QemuVm, { count: number; cpus: qmp.QmpCpuInfoFast[] }>();

async function vcpuList(vm: QemuVm): Promise<qmp.QmpCpuInfoFast[]> {
  const count = vm.live.vcpu.current ?? vm.live.vcpu.count;
  const hit = vcpuCache.get(vm);
  if (hit && hit.count === count) return hit.cpus;
  const cpus = await qmp.queryCpusFast(vm.monitor, STATS_QMP);
  vcpuCache.set(vm, { count, cpus });
  return cpus;
}

/** vCPU threads (query-cpus-fast) with their CPU time, last CPU and affinity from /proc. */
export async function vcpuThreads(vm: QemuVm, withAffinity = true): Promise<VcpuThread[]> {
  const cpus = await vcpuList(vm);
  const out = await Promise.all(cpus.map(async (c): Promise<VcpuThread> => {
    const base = `/proc/${vm.pid}/task/${c['thread-id']}`;
    const s = taskStat(`${base}/stat`);
    const status = withAffinity ? readProc(`${base}/status`) : '';
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '';
    return {
      number: c['cpu-index'],
      state: 'running',
      cpuTimeNs: s ? Math.round(s.userNs + s.systemNs) : 0,
      cpu: s?.cpu ?? 0,
      affinity: parseCpuList(list),
    };
  }));
  return out.sort((a, b) => a.number - b.number);
}

export interface PerCpuTime { cpuTimeNs: number; vcpuTimeNs: number }

/**
 * The process's CPU time per host CPU (virsh cpu-stats). tsvirt puts QEMU in no cgroup of its
 * own, so there is no per-CPU accounting to read: each thread's time is counted on the CPU it
 * last ran on, vCPU threads' time also as vcpu_time.
 */
export async function perCpuTimes(vm: QemuVm, hostCpus: number): Promise<PerCpuTime[]> {
  const out = Array.from({ length: hostCpus }, () => ({ cpuTimeNs: 0, vcpuTimeNs: 0 }));
  const vcpuTids = new Set((await vcpuList(vm)).map((c) => String(c['thread-id'])));
  const tids = await fs.readdir(`/proc/${vm.pid}/task`).catch(() => [] as string[]);
  await Promise.all(tids.map(async (tid) => {
    const s = taskStat(`/proc/${vm.pid}/task/${tid}/stat`);
    if (!s || s.cpu >= hostCpus) return;
    const t = s.userNs + s.systemNs;
    out[s.cpu].cpuTimeNs += t;
    if (vcpuTids.has(tid)) out[s.cpu].vcpuTimeNs += t;
  }));
  return out;
}

export interface DiskStats extends BlockCounters {
  /** target (vda) and source of the disk */
  name: string;
  path?: string;
  /** guest-visible size, bytes, when a medium is in */
  capacity?: number;
  /** the size of the image file on the host (a block device: its capacity) */
  physical?: number;
  /** highest offset written (wr_highest_offset), as libvirt's allocation */
  allocation?: number;
}

// A disk's guest-visible size changes with its medium or image: a change of the live definition
// (device-service replaces it) or of the source path (block jobs). query-block, QEMU's costliest
// answer of a stats call, is asked once for each of those, not at every call.
const capacities = new WeakMap<QemuVm['live'], Map<string, number | undefined>>();
const diskKey = (d: Disk) => `${d.alias ?? ''}\0${d.source?.file ?? d.source?.dev ?? ''}`;

async function diskCapacities(vm: QemuVm): Promise<Map<string, number | undefined>> {
  const known = capacities.get(vm.live);
  if (known && vm.live.devices.disks.every((d) => known.has(diskKey(d)))) return known;
  const blocks = await qmp.queryBlock(vm.monitor, STATS_QMP);
  const m = new Map(vm.live.devices.disks.map((d) => [diskKey(d), blocks.find((b) => qdevIs(b.qdev, d.alias ?? ''))?.inserted?.image?.['virtual-size']] as const));
  capacities.set(vm.live, m);
  return m;
}

/** the size of a disk's file or block device on the host (libvirt's physical) */
function hostSize(path: string | undefined): number | undefined {
  if (!path) return undefined;
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** Counters and sizes of every disk of a running domain, in the definition's order (libvirt's block.N). */
export async function diskStats(vm: QemuVm): Promise<DiskStats[]> {
  if (!vm.live.devices.disks.length) return [];
  // both commands go out at once: QEMU answers them in turn, with no round trip between
  const [stats, sizes] = await Promise.all([qmp.queryBlockstats(vm.monitor, STATS_QMP), diskCapacities(vm)]);
  return vm.live.devices.disks.map((d) => {
    const id = d.alias ?? '';
    const s = stats.find((b) => qdevIs(b.qdev, id))?.stats;
    const c = s ? {
      rdReq: s.rd_operations, rdBytes: s.rd_bytes, wrReq: s.wr_operations, wrBytes: s.wr_bytes, flushReq: s.flush_operations,
      rdTotalTimeNs: s.rd_total_time_ns, wrTotalTimeNs: s.wr_total_time_ns, flushTotalTimeNs: s.flush_total_time_ns,
    } : ZERO;
    const path = d.source?.file ?? d.source?.dev;
    const capacity = sizes.get(diskKey(d));
    return { name: d.target.dev, path, ...c, capacity, physical: hostSize(d.source?.file) ?? capacity, allocation: s?.wr_highest_offset };
  });
}

/** "0-3,6" -> [0,1,2,3,6] */
export function parseCpuList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}
