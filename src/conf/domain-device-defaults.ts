// Post-parse defaults of controllers, video, input and memballoon, as libvirt 9.0's qemu driver
// fills them on x86 (virDomainControllerInsert order, qemuDomainDefAddDefaultDevices,
// qemuDomainControllerDefPostParse, qemuDomainDeviceVideoDefPostParse, virDomainVideoDefaultRAM).
import type { Controller, Domain } from './domain-types.js';
import { isQ35 } from './domain-addresses.js';
import { TsvirtError } from '../util/errors.js';

const VIDEO_VRAM: Record<string, number> = { vga: 16384, cirrus: 16384, vmvga: 16384, bochs: 16384, xen: 4096, qxl: 65536 };

/** libvirt moves the primary video first (while parsing), then the first one is primary. */
export function videoDefaults(dom: Domain): void {
  const d = dom.devices;
  const primary = d.videos.findIndex((v) => v.model.primary);
  if (primary > 0) d.videos.unshift(...d.videos.splice(primary, 1));
  if (d.graphics.length > 0 && d.videos.length === 0) d.videos.push({ model: { type: 'cirrus' } });
  d.videos.forEach((v, i) => {
    if (v.model.type === 'none') return;
    const vram = VIDEO_VRAM[v.model.type];
    if (vram !== undefined && !v.model.vram) v.model.vram = vram;
    if (v.model.type === 'qxl') {
      if (!v.model.ram) v.model.ram = 65536;
      v.model.vgamem ??= 16384;
    }
    // virDomainVideoDefPostParse rounds both up to a power of two
    if (v.model.ram) v.model.ram = pow2(v.model.ram);
    if (v.model.vram) v.model.vram = pow2(v.model.vram);
    v.model.heads ??= 1;
    if (i === 0) v.model.primary ??= true;
  });
}

/** The PS/2 mouse and keyboard every x86 machine has. */
export function inputDefaults(dom: Domain): void {
  const d = dom.devices;
  for (const type of ['mouse', 'keyboard'] as const) {
    if (!d.inputs.some((x) => x.type === type && x.bus === 'ps2')) d.inputs.push({ type, bus: 'ps2' });
  }
}

/** The virtio balloon libvirt adds, and the panic model (isa on x86). */
export function memballoonDefaults(dom: Domain): void {
  dom.devices.memballoon ??= { model: 'virtio' };
  for (const p of dom.devices.panics ?? []) p.model ??= 'isa';
}

const pow2 = (n: number) => (n <= 0 ? n : 2 ** Math.ceil(Math.log2(n)));

/** Controllers libvirt adds without being asked, in the order it adds them, and their default models. */
export function implicitControllers(dom: Domain): void {
  const q35 = isQ35(dom);
  const list = dom.devices.controllers;
  // virDomainDefRejectDuplicateControllers: USB controllers may share an index (companions), others not
  const seen = new Set<string>();
  for (const c of list) {
    const key = `${c.type}:${c.index}`;
    if (c.type !== 'usb' && seen.has(key)) throw new TsvirtError('xml-error', `Multiple '${c.type}' controllers with index '${c.index}'`);
    seen.add(key);
  }
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
  // virDomainDefMaybeAddVirtioSerialController: the controller a virtio channel or console names (0 by default)
  for (const c of [...dom.devices.channels, ...dom.devices.consoles]) {
    if (c.target?.type !== 'virtio') continue;
    add({ type: 'virtio-serial', index: c.address?.type === 'virtio-serial' ? c.address.controller : 0 });
  }
  for (const c of list) {
    if (c.type === 'scsi' && (c.model === undefined || c.model === 'auto')) c.model = 'lsilogic';
    // the USB controller libvirt adds is qemu-xhci on q35; one the user wrote without a model is piix3-uhci
    if (c.type === 'usb') c.model ??= 'piix3-uhci';
    if (c.type === 'usb' && (c.model === 'qusb1' || c.model === 'qusb2')) {
      throw new TsvirtError('config-unsupported', "USB controller model type 'qusb1' or 'qusb2' is not supported in qemu");
    }
    if (c.type === 'usb' && (c.model === 'nec-xhci' || c.model === 'qemu-xhci') && (c.ports ?? 0) > 15) {
      throw new TsvirtError('config-unsupported', `'${c.model}' controller only supports up to '15' ports`);
    }
    if (c.driver?.iothread && !(c.type === 'scsi' && c.model?.startsWith('virtio'))) {
      throw new TsvirtError('xml-error', "'iothread' attribute only supported for virtio scsi controllers");
    }
    if (c.type === 'pci' && (c.model === 'pci-root' || c.model === 'pcie-root') && c.index !== 0) {
      throw new TsvirtError('xml-error', 'pci-root and pcie-root controllers should have index 0');
    }
    if (c.type === 'pci' && c.index === 0) c.model ??= q35 ? 'pcie-root' : 'pci-root';
  }
}
