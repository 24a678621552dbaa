// `virsh capabilities` and `virsh domcapabilities` documents in libvirt's layout
// (formatcaps.html, formatdomaincaps.html). Inputs are plain data so conf stays
// independent of the QEMU driver that probes them.
import { el, renderXml, textEl, type XmlChild, type XmlNode } from '../util/xml-writer.js';

export interface HostCpuTopology {
  sockets: number;
  dies?: number;
  cores: number;
  threads: number;
}

export interface HostCapsInput {
  uuid: string;
  arch: string;
  cpuModel?: string;
  cpuVendor?: string;
  cpuFeatures?: string[];
  topology?: HostCpuTopology;
  /** host memory in KiB and logical CPU count, for the NUMA cell */
  memoryKiB?: number;
  cpus?: number;
  iommu?: boolean;
}

export interface GuestMachine {
  name: string;
  canonical?: string;
  maxCpus?: number;
  deprecated?: boolean;
}

export interface GuestCapsInput {
  arch: string;
  wordsize: number;
  emulator: string;
  machines: GuestMachine[];
  domainTypes: Array<'qemu' | 'kvm'>;
}

export function formatCapabilitiesXml(host: HostCapsInput, guests: GuestCapsInput[]): string {
  return renderXml(el('capabilities', {}, [formatHost(host), ...guests.map(formatGuest)]));
}

function formatHost(h: HostCapsInput): XmlNode {
  const t = h.topology;
  const cpus = h.cpus ?? (t ? t.sockets * (t.dies ?? 1) * t.cores * t.threads : undefined);
  return el('host', {}, [
    textEl('uuid', h.uuid),
    el('cpu', {}, [
      textEl('arch', h.arch),
      textEl('model', h.cpuModel),
      textEl('vendor', h.cpuVendor),
      t && el('topology', { sockets: t.sockets, dies: t.dies ?? 1, cores: t.cores, threads: t.threads }),
      ...(h.cpuFeatures ?? []).map((name) => el('feature', { name })),
    ]),
    el('power_management'),
    h.iommu !== undefined && el('iommu', { support: h.iommu }),
    el('migration_features', {}, [el('live'), el('uri_transports', {}, [textEl('uri_transport', 'tcp')])]),
    h.memoryKiB !== undefined && cpus !== undefined && el('topology', {}, [
      el('cells', { num: 1 }, [
        el('cell', { id: 0 }, [
          textEl('memory', h.memoryKiB, { unit: 'KiB' }),
          el('cpus', { num: cpus }, Array.from({ length: cpus }, (_, i) => el('cpu', { id: i }))),
        ]),
      ]),
    ]),
    el('secmodel', {}, [textEl('model', 'none'), textEl('doi', '0')]),
  ]);
}

function formatGuest(g: GuestCapsInput): XmlNode {
  return el('guest', {}, [
    textEl('os_type', 'hvm'),
    el('arch', { name: g.arch }, [
      textEl('wordsize', g.wordsize),
      textEl('emulator', g.emulator),
      ...g.machines.map((m) => el('machine', { canonical: m.canonical, maxCpus: m.maxCpus, deprecated: m.deprecated ? 'yes' : undefined }, m.name)),
      ...g.domainTypes.map((type) => el('domain', { type })),
    ]),
    el('features', {}, [
      g.arch === 'i686' && el('pae'),
      g.arch === 'i686' && el('nonpae'),
      el('acpi', { default: 'on', toggle: 'yes' }),
      el('apic', { default: 'on', toggle: 'no' }),
      el('cpuselection'),
      el('deviceboot'),
      el('disksnapshot', { default: 'on', toggle: 'no' }),
    ]),
  ]);
}

export interface CpuModelInfo {
  name: string;
  usable: 'yes' | 'no' | 'unknown';
  vendor?: string;
}

export interface DomainCapsInput {
  path: string;
  domain: 'qemu' | 'kvm';
  machine: string;
  arch: string;
  maxVcpus: number;
  firmwares?: Array<'bios' | 'efi'>;
  loaders?: string[];
  hostPassthrough: boolean;
  maximum: boolean;
  hostModel?: { model: string; vendor?: string; features?: Array<{ policy: string; name: string }> };
  cpuModels: CpuModelInfo[];
  diskDevices: string[];
  diskBuses: string[];
  graphicsTypes: string[];
  videoModels: string[];
  hostdevSubsysTypes: string[];
  rngModels: string[];
  rngBackends: string[];
  features?: { vmcoreinfo?: boolean; genid?: boolean; sev?: boolean };
}

const enumEl = (name: string, values: string[]): XmlNode => el('enum', { name }, values.map((v) => textEl('value', v)));
const supported = (b: boolean) => (b ? 'yes' : 'no');

export function formatDomainCapabilitiesXml(c: DomainCapsInput): string {
  const hm = c.hostModel;
  const children: XmlChild[] = [
    textEl('path', c.path),
    textEl('domain', c.domain),
    textEl('machine', c.machine),
    textEl('arch', c.arch),
    el('vcpu', { max: c.maxVcpus }),
    el('iothreads', { supported: 'yes' }),
    el('os', { supported: 'yes' }, [
      enumEl('firmware', c.firmwares ?? []),
      el('loader', { supported: 'yes' }, [
        ...(c.loaders ?? []).map((p) => textEl('value', p)),
        enumEl('type', ['rom', 'pflash']),
        enumEl('readonly', ['yes', 'no']),
        enumEl('secure', ['no']),
      ]),
    ]),
    el('cpu', {}, [
      el('mode', { name: 'host-passthrough', supported: supported(c.hostPassthrough) }),
      el('mode', { name: 'maximum', supported: supported(c.maximum) }, c.maximum ? [enumEl('maximumMigratable', ['on', 'off'])] : undefined),
      el('mode', { name: 'host-model', supported: supported(hm !== undefined) }, hm && [
        textEl('model', hm.model, { fallback: 'forbid' }),
        textEl('vendor', hm.vendor),
        ...(hm.features ?? []).map((f) => el('feature', { policy: f.policy, name: f.name })),
      ]),
      el('mode', { name: 'custom', supported: supported(c.cpuModels.length > 0) },
        c.cpuModels.map((m) => textEl('model', m.name, { usable: m.usable, vendor: m.vendor ?? 'unknown' }))),
    ]),
    el('devices', {}, [
      el('disk', { supported: 'yes' }, [enumEl('diskDevice', c.diskDevices), enumEl('bus', c.diskBuses)]),
      el('graphics', { supported: supported(c.graphicsTypes.length > 0) }, [enumEl('type', c.graphicsTypes)]),
      el('video', { supported: 'yes' }, [enumEl('modelType', c.videoModels)]),
      el('hostdev', { supported: supported(c.hostdevSubsysTypes.length > 0) }, [
        enumEl('mode', ['subsystem']),
        enumEl('startupPolicy', ['default', 'mandatory', 'requisite', 'optional']),
        enumEl('subsysType', c.hostdevSubsysTypes),
        enumEl('capsType', []),
        enumEl('pciBackend', c.hostdevSubsysTypes.includes('pci') ? ['vfio'] : []),
      ]),
      el('rng', { supported: supported(c.rngModels.length > 0) }, [enumEl('model', c.rngModels), enumEl('backendModel', c.rngBackends)]),
    ]),
    el('features', {}, [
      el('gic', { supported: 'no' }),
      el('vmcoreinfo', { supported: supported(c.features?.vmcoreinfo ?? false) }),
      el('genid', { supported: supported(c.features?.genid ?? false) }),
      el('sev', { supported: supported(c.features?.sev ?? false) }),
    ]),
  ];
  return renderXml(el('domainCapabilities', {}, children));
}
