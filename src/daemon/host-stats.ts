// The host's CPU and memory figures, as libvirt's nodecpustats, nodememstats and nodecpumap
// read them: /proc/stat, /proc/meminfo and /sys/devices/system/cpu.
import { promises as fs } from 'node:fs';
import { parseBitmap } from '../conf/bitmap.js';
import { TsvirtError } from '../util/errors.js';

/** USER_HZ: /proc/stat counts in 1/100 s */
const TICK_NS = 1e9 / 100;

export interface CpuTimes { kernelNs: number; userNs: number; idleNs: number; iowaitNs: number }

/**
 * The "cpu" line (cpu = -1) or "cpuN" line of /proc/stat, folded as libvirt does: user is
 * user + nice, kernel is system + irq + softirq.
 */
export function parseProcStat(text: string, cpu: number): CpuTimes | undefined {
  const label = cpu < 0 ? 'cpu' : `cpu${cpu}`;
  const line = text.split('\n').find((l) => l.split(/\s+/)[0] === label);
  if (!line) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return {
    userNs: (user + nice) * TICK_NS,
    kernelNs: (system + (irq || 0) + (softirq || 0)) * TICK_NS,
    idleNs: idle * TICK_NS,
    iowaitNs: (iowait || 0) * TICK_NS,
  };
}

export async function hostCpuTimes(cpu: number): Promise<CpuTimes> {
  const times = parseProcStat(await fs.readFile('/proc/stat', 'utf8'), cpu);
  if (cpu < -1) throw new TsvirtError('invalid-arg', 'cpuNum in virNodeGetCPUStats only accepts -1 as a negative value');
  if (!times) throw new TsvirtError('invalid-arg', 'Invalid cpuNum in virHostCPUGetStatsLinux');
  return times;
}

export interface MemoryFigures { totalKiB: number; freeKiB: number; buffersKiB?: number; cachedKiB?: number }

/** /proc/meminfo, or a NUMA node's meminfo ("Node 0 MemTotal: ..."), which has no buffers or cache */
export function parseMeminfo(text: string): MemoryFigures {
  const kib = (key: string) => {
    const m = new RegExp(`^(?:Node \\d+ )?${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return { totalKiB: kib('MemTotal') ?? 0, freeKiB: kib('MemFree') ?? 0, buffersKiB: kib('Buffers'), cachedKiB: kib('Cached') };
}

/** the whole host (cell -1) or one NUMA cell; tsvirt reports one cell (nodeinfo's nodes: 1) */
export async function hostMemory(cell: number): Promise<MemoryFigures> {
  if (cell > 0) throw new TsvirtError('invalid-arg', 'cellNum in virHostMemGetStats must be less than or equal to 0');
  if (cell < -1) throw new TsvirtError('invalid-arg', 'cellNum in virNodeGetMemoryStats only accepts -1 as a negative value');
  if (cell === -1) return parseMeminfo(await fs.readFile('/proc/meminfo', 'utf8'));
  const node = await fs.readFile('/sys/devices/system/node/node0/meminfo', 'utf8').catch(() => undefined);
  const m = parseMeminfo(node ?? await fs.readFile('/proc/meminfo', 'utf8'));
  return { totalKiB: m.totalKiB, freeKiB: m.freeKiB };
}

export interface CpuMap { present: number; online: number[] }

/** CPUs the kernel knows (present) and those online, from sysfs */
export async function hostCpuMap(): Promise<CpuMap> {
  const read = (f: string) => fs.readFile(`/sys/devices/system/cpu/${f}`, 'utf8');
  const present = parseBitmap((await read('present')).trim(), 1 << 16);
  const online = parseBitmap((await read('online')).trim(), 1 << 16);
  return { present: present.length ? Math.max(...present) + 1 : online.length, online };
}
