// Post-parse defaults, as libvirt 9's qemu driver fills them for x86 i440fx and q35
// (checked against `virsh define` + `virsh dumpxml` of libvirt 9.0 with QEMU 7.2).
// Documented choices: disk bus from the target prefix (vd->virtio, sd->scsi, hd->ide,
// fd->fdc, as libvirt); SCSI controllers default to model lsilogic (libvirt's pick on x86);
// NICs default to model rtl8139 and video to cirrus (libvirt's defaults for QEMU 7.2);
// the machine's default CPU model (qemu64) and an <audio type='none'/> are added, as libvirt 9.0 does.
import { osDefaults } from './domain-os-xml.js';
import type { CharDevice, Controller, Domain } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { generateMac } from '../util/mac.js';
import { interfaceDefaults } from './domain-net-validate.js';
import { assignAddresses, assignDriveAddresses, isQ35 } from './domain-addresses.js';
import { implicitControllers, inputDefaults, memballoonDefaults, videoDefaults } from './domain-device-defaults.js';
import { tuningDefaults } from './domain-tuning-xml.js';
import { graphicsAudioDefaults } from './domain-graphics-defaults.js';
import { filesystemDefaults } from './domain-fs-xml.js';
import { memoryBackingDefaults } from './domain-membacking-xml.js';
import { passthroughDefaults } from './domain-passthrough.js';
import { applyDiskDefaults } from './domain-disk-defaults.js';
import { busFromTarget } from './domain-disk-xml.js';

export interface DefaultsCaps {
  arch?: string;
  /** machine type used when the XML names none (e.g. 'pc-i440fx-7.2'); 'pc' otherwise */
  defaultMachine?: string;
  /** emulator path used when the XML names none */
  emulator?: string;
  /** machine aliases to their canonical names, e.g. { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } (libvirt stores the canonical one) */
  canonicalMachines?: Record<string, string>;
  /** where per-domain UEFI variable stores go (<nvram> of a read-only pflash loader), libvirt's nvramDir */
  nvramDir?: string;
}

const VIDEO_VRAM: Record<string, number> = { vga: 16384, cirrus: 16384, bochs: 16384, qxl: 65536 };

/** Returns a copy of `input` with libvirt's defaults, implicit devices and addresses filled in. */
export function applyDomainDefaults(input: Domain, caps: DefaultsCaps = {}): Domain {
  return applyDomainDefaultsInPlace(structuredClone(input), caps);
}

/** applyDomainDefaults on a domain nobody else holds (a fresh parse): no copy, which is most of the cost. */
export function applyDomainDefaultsInPlace(dom: Domain, caps: DefaultsCaps = {}): Domain {
  const os = dom.os;
  os.arch ??= caps.arch ?? 'x86_64';
  os.machine ??= caps.defaultMachine ?? 'pc';
  os.machine = caps.canonicalMachines?.[os.machine] ?? os.machine;
  osDefaults(dom, caps.nvramDir ?? '/var/lib/tsvirt/qemu/nvram');
  defaultCpu(dom);
  if (dom.cpu?.topology) dom.cpu.topology.dies ??= 1;
  const d = dom.devices;
  const deviceBoot = [...d.disks, ...d.interfaces, ...d.hostdevs, ...(d.redirdevs ?? []), ...(d.filesystems ?? [])].some((x) => x.boot);
  if (os.boot.length === 0 && !deviceBoot) os.boot.push('hd');
  dom.currentMemory ??= dom.memory;
  dom.vcpu.placement ??= 'static';
  dom.clock ??= { offset: 'utc', timers: [] };
  dom.onPoweroff ??= 'destroy';
  dom.onReboot ??= 'restart';
  dom.onCrash ??= 'destroy';
  d.emulator ??= caps.emulator ?? `/usr/bin/qemu-system-${os.arch}`;

  for (const disk of d.disks) {
    disk.driver ??= {};
    disk.driver.name ??= 'qemu';
    if (disk.type !== 'volume') disk.driver.type ??= 'raw'; // a volume's format comes from its pool
    if (!disk.target.bus) {
      const bus = busFromTarget(disk.target.dev);
      if (!bus) throw new TsvirtError('xml-error', `cannot infer the bus of disk target '${disk.target.dev}': give <target bus=...>`);
      disk.target.bus = bus;
    }
    applyDiskDefaults(disk, d.disks);
  }
  const macs = new Set(d.interfaces.map((n) => n.mac).filter((m) => m !== ''));
  for (const nic of d.interfaces) {
    if (nic.mac === '') {
      nic.mac = generateMac(undefined, macs);
      macs.add(nic.mac);
    }
    interfaceDefaults(nic);
  }
  charDefaults(dom);
  filesystemDefaults(dom);
  memoryBackingDefaults(dom);
  graphicsAudioDefaults(d);
  videoDefaults(dom);
  inputDefaults(dom);
  memballoonDefaults(dom);
  assignDriveAddresses(dom);
  passthroughDefaults(dom);
  implicitControllers(dom);
  assignAddresses(dom);
  return dom;
}

/**
 * No <cpu> (or a custom one without a model) gets the machine's default model, qemu64 on x86, with
 * checks off (qemuDomainDefSetDefaultCPU): QEMU drops what the host cannot do. Then
 * qemuDomainDefCPUPostParse: host-passthrough becomes migratable (QEMU 7.2 can), and an unset
 * check becomes none (host-passthrough, maximum, custom under TCG) or partial (host-model,
 * custom under KVM). Guest NUMA: vCPUs no cell names go to cell 0 (qemuDomainDefNumaCPUsRectify).
 */
/** The domain runs on qemu-system-i386 (its machines default to qemu32). */
function i386Binary(dom: Domain): boolean {
  const e = dom.devices.emulator;
  return e !== undefined ? /qemu-system-i386$/.test(e) : dom.os.arch === 'i686';
}

function defaultCpu(dom: Domain): void {
  const cpu = dom.cpu;
  if (!cpu || (cpu.mode === 'custom' && !cpu.model)) {
    const name = i386Binary(dom) ? 'qemu32' : 'qemu64';
    dom.cpu = { ...(cpu ?? { features: [] }), mode: 'custom', match: 'exact', check: 'none', model: { name, fallback: 'forbid' } };
  }
  const c = dom.cpu!;
  // qemu-system-i386 reports no 'migratable' CPU property to libvirt, so it writes 'off' there
  if (c.mode === 'host-passthrough') c.migratable ??= !i386Binary(dom);
  if (c.mode === 'custom') c.match ??= 'exact';
  if (c.model && c.mode !== 'host-passthrough' && c.mode !== 'maximum') c.model.fallback ??= 'allow';
  if (c.check === undefined) {
    if (c.mode === 'host-passthrough' || c.mode === 'maximum') c.check = 'none';
    else if (c.mode === 'host-model') c.check = 'partial';
    else c.check = dom.type === 'qemu' ? 'none' : 'partial';
  }
  tuningDefaults(dom);
}

/** Serial target type -> default <model name> (qemuDomainChrDefPostParse, x86). */
const SERIAL_MODEL: Record<string, string> = { 'isa-serial': 'isa-serial', 'usb-serial': 'usb-serial', 'pci-serial': 'pci-serial', 'isa-debug': 'isa-debugcon' };
const MAX_ISA_SERIAL_PORTS = 4;

/** Ports, target types and models of <serial>/<parallel>/<console>/<channel>, then libvirt's
 *  serial <-> console compatibility (virDomainDefAddConsoleCompat). */
function charDefaults(dom: Domain): void {
  const d = dom.devices;
  // explicit isa-serial ports first (virDomainChrIsaSerialDefPostParse), then max+1 for the rest
  const isa = d.serials.filter((s) => s.target?.type === 'isa-serial');
  if (isa.length > MAX_ISA_SERIAL_PORTS || isa.some((s) => (s.target?.port ?? 0) >= MAX_ISA_SERIAL_PORTS)) {
    throw new TsvirtError('internal-error', `Maximum supported number of ISA serial ports is '${MAX_ISA_SERIAL_PORTS}'`);
  }
  const used = new Set<number>();
  for (const s of isa) {
    const p = s.target?.port;
    if (p === undefined) continue;
    if (used.has(p)) throw new TsvirtError('internal-error', `target port '${p}' already allocated`);
    used.add(p);
  }
  for (const s of isa) {
    if (s.target!.port !== undefined) continue;
    let p = 0;
    while (used.has(p)) p++;
    s.target!.port = p;
    used.add(p);
  }
  const nextPort = (list: CharDevice[]) => {
    for (const c of list) {
      c.target ??= {};
      if (c.target.port === undefined) c.target.port = Math.max(-1, ...list.map((o) => o.target?.port ?? -1)) + 1;
    }
  };
  const serialTarget = (s: CharDevice) => {
    s.target ??= {};
    s.target.type ??= 'isa-serial';
    s.target.model ??= SERIAL_MODEL[s.target.type];
  };
  d.serials.forEach(serialTarget);
  nextPort(d.serials);
  if (d.parallels) nextPort(d.parallels);
  // a console's port is its position among the <console>s of the input, whatever it says (libvirt's parser)
  d.consoles.forEach((c, i) => {
    c.target ??= {};
    c.target.type ??= 'serial';
    c.target.port = i;
  });
  if (d.consoles.slice(1).some((c) => c.target?.type === 'serial')) {
    throw new TsvirtError('config-unsupported', 'Only the first console can be a serial port');
  }
  for (const c of d.channels) {
    // a socket path libvirt would generate itself is not kept (qemuDomainChrDefDropDefaultPath)
    const name = c.target?.name;
    const p = c.source?.path;
    if (c.target?.type === 'virtio' && c.type === 'unix' && p !== undefined && name !== undefined &&
        p.endsWith(name) && /domain-[^/]+\/$/.test(p.slice(0, p.length - name.length))) {
      delete c.source!.path;
    }
  }
  for (const c of [...d.serials, ...(d.parallels ?? []), ...d.consoles, ...d.channels]) {
    // a unix socket without a path is created by the driver and listens (the argv builder knows);
    // with a path, or for tcp, the default mode is connect
    if ((c.type === 'unix' && c.source?.path !== undefined) || (c.type === 'tcp' && c.source)) c.source!.mode ??= 'connect';
  }
  const first = d.consoles[0];
  if (first?.target?.type === 'serial') {
    if (d.serials.length === 0) {
      // the console becomes serials[0]; console[0] stays as its alias
      const serial: CharDevice = structuredClone(first);
      serial.target = { port: 0 };
      serialTarget(serial);
      d.serials.push(serial);
    }
  } else if (d.serials.length > 0 && !['pci-serial', 'usb-serial', 'isa-debug'].includes(d.serials[0].target?.type ?? '')) {
    // a stub console for the first serial port (not for pci/usb/isa-debug serials)
    d.consoles.unshift({ type: d.serials[0].type, target: { type: 'serial', port: d.serials[0].target?.port ?? 0 } });
  }
}
