// What this QEMU offers to a domain, in the shapes conf/capabilities-xml.ts formats
// (virsh capabilities' <guest> and virsh domcapabilities).
import type { DomainCapsInput, GuestCapsInput } from '../conf/capabilities-xml.js';
import { TsvirtError } from '../util/errors.js';
import type { QemuCaps } from './caps-types.js';
import { defaultMachine, findMachine } from './caps.js';

const WORDSIZE: Record<string, number> = { x86_64: 64, i686: 32, aarch64: 64 };

export function guestCapsOf(caps: QemuCaps): GuestCapsInput {
  return {
    arch: caps.arch,
    wordsize: WORDSIZE[caps.arch] ?? 64,
    emulator: caps.binary,
    // the default machine first, as libvirt lists it: clients (virt-install) take the first one
    machines: [...caps.machines].sort((a, b) => Number(b.isDefault === true) - Number(a.isDefault === true)).flatMap((m) => [
      { name: m.name, maxCpus: m.cpuMax, deprecated: m.deprecated },
      ...(m.alias ? [{ name: m.alias, canonical: m.name, maxCpus: m.cpuMax }] : []),
    ]),
    domainTypes: caps.accels.kvm ? ['qemu', 'kvm'] : ['qemu'],
  };
}

/** Present only when the binary has the device that implements it. */
function available(caps: QemuCaps, table: Array<[string, string]>): string[] {
  const devices = new Set(caps.devices);
  return table.filter(([, dev]) => devices.has(dev)).map(([name]) => name);
}

export function domainCapsOf(caps: QemuCaps, opts: { arch?: string; machine?: string; virttype?: string }): DomainCapsInput {
  if (opts.arch && opts.arch !== caps.arch) {
    throw new TsvirtError('config-unsupported', `emulator '${caps.binary}' does not support arch '${opts.arch}'`);
  }
  const virttype = opts.virttype === 'kvm' ? 'kvm' : 'qemu';
  if (virttype === 'kvm' && !caps.accels.kvm) {
    throw new TsvirtError('config-unsupported', `KVM is not usable on this host: ${caps.accels.kvmReason ?? 'unknown reason'}`);
  }
  const machineName = opts.machine ?? defaultMachine(caps) ?? 'pc';
  const machine = findMachine(caps, machineName);
  if (!machine) throw new TsvirtError('config-unsupported', `emulator '${caps.binary}' does not support machine type '${machineName}'`);
  return {
    path: caps.binary,
    domain: virttype,
    machine: machine.name,
    arch: caps.arch,
    maxVcpus: machine.cpuMax ?? 255,
    firmwares: [],
    loaders: [],
    hostPassthrough: virttype === 'kvm',
    maximum: true,
    cpuModels: caps.cpuModels.map((name) => ({ name, usable: virttype === 'qemu' ? 'yes' : 'unknown' })),
    diskDevices: ['disk', 'cdrom'],
    diskBuses: available(caps, [['ide', 'ide-hd'], ['scsi', 'scsi-hd'], ['virtio', 'virtio-blk-pci'], ['usb', 'usb-storage'], ['sata', 'ahci']]),
    graphicsTypes: ['vnc'],
    videoModels: available(caps, [['vga', 'VGA'], ['cirrus', 'cirrus-vga'], ['virtio', 'virtio-vga'], ['qxl', 'qxl-vga'], ['bochs', 'bochs-display'], ['ramfb', 'ramfb']]).concat('none'),
    hostdevSubsysTypes: available(caps, [['pci', 'vfio-pci']]),
    rngModels: available(caps, [['virtio', 'virtio-rng-pci']]),
    rngBackends: ['random', 'builtin'],
    features: { vmcoreinfo: caps.devices.includes('vmcoreinfo'), genid: caps.devices.includes('vmgenid') },
  };
}
