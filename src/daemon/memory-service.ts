// virsh setmem and dommemstat --period: the balloon target and the guest-stats period of a
// running domain (through QMP, src/qemu/balloon.ts) and/or of its definition, as libvirt's
// qemuDomainSetMemoryFlags / qemuDomainSetMemoryStatsPeriod do.
import type { Domain } from '../conf/domain-types.js';
import { requireBalloon, setBalloonTarget, setStatsPeriod } from '../qemu/balloon.js';
import { TsvirtError } from '../util/errors.js';
import type { DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';

export interface Affect { live?: boolean; config?: boolean }

/** neither given: the running domain when it runs, else the definition (VIR_DOMAIN_AFFECT_CURRENT) */
function targets(entry: DomainEntry, a: Affect): { live: boolean; config: boolean } {
  const current = !a.live && !a.config;
  const t = { live: current ? !!entry.vm : !!a.live, config: current ? !entry.vm : !!a.config };
  if (t.live && !entry.vm) throw new TsvirtError('operation-invalid', 'domain is not running');
  if (t.config && !entry.persistent) throw new TsvirtError('operation-invalid', 'cannot change persistent config of a transient domain');
  return t;
}

export async function setMemory(service: DomainService, ref: string, kib: number, a: Affect): Promise<void> {
  await service.runJob(ref, async (entry) => {
    const t = targets(entry, a);
    const check = (def: Domain) => {
      if (kib > def.memory) throw new TsvirtError('invalid-arg', 'cannot set memory higher than max memory');
    };
    if (t.live) check(entry.vm!.live);
    if (t.config) check(entry.config);
    if (t.live) {
      const vm = entry.vm!;
      await setBalloonTarget(vm.monitor, vm.live, kib);
      vm.live.currentMemory = kib;
      await service.persistStatus(entry);
    }
    if (t.config) await service.saveDefinition(entry, { ...entry.config, currentMemory: kib });
  });
}

export async function setMemoryStatsPeriod(service: DomainService, ref: string, seconds: number, a: Affect): Promise<void> {
  if (!Number.isInteger(seconds) || seconds < 0) throw new TsvirtError('invalid-arg', 'invalid stats period; number must be >= 0');
  await service.runJob(ref, async (entry) => {
    const t = targets(entry, a);
    const noBalloon = () => new TsvirtError('operation-invalid', 'No memory balloon device configured, can not set the collection period');
    if (t.config && (!entry.config.devices.memballoon || entry.config.devices.memballoon.model === 'none')) throw noBalloon();
    if (t.live) {
      const vm = entry.vm!;
      try { requireBalloon(vm.live); } catch { throw noBalloon(); }
      await setStatsPeriod(vm.monitor, vm.live, seconds);
      vm.live.devices.memballoon!.statsPeriod = seconds || undefined;
      await service.persistStatus(entry);
    }
    if (t.config) {
      const def = structuredClone(entry.config);
      def.devices.memballoon!.statsPeriod = seconds || undefined;
      await service.saveDefinition(entry, def);
    }
  });
}
