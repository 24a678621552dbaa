// <features> and paravirtual <clock> timers on the QEMU command line, as qemu_command.c:
// -machine vmport/smm/kernel_irqchip, -accel tb-size, and the -cpu flags (kvmclock, hv-*, kvm-*, pmu).
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';

type Pairs = Array<[string, string | undefined]>;
const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** -machine properties from <features>. */
export function featureMachineProps(dom: Domain): Pairs {
  const f = dom.features;
  return [
    ['vmport', f.vmport],
    ['smm', f.smm?.state],
    ['kernel_irqchip', f.ioapic === 'qemu' ? 'split' : f.ioapic === 'kvm' ? 'on' : undefined],
  ];
}

/** -global properties from <features> (SMM's TSEG size on q35). */
export function featureGlobals(dom: Domain): string[] {
  const tseg = dom.features.smm?.state === 'on' ? dom.features.smm.tseg : undefined;
  if (tseg === undefined) return [];
  if (tseg % (1024 * 1024) !== 0) throw unsupported('SMM TSEG size must be divisible by 1 MiB');
  return [`mch.extended-tseg-mbytes=${tseg / (1024 * 1024)}`];
}

/** -accel options: TCG translation cache size, KVM dirty ring. */
export function accelProps(dom: Domain, ctx: ArgvContext): Pairs {
  const f = dom.features;
  if (ctx.accel === 'tcg') return [['tb-size', f.tcg ? String(f.tcg.tbCache / 1024) : undefined]];
  const ring = f.kvm?.find((k) => k.name === 'dirty-ring' && k.state === 'on');
  return [['dirty-ring-size', ring?.size !== undefined ? String(ring.size) : undefined]];
}

/** The -cpu flags libvirt appends after the model and its <feature>s, in libvirt's order. */
export function cpuFeatureFlags(dom: Domain, accel: ArgvContext['accel'] = 'kvm'): Pairs {
  const out: Pairs = [];
  for (const t of dom.clock?.timers ?? []) {
    if (t.name === 'kvmclock' && t.present !== undefined) out.push(['kvmclock', t.present ? 'on' : 'off']);
    if (t.name === 'hypervclock' && t.present === true) out.push(['hv-time', 'on']);
    if (t.name === 'tsc' && t.frequency) out.push(['tsc-frequency', String(t.frequency)]);
  }
  const f = dom.features;
  if (f.apicEoi) out.push(['kvm-pv-eoi', f.apicEoi]);
  if (f.pvspinlock) out.push(['kvm-pv-unhalt', f.pvspinlock]);
  if (f.hyperv) {
    if (f.hyperv.mode === 'passthrough') out.push(['hv-passthrough', 'on']);
    for (const h of f.hyperv.features) {
      if (h.state !== 'on') continue;
      if (h.name === 'spinlocks') out.push(['hv-spinlocks', `0x${(h.retries ?? 0).toString(16)}`]);
      else if (h.name === 'vendor_id') out.push(['hv-vendor-id', h.value]);
      else {
        // QEMU sets the VP index only through KVM ("kernel doesn't allow setting HyperV VP_INDEX" under TCG)
        if (h.name === 'vpindex' && accel === 'tcg') throw unsupported("Hyper-V enlightenment 'vpindex' needs KVM; it cannot be used with <domain type='qemu'> (TCG)");
        out.push([`hv-${h.name}`, 'on']);
        if (h.name === 'stimer' && h.direct === 'on') out.push(['hv-stimer-direct', 'on']);
      }
    }
  }
  for (const k of f.kvm ?? []) {
    if (k.name === 'hidden' && k.state === 'on') out.push(['kvm', 'off']);
    if (k.name === 'hint-dedicated' && k.state === 'on') out.push(['kvm-hint-dedicated', 'on']);
    if (k.name === 'poll-control' && k.state === 'on') out.push(['kvm-poll-control', 'on']);
    if (k.name === 'pv-ipi' && k.state === 'off') out.push(['kvm-pv-ipi', 'off']);
  }
  if (f.pmu) out.push(['pmu', f.pmu]);
  return out;
}
