// Handlers of the statistics and monitoring methods (src/protocol/methods-stats.ts): each
// finds the domain (and its running QEMU) and reads the numbers from QEMU or the host.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { Disk, Domain, NetInterface } from '../conf/domain-types.js';
import { TsvirtError, strerror } from '../util/errors.js';
import { blockCounters, memoryCounters, nicCounters, perCpuTimes, processCpu, vcpuThreads } from '../qemu/vm-stats.js';
import { imageInfo } from '../storage/qemu-img.js';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import { toQnum } from './keycodes.js';
import { setMemory, setMemoryStatsPeriod } from './memory-service.js';
import { allDomainStats } from './domain-stats.js';
import { hostCpuMap, hostCpuTimes, hostMemory } from './host-stats.js';

type StatsHandlers = Pick<Handlers, 'domain.blockStats' | 'domain.interfaceStats' | 'domain.memoryStats' | 'domain.vcpuInfo'
  | 'domain.getVcpuCount' | 'domain.blockInfo' | 'domain.getJobInfo' | 'domain.getControlInfo' | 'domain.sendKeyCodes'
  | 'domain.getText' | 'domain.setText' | 'domain.setMemory' | 'domain.setMemoryStatsPeriod'
  | 'domain.getAllStats' | 'domain.cpuStats' | 'node.cpuStats' | 'node.memoryStats' | 'node.cpuMap'>;

const diskPath = (d: Disk) => d.source?.file ?? d.source?.dev;

/** a disk by target (vda) or source path; `missing` words the error as libvirt does for the call */
function findDisk(def: Domain, ref: string, missing = `invalid path: ${ref}`): Disk {
  const d = def.devices.disks.find((x) => x.target.dev === ref) ?? def.devices.disks.find((x) => diskPath(x) === ref);
  if (!d) throw new TsvirtError('invalid-arg', missing);
  return d;
}

function findNic(def: Domain, ref: string): NetInterface {
  const n = def.devices.interfaces.find((x) => x.target?.dev === ref) ?? def.devices.interfaces.find((x) => x.mac === ref.toLowerCase());
  if (!n) throw new TsvirtError('invalid-arg', `invalid path, '${ref}' is not a known interface`);
  return n;
}

/** allocation, capacity, file size of a disk's image: qemu-img for files, sysfs for block devices */
async function imageSizes(d: Disk): Promise<{ capacity: number; allocation: number; physical: number }> {
  const path = diskPath(d);
  if (!path) throw new TsvirtError('invalid-arg', `disk '${d.target.dev}' does not currently have a source assigned`);
  const st = await fs.stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new TsvirtError('system-error', `cannot stat file '${path}': ${strerror(e)}`);
  });
  if (st.isBlockDevice()) {
    const real = await fs.realpath(path);
    const sectors = Number((await fs.readFile(`/sys/class/block/${real.split('/').pop()}/size`, 'utf8')).trim());
    const size = sectors * 512;
    return { capacity: size, allocation: size, physical: size };
  }
  const info = await imageInfo(path, d.driver?.type);
  return { capacity: info.virtualSize, allocation: st.blocks * 512, physical: st.size };
}


export function makeStatsHandlers(service: DomainService): StatsHandlers {
  const running = (ref: string) => {
    const e = service.registry.lookup(ref);
    if (!e.vm) throw new TsvirtError('operation-invalid', 'domain is not running');
    return { e, vm: e.vm };
  };
  return {
    'domain.blockStats': async (p) => {
      const { vm } = running(p.domain);
      const disks = p.disk === '' ? vm.live.devices.disks : [findDisk(vm.live, p.disk)];
      return blockCounters(vm, disks);
    },
    'domain.interfaceStats': async (p) => {
      const { vm } = running(p.domain);
      return nicCounters(findNic(vm.live, p.iface));
    },
    'domain.memoryStats': async (p) => memoryCounters(running(p.domain).vm),
    'domain.setMemory': async (p) => (await setMemory(service, p.domain, p.kib, p), {}),
    'domain.setMemoryStatsPeriod': async (p) => (await setMemoryStatsPeriod(service, p.domain, p.seconds, p), {}),
    'domain.vcpuInfo': async (p) => ({ vcpus: await vcpuThreads(running(p.domain).vm), hostCpus: os.cpus().length }),
    'domain.getAllStats': async (p) => ({ records: await allDomainStats(service, p) }),
    'domain.cpuStats': async (p) => {
      const { vm } = running(p.domain);
      const perCpu = await perCpuTimes(vm, os.cpus().length);
      const c = await processCpu(vm.pid);
      return { perCpu, total: { cpuTimeNs: c.timeNs, userTimeNs: c.userNs, systemTimeNs: c.systemNs } };
    },
    'node.cpuStats': (p) => hostCpuTimes(p.cpu ?? -1),
    'node.memoryStats': (p) => hostMemory(p.cell ?? -1),
    'node.cpuMap': () => hostCpuMap(),
    'domain.getVcpuCount': (p) => {
      const e = service.registry.lookup(p.domain);
      const def = p.config ? e.config : running(p.domain).vm.live;
      return { count: p.maximum ? def.vcpu.count : (def.vcpu.current ?? def.vcpu.count) };
    },
    'domain.blockInfo': async (p) => {
      const e = service.registry.lookup(p.domain);
      return imageSizes(findDisk(e.vm?.live ?? e.config, p.disk, `invalid path ${p.disk} not assigned to domain`));
    },
    // tsvirt runs no background jobs (migration, save, dump), so there is never one to report
    'domain.getJobInfo': (p) => (service.registry.lookup(p.domain), { type: 'none' as const }),
    'domain.getControlInfo': (p) => {
      const { vm } = running(p.domain);
      if (vm.monitor.closed) throw new TsvirtError('operation-failed', 'monitor is closed');
      return { state: 'ok' as const, stateTimeMs: 0 };
    },
    'domain.getText': (p) => {
      const e = service.registry.lookup(p.domain);
      const def = p.config ? e.config : (e.vm?.live ?? e.config);
      return { text: def[p.field] ?? '' };
    },
    'domain.setText': async (p) => {
      const e = service.registry.lookup(p.domain);
      // neither given: the running domain when it runs, else the definition
      const current = !p.live && !p.config;
      await service.setText(p.domain, p.field, p.text, { live: current ? !!e.vm : !!p.live, config: current ? !e.vm : !!p.config });
      return {};
    },
    'domain.sendKeyCodes': async (p) => {
      const keys = p.keycodes.map((k) => toQnum(p.codeset, k));
      await service.sendKey(p.domain, keys, p.holdTimeMs);
      return {};
    },
  };
}
