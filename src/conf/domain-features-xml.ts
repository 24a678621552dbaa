// <features>: parse, format and validate as libvirt 9.0 (virDomainFeaturesDefParse,
// virDomainDefFormatFeatures, qemuValidateDomainDefFeatures). Output order is libvirt's
// feature enum order, whatever the input order.
import type { Domain, DomainFeatures, OnOff } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { TsvirtError } from '../util/errors.js';
import { el, raw, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { parseScaledBytes } from '../util/units.js';

const HYPERV = ['relaxed', 'vapic', 'spinlocks', 'vpindex', 'runtime', 'synic', 'stimer', 'reset', 'vendor_id', 'frequencies', 'reenlightenment', 'tlbflush', 'ipi', 'evmcs', 'avic'];
const KVM = ['hidden', 'hint-dedicated', 'poll-control', 'pv-ipi', 'dirty-ring'];
/** Features libvirt parses that belong to other architectures (pSeries, ARM) or hypervisors (Xen, LXC). */
const FOREIGN = ['gic', 'hpt', 'htm', 'nested-hv', 'ccf-assist', 'cfpc', 'sbbc', 'ibs'];
const PROCESS_CAPS = ['audit_control', 'audit_write', 'block_suspend', 'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'ipc_lock', 'ipc_owner', 'kill', 'lease', 'linux_immutable', 'mac_admin', 'mac_override', 'mknod', 'net_admin', 'net_bind_service', 'net_broadcast', 'net_raw', 'setgid', 'setfcap', 'setpcap', 'setuid', 'sys_admin', 'sys_boot', 'sys_chroot', 'sys_module', 'sys_nice', 'sys_pacct', 'sys_ptrace', 'sys_rawio', 'sys_resource', 'sys_time', 'sys_tty_config', 'syslog', 'wake_alarm'];
const ON_OFF = ['on', 'off'] as const;

function state(x: XmlElement, required: boolean): OnOff | undefined {
  return required ? x.reqEnumAttr('state', ON_OFF) : x.enumAttr('state', ON_OFF);
}

function parseHyperv(x: XmlElement): NonNullable<DomainFeatures['hyperv']> {
  const hv: NonNullable<DomainFeatures['hyperv']> = { mode: x.enumAttr('mode', ['custom', 'passthrough'] as const) ?? 'custom', features: [] };
  const byName = new Map<string, NonNullable<DomainFeatures['hyperv']>['features'][number]>();
  for (const c of x.allChildren()) {
    if (!HYPERV.includes(c.name)) throw c.error(`unsupported HyperV Enlightenment feature: ${c.name}`);
    const f: NonNullable<DomainFeatures['hyperv']>['features'][number] = { name: c.name, state: state(c, true)! };
    if (f.state === 'on') {
      if (c.name === 'spinlocks') {
        f.retries = c.reqIntAttr('retries', { min: 0 });
        if (f.retries < 0xfff) throw c.error('HyperV spinlock retry count must be at least 4095');
      } else if (c.name === 'vendor_id') {
        const v = c.attr('value');
        if (v === undefined) throw c.error("missing 'value' attribute for HyperV feature 'vendor_id'");
        if (v.length > 12) throw c.error('HyperV vendor_id value must not be more than 12 characters.');
        if (v.includes(',')) throw c.error('HyperV vendor_id value is invalid');
        f.value = v;
      } else if (c.name === 'stimer') {
        for (const d of c.allChildren()) {
          if (d.name !== 'direct') throw d.error(`unsupported Hyper-V stimer feature: ${d.name}`);
          f.direct = state(d, true);
        }
      }
    } else {
      // libvirt ignores the details of a switched-off enlightenment
      c.attr('retries');
      c.attr('value');
      c.allChildren().forEach((d) => d.attr('state'));
    }
    byName.set(c.name, f);
  }
  hv.features = HYPERV.filter((n) => byName.has(n)).map((n) => byName.get(n)!);
  return hv;
}

function parseKvm(x: XmlElement): NonNullable<DomainFeatures['kvm']> {
  const byName = new Map<string, NonNullable<DomainFeatures['kvm']>[number]>();
  for (const c of x.allChildren()) {
    if (!KVM.includes(c.name)) throw c.error(`unsupported KVM feature: ${c.name}`);
    const f: NonNullable<DomainFeatures['kvm']>[number] = { name: c.name, state: state(c, true)! };
    if (c.name === 'dirty-ring' && f.state === 'on') {
      const size = c.reqIntAttr('size', { min: 0 });
      if ((size & (size - 1)) !== 0 || size < 1024 || size > 65536) throw c.error('dirty ring must be power of 2 and ranges [1024, 65536]');
      f.size = size;
    } else c.attr('size');
    byName.set(c.name, f);
  }
  return KVM.filter((n) => byName.has(n)).map((n) => byName.get(n)!);
}

/** Consumes a foreign feature's attributes/children so the strict reader accepts it; validation refuses it. */
function consumeForeign(x: XmlElement): void {
  for (const a of ['state', 'value', 'version', 'resizing', 'policy']) x.attr(a);
  for (const c of x.allChildren()) {
    c.attr('state');
    c.attr('mode');
    c.attr('unit');
    c.text();
  }
}

export function parseFeatures(x: XmlElement): DomainFeatures {
  const f: DomainFeatures = {};
  for (const c of x.allChildren()) {
    switch (c.name) {
      case 'acpi': case 'pae': case 'viridian': case 'privnet':
        f[c.name] = true;
        break;
      case 'apic': {
        f.apic = true;
        const eoi = c.enumAttr('eoi', ON_OFF);
        if (eoi) f.apicEoi = eoi;
        break;
      }
      case 'hap': case 'pmu': case 'pvspinlock': case 'vmport': case 'vmcoreinfo':
        f[c.name] = state(c, false) ?? 'on';
        break;
      case 'smm': {
        const st = state(c, false) ?? 'on';
        f.smm = { state: st };
        const tseg = c.child('tseg');
        if (tseg && st === 'on') {
          let bytes: bigint;
          try {
            bytes = parseScaledBytes(tseg.text(), tseg.attr('unit'), '<tseg>', 'MiB');
          } catch (e) {
            throw tseg.error((e as Error).message);
          }
          f.smm.tseg = Number(bytes);
        } else if (tseg) {
          tseg.attr('unit');
          tseg.text();
        }
        break;
      }
      case 'ioapic': {
        const d = c.enumAttr('driver', ['qemu', 'kvm'] as const);
        if (d) f.ioapic = d;
        break;
      }
      case 'msrs':
        f.msrs = c.reqEnumAttr('unknown', ['ignore', 'fault'] as const);
        break;
      case 'hyperv':
        f.hyperv = parseHyperv(c);
        break;
      case 'kvm':
        f.kvm = parseKvm(c);
        break;
      case 'tcg': {
        const tb = c.child('tb-cache');
        if (tb) {
          let bytes: bigint;
          try {
            bytes = parseScaledBytes(tb.text(), tb.attr('unit'), '<tb-cache>', 'KiB');
          } catch (e) {
            throw tb.error((e as Error).message);
          }
          const kib = Number((bytes + 1023n) / 1024n);
          if (kib > 0) f.tcg = { tbCache: kib };
        }
        break;
      }
      case 'xen': {
        const byName = new Map<string, NonNullable<DomainFeatures['xen']>[number]>();
        for (const k of c.allChildren()) {
          if (k.name !== 'e820_host' && k.name !== 'passthrough') throw k.error(`unsupported Xen feature: ${k.name}`);
          const xf: NonNullable<DomainFeatures['xen']>[number] = { name: k.name, state: state(k, true)! };
          const mode = k.enumAttr('mode', ['default', 'sync_pt', 'share_pt'] as const);
          if (k.name === 'passthrough' && xf.state === 'on' && mode && mode !== 'default') xf.mode = mode;
          byName.set(k.name, xf);
        }
        f.xen = (['e820_host', 'passthrough'] as const).filter((n) => byName.has(n)).map((n) => byName.get(n)!);
        break;
      }
      case 'capabilities': {
        const byName = new Map<string, OnOff>();
        for (const k of c.allChildren()) {
          if (!PROCESS_CAPS.includes(k.name)) throw k.error(`unexpected capability feature '${k.name}'`);
          byName.set(k.name, state(k, false) ?? 'on');
        }
        f.capabilities = {
          policy: c.enumAttr('policy', ['default', 'allow', 'deny'] as const) ?? 'default',
          caps: PROCESS_CAPS.filter((n) => byName.has(n)).map((name) => ({ name, state: byName.get(name)! })),
        };
        break;
      }
      default:
        if (!FOREIGN.includes(c.name)) throw c.error(`unexpected feature '${c.name}'`);
        consumeForeign(c);
        (f.foreign ??= []).push(c.name);
    }
  }
  return f;
}

/** virFormatIntPretty: the largest binary unit that divides the byte count exactly. */
function prettyBytes(bytes: number): [number, string] {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (i < units.length - 1 && bytes !== 0 && bytes % 1024 === 0) {
    bytes /= 1024;
    i++;
  }
  return [bytes, units[i]];
}

export function formatFeatures(f: DomainFeatures): XmlNode | undefined {
  const st = (name: string, v: OnOff | undefined) => v && el(name, { state: v });
  const smm = f.smm;
  const tseg = smm?.state === 'on' && smm.tseg !== undefined ? prettyBytes(smm.tseg) : undefined;
  const children: XmlChild[] = [
    f.acpi && el('acpi'),
    f.apic && el('apic', { eoi: f.apicEoi }),
    f.pae && el('pae'),
    st('hap', f.hap),
    f.viridian && el('viridian'),
    f.privnet && el('privnet'),
    // libvirt always writes <hyperv> and <kvm> with an end tag, even with no children
    f.hyperv && f.hyperv.features.length === 0 && raw(`<hyperv mode='${f.hyperv.mode}'>\n</hyperv>`),
    f.hyperv && f.hyperv.features.length > 0 && el('hyperv', { mode: f.hyperv.mode }, f.hyperv.features.map((h) => {
      const on = h.state === 'on';
      return el(h.name, { state: h.state, retries: on ? h.retries : undefined, value: on ? h.value : undefined },
        on && h.direct === 'on' ? [el('direct', { state: 'on' })] : undefined);
    })),
    f.kvm && f.kvm.length === 0 && raw('<kvm>\n</kvm>'),
    f.kvm && f.kvm.length > 0 && el('kvm', {}, f.kvm.map((k) => el(k.name, { state: k.state, size: k.state === 'on' ? k.size : undefined }))),
    st('pvspinlock', f.pvspinlock),
    f.capabilities && (f.capabilities.policy !== 'default' || f.capabilities.caps.length > 0) &&
      el('capabilities', { policy: f.capabilities.policy }, f.capabilities.caps.map((k) => el(k.name, { state: k.state }))),
    st('pmu', f.pmu),
    st('vmport', f.vmport),
    smm && el('smm', { state: smm.state }, tseg ? [el('tseg', { unit: tseg[1] }, String(tseg[0]))] : undefined),
    f.ioapic && el('ioapic', { driver: f.ioapic }),
    st('vmcoreinfo', f.vmcoreinfo),
    f.msrs && el('msrs', { unknown: f.msrs }),
    f.xen && f.xen.length === 0 && raw('<xen>\n</xen>'),
    f.xen && f.xen.length > 0 && el('xen', {}, f.xen.map((k) => el(k.name, { state: k.state, mode: k.mode }))),
    f.tcg && el('tcg', {}, [el('tb-cache', { unit: 'KiB' }, String(f.tcg.tbCache))]),
  ];
  const kids = children.filter(Boolean);
  return kids.length ? el('features', {}, kids) : undefined;
}

export function hasFeatures(f: DomainFeatures): boolean {
  return formatFeatures(f) !== undefined;
}

/** qemuValidateDomainDefFeatures for x86_64. */
export function validateFeatures(dom: Domain): void {
  const f = dom.features;
  const arch = dom.os.arch ?? 'x86_64';
  for (const name of f.foreign ?? []) {
    throw new TsvirtError('config-unsupported', `The '${name}' feature is not supported for architecture '${arch}' or machine type '${dom.os.machine ?? ''}'`);
  }
  // qemuValidateDomainDef: on x86, UEFI requires ACPI
  if ((dom.os.firmware === 'efi' || dom.os.loader?.type === 'pflash') && !f.acpi) {
    throw new TsvirtError('config-unsupported', 'UEFI requires ACPI on this architecture');
  }
  // qemuValidateDomainDefFeatures: a TSEG size needs q35's MCH and whole MiB
  if (f.smm?.state === 'on' && f.smm.tseg !== undefined) {
    if (!/q35/.test(dom.os.machine ?? '')) throw new TsvirtError('config-unsupported', 'SMM TSEG is only supported with q35 machine type');
    if (f.smm.tseg % (1 << 20) !== 0) throw new TsvirtError('config-unsupported', 'SMM TSEG size must be divisible by 1 MiB');
  }
  if (f.tcg && dom.type !== 'qemu') throw new TsvirtError('config-unsupported', `TCG features are incompatible with domain type '${dom.type}'`);
  if (f.tcg && f.tcg.tbCache % 1024 !== 0) throw new TsvirtError('config-unsupported', 'tb-cache size must be an integer multiple of MiB');
}
