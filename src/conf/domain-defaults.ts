// Post-parse defaults, as libvirt 9's qemu driver fills them for x86 i440fx and q35
// (checked against `virsh define` + `virsh dumpxml` of libvirt 9.0 with QEMU 7.2).
// Documented choices: disk bus from the target prefix (vd->virtio, sd->scsi, hd->ide,
// fd->fdc, as libvirt); SCSI controllers default to model lsilogic (libvirt's pick on x86);
// NICs default to model rtl8139 and video to cirrus (libvirt's defaults for QEMU 7.2);
// the machine's default CPU model (qemu64) and an <audio type='none'/> are added, as libvirt 9.0 does.
import type { CharDevice, Controller, Domain, Disk } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { generateMac } from '../util/mac.js';
import { assignAddresses, assignDriveAddresses, isQ35 } from './domain-addresses.js';

export interface DefaultsCaps {
  arch?: string;
  /** machine type used when the XML names none (e.g. 'pc-i440fx-7.2'); 'pc' otherwise */
  defaultMachine?: string;
  /** emulator path used when the XML names none */
  emulator?: string;
  /** machine aliases to their canonical names, e.g. { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } (libvirt stores the canonical one) */
  canonicalMachines?: Record<string, string>;
}

const BUS_BY_PREFIX: Array<[string, Disk['target']['bus']]> = [['vd', 'virtio'], ['sd', 'scsi'], ['hd', 'ide'], ['fd', 'fdc']];
const VIDEO_VRAM: Record<string, number> = { vga: 16384, cirrus: 16384, bochs: 16384, qxl: 65536 };

/** Returns a copy of `input` with libvirt's defaults, implicit devices and addresses filled in. */
export function applyDomainDefaults(input: Domain, caps: DefaultsCaps = {}): Domain {
  const dom = structuredClone(input);
  const os = dom.os;
  os.arch ??= caps.arch ?? 'x86_64';
  os.machine ??= caps.defaultMachine ?? 'pc';
  os.machine = caps.canonicalMachines?.[os.machine] ?? os.machine;
  defaultCpu(dom);
  if (dom.cpu?.topology) dom.cpu.topology.dies ??= 1;
  const d = dom.devices;
  const deviceBoot = [...d.disks, ...d.interfaces, ...d.hostdevs].some((x) => x.boot);
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
    disk.driver.type ??= 'raw';
    if (!disk.target.bus) {
      const bus = BUS_BY_PREFIX.find(([p]) => disk.target.dev.startsWith(p))?.[1];
      if (!bus) throw new TsvirtError('xml-error', `cannot infer the bus of disk target '${disk.target.dev}': give <target bus=...>`);
      disk.target.bus = bus;
    }
  }
  const macs = new Set(d.interfaces.map((n) => n.mac).filter((m) => m !== ''));
  for (const nic of d.interfaces) {
    if (nic.mac === '') {
      nic.mac = generateMac(undefined, macs);
      macs.add(nic.mac);
    }
    nic.model ??= 'rtl8139';
  }
  charDefaults(dom);
  for (const g of d.graphics) {
    if (g.port === undefined || g.port === -1) {
      g.port = -1;
      g.autoport ??= true;
    } else g.autoport ??= false;
    if (g.listens.length === 0) g.listens.push(g.listen !== undefined ? { type: 'address', address: g.listen } : { type: 'address' });
    const first = g.listens[0];
    if (g.listen === undefined && first.type === 'address' && first.address !== undefined) g.listen = first.address;
  }
  if (d.graphics.length > 0 && d.videos.length === 0) d.videos.push({ model: { type: 'cirrus' } });
  d.videos.forEach((v, i) => {
    if (v.model.type === 'none') return;
    const vram = VIDEO_VRAM[v.model.type];
    if (vram !== undefined) v.model.vram ??= vram;
    if (v.model.type === 'qxl') {
      v.model.ram ??= 65536;
      v.model.vgamem ??= 16384;
    }
    v.model.heads ??= 1;
    if (i === 0) v.model.primary ??= true;
  });
  for (const type of ['mouse', 'keyboard'] as const) {
    if (!d.inputs.some((x) => x.type === type && x.bus === 'ps2')) d.inputs.push({ type, bus: 'ps2' });
  }
  d.memballoon ??= { model: 'virtio' };
  if (!d.audios?.length) d.audios = [{ id: 1, type: 'none' }];
  assignDriveAddresses(dom);
  implicitControllers(dom);
  assignAddresses(dom);
  return dom;
}

/**
 * No <cpu> (or a custom one without a model) gets the machine's default model, qemu64 on x86, with
 * checks off (qemuDomainDefSetDefaultCPU): QEMU drops what the host cannot do.
 */
function defaultCpu(dom: Domain): void {
  const cpu = dom.cpu;
  if (cpu && (cpu.mode !== 'custom' || cpu.model)) return;
  dom.cpu = { ...(cpu ?? { features: [] }), mode: 'custom', match: 'exact', check: 'none', model: { name: 'qemu64', fallback: 'forbid' } };
}

/** serial <-> console compatibility and target defaults (virDomainDefAddConsoleCompat). */
function charDefaults(dom: Domain): void {
  const d = dom.devices;
  const first = d.consoles[0];
  if (first) {
    first.target ??= {};
    first.target.type ??= 'serial';
    if (first.target.type === 'serial' && d.serials.length === 0) {
      const serial: CharDevice = { type: first.type, target: {} };
      if (first.source) serial.source = structuredClone(first.source);
      d.serials.push(serial);
    }
  }
  d.serials.forEach((s, i) => {
    s.target ??= {};
    s.target.type ??= 'isa-serial';
    s.target.port ??= i;
    if (s.target.type === 'isa-serial') s.target.model ??= 'isa-serial';
  });
  if (d.consoles.length === 0 && d.serials.length > 0) {
    const s = d.serials[0];
    const console: CharDevice = { type: s.type, target: { type: 'serial', port: 0 } };
    if (s.source) console.source = structuredClone(s.source);
    d.consoles.push(console);
  }
  d.consoles.forEach((c, i) => {
    c.target ??= {};
    c.target.type ??= 'serial';
    c.target.port ??= i;
  });
}

/** Controllers libvirt adds without being asked, in the order it adds them. */
function implicitControllers(dom: Domain): void {
  const q35 = isQ35(dom);
  const list = dom.devices.controllers;
  const has = (type: Controller['type'], index: number) => list.some((c) => c.type === type && c.index === index);
  const add = (c: Controller) => {
    if (!has(c.type, c.index)) list.push(c);
  };
  add({ type: 'usb', index: 0, model: q35 ? 'qemu-xhci' : 'piix3-uhci' });
  if (q35) add({ type: 'sata', index: 0 });
  add({ type: 'pci', index: 0, model: q35 ? 'pcie-root' : 'pci-root' });
  // disk controllers: one per controller index the (drive) addresses need
  for (const bus of ['scsi', 'fdc', 'ide', 'sata'] as const) {
    for (const disk of dom.devices.disks) {
      if (disk.target.bus !== bus) continue;
      const idx = disk.address?.type === 'drive' ? disk.address.controller : 0;
      for (let i = 0; i <= idx; i++) add(bus === 'scsi' ? { type: bus, index: i, model: 'lsilogic' } : { type: bus, index: i });
    }
  }
  const virtioChar = [...dom.devices.channels, ...dom.devices.consoles].some((c) => c.target?.type === 'virtio');
  if (virtioChar) add({ type: 'virtio-serial', index: 0 });
  for (const c of list) {
    if (c.type === 'scsi') c.model ??= 'lsilogic';
    if (c.type === 'usb' && c.index === 0) c.model ??= q35 ? 'qemu-xhci' : 'piix3-uhci';
    if (c.type === 'pci' && c.index === 0) c.model ??= q35 ? 'pcie-root' : 'pci-root';
    if (c.model === 'pcie-root-port') c.modelName ??= 'pcie-root-port';
  }
}
