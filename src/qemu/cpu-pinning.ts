// CPU affinity from <vcpu cpuset=>, <cputune><vcpupin>/<emulatorpin>, applied after launch while
// the vCPUs are still stopped, as libvirt does with sched_setaffinity (tsvirt has no cgroups, so
// the plain affinity of each thread is set with util-linux `taskset`). The emulator pin (or the
// <vcpu cpuset> default) goes on every QEMU thread first; each vCPU thread then gets its own.
import { promises as fs } from 'node:fs';
import { TsvirtError } from '../util/errors.js';
import { run } from '../util/spawn.js';
import type { Domain } from '../conf/domain-types.js';
import { parseBitmap } from '../conf/bitmap.js';
import type { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';

/** Whether the domain asks for any CPU affinity. */
export function wantsCpuPinning(dom: Domain): boolean {
  return dom.vcpu.cpuset !== undefined || !!dom.cputune?.vcpupins.length || dom.cputune?.emulatorpin !== undefined;
}

/** The host CPUs that are online (all bits of /sys/devices/system/cpu/online). */
export async function hostOnlineCpus(root = '/'): Promise<number[]> {
  try {
    return parseBitmap((await fs.readFile(`${root.replace(/\/$/, '')}/sys/devices/system/cpu/online`, 'utf8')).trim());
  } catch {
    return [0];
  }
}

async function setAffinity(cpuset: string, pid: number, allThreads: boolean): Promise<void> {
  const r = await run('taskset', [...(allThreads ? ['-a'] : []), '-p', '-c', cpuset, String(pid)]);
  if (r.code !== 0) {
    throw new TsvirtError('operation-failed', `cannot set CPU affinity on process ${pid}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? 'taskset failed'}`);
  }
}

/** Pins the emulator threads and each vCPU thread of the QEMU process `pid`. */
export async function applyCpuPinning(mon: QmpMonitor, dom: Domain, pid: number): Promise<void> {
  if (!wantsCpuPinning(dom)) return;
  const online = new Set(await hostOnlineCpus());
  const sets = [dom.vcpu.cpuset, dom.cputune?.emulatorpin, ...(dom.cputune?.vcpupins ?? []).map((p) => p.cpuset)].filter((s): s is string => s !== undefined);
  for (const s of sets) {
    if (!parseBitmap(s).some((c) => online.has(c))) {
      throw new TsvirtError('config-unsupported', `cpuset '${s}' names no online host CPU (online: ${[...online].join(',')})`);
    }
  }
  const emulator = dom.cputune?.emulatorpin ?? dom.vcpu.cpuset;
  if (emulator !== undefined) await setAffinity(emulator, pid, true);
  for (const cpu of await qmp.queryCpusFast(mon)) {
    const pin = dom.cputune?.vcpupins.find((p) => p.vcpu === cpu['cpu-index'])?.cpuset ?? dom.vcpu.cpuset;
    if (pin !== undefined) await setAffinity(pin, cpu['thread-id'], false);
  }
}
