// Device address assignment, done after defaults like libvirt's qemu driver:
// drive addresses from target names, virtio-serial and USB ports, and PCI slots.
// i440fx: slot 1 is the PIIX3 (IDE 01.1, USB 01.2), the primary video takes slot 2, then
// devices get slots 3.. in libvirt's order. q35: SATA sits at 1f.2, the primary video at
// 01.0, and every other PCI device gets its own pcie-root-port (first free slot from 00:01, function by function),
// plus one spare port for hot-plug when the definition had none, as libvirt adds. (Simplification: libvirt puts
// conventional PCI devices behind a pcie-to-pci-bridge; tsvirt gives them root ports.)
import type { Controller, DeviceAddress, DeviceCommon, Domain, Disk, PciAddress } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { describeAddress } from './domain-address-xml.js';

export function isQ35(dom: Domain): boolean {
  return /q35/.test(dom.os.machine ?? '');
}

/** libvirt's virDiskNameToIndex: 'sda' -> 0, 'hdc' -> 2, 'vdaa' -> 26; undefined when not a disk name. */
export function diskNameIndex(dev: string): number | undefined {
  const m = /^(?:sd|hd|vd|fd|xvd|ubd)([a-z]+)$/.exec(dev);
  if (!m) return undefined;
  let idx = 0;
  for (const ch of m[1]) idx = idx * 26 + (ch.charCodeAt(0) - 96);
  return idx - 1;
}

/** Drive address for a disk on an ide/sata/scsi/fdc bus (virDomainDiskDefAssignAddress). */
export function driveAddressFor(disk: Disk): DeviceAddress | undefined {
  const idx = diskNameIndex(disk.target.dev);
  if (idx === undefined) return undefined;
  switch (disk.target.bus) {
    case 'ide':
      return { type: 'drive', controller: Math.floor(idx / 4), bus: Math.floor((idx % 4) / 2), target: 0, unit: idx % 2 };
    case 'sata':
      return { type: 'drive', controller: Math.floor(idx / 6), bus: 0, target: 0, unit: idx % 6 };
    case 'scsi':
      return { type: 'drive', controller: Math.floor(idx / 7), bus: 0, target: 0, unit: idx % 7 };
    case 'fdc':
      return { type: 'drive', controller: 0, bus: 0, target: 0, unit: idx };
    default:
      return undefined;
  }
}

/** Every device that can carry an address, with a label for messages. */
export function addressedDevices(dom: Domain): Array<{ label: string; dev: DeviceCommon; space?: string }> {
  const d = dom.devices;
  // `space` separates drive addresses of different buses (IDE 0:0:0:0 and SCSI 0:0:0:0 differ)
  const out: Array<{ label: string; dev: DeviceCommon; space?: string }> = [];
  const add = (label: string, list: DeviceCommon[]) => list.forEach((dev, i) => out.push({ label: `${label}[${i}]`, dev }));
  d.disks.forEach((dev) => out.push({ label: `disk ${dev.target.dev}`, dev, space: dev.target.bus }));
  add('controller', d.controllers);
  add('interface', d.interfaces);
  add('serial', d.serials);
  add('channel', d.channels);
  add('input', d.inputs);
  add('video', d.videos);
  add('hostdev', d.hostdevs);
  add('watchdog', d.watchdogs);
  if (d.memballoon) add('memballoon', [d.memballoon]);
  add('rng', d.rngs);
  return out;
}

/** Throws when two devices claim one address. */
export function checkAddressConflicts(dom: Domain): void {
  const seen = new Map<string, string>();
  for (const { label, dev, space } of addressedDevices(dom)) {
    if (!dev.address || dev.address.type === 'isa') continue;
    const key = (dev.address.type === 'drive' && space ? `${space} ` : '') + describeAddress(dev.address);
    const other = seen.get(key);
    if (other) throw new TsvirtError('xml-error', `${key} is used by both ${other} and ${label}`);
    seen.set(key, label);
  }
}

const pciKey = (bus: number, slot: number, fn: number) => `${bus}:${slot}.${fn}`;

/** Tracks used PCI addresses (domain 0 only, as QEMU on x86). */
class PciSpace {
  private used = new Set<string>();
  private usedSlots = new Set<string>();
  /** bus-0 slots holding pcie-root-ports (filled function by function) */
  readonly rootPortSlots = new Set<number>();
  constructor(dom: Domain) {
    for (const { dev } of addressedDevices(dom)) if (dev.address?.type === 'pci') this.reserve(dev.address);
  }
  reserve(a: PciAddress): void {
    this.used.add(pciKey(a.bus, a.slot, a.function));
    this.usedSlots.add(`${a.bus}:${a.slot}`);
  }
  isFree(bus: number, slot: number, fn: number): boolean {
    return !this.used.has(pciKey(bus, slot, fn));
  }
  slotFree(bus: number, slot: number): boolean {
    return !this.usedSlots.has(`${bus}:${slot}`);
  }
  /** A whole free slot on `bus` from `first` on. */
  takeSlot(bus: number, first: number, last = 31): PciAddress {
    for (let s = first; s <= last; s++) {
      if (this.slotFree(bus, s)) {
        const a: PciAddress = { type: 'pci', domain: 0, bus, slot: s, function: 0 };
        this.reserve(a);
        return a;
      }
    }
    throw new TsvirtError('config-unsupported', `no free PCI slot left on bus ${bus}`);
  }
  /** A free function on bus 0 for a root port, filling slots 1, 2, ... function by function. */
  takeRootPortFunction(): PciAddress {
    // slot 1 too when no video card took it (what libvirt does)
    for (let s = 1; s < 0x1f; s++) {
      // only an empty slot or one that already holds root ports takes more root ports
      if (!this.slotFree(0, s) && !this.rootPortSlots.has(s)) continue;
      for (let f = 0; f < 8; f++) {
        if (!this.isFree(0, s, f)) continue;
        const a: PciAddress = { type: 'pci', domain: 0, bus: 0, slot: s, function: f };
        if (f === 0) a.multifunction = true;
        this.reserve(a);
        this.rootPortSlots.add(s);
        return a;
      }
    }
    throw new TsvirtError('config-unsupported', 'no free PCI slot left for a pcie-root-port');
  }
}

/** The devices that need a PCI address, in the order libvirt assigns them. */
function pciCandidates(dom: Domain, q35: boolean): DeviceCommon[] {
  const d = dom.devices;
  const ctrl = d.controllers.filter((c) => needsPciAddress(c, q35));
  return [
    ...d.interfaces,
    ...ctrl,
    ...d.disks.filter((x) => x.target.bus === 'virtio'),
    ...d.hostdevs,
    ...(d.memballoon && d.memballoon.model === 'virtio' ? [d.memballoon] : []),
    ...d.rngs,
    ...d.watchdogs.filter((w) => w.model === 'i6300esb'),
    ...d.videos.slice(1).filter((v) => v.model.type !== 'none' && v.model.type !== 'ramfb'),
    ...d.inputs.filter((i) => i.bus === 'virtio'),
  ].filter((x) => !x.address);
}

function needsPciAddress(c: Controller, q35: boolean): boolean {
  if (c.type === 'pci') return !['pci-root', 'pcie-root', 'pcie-root-port'].includes(c.model ?? '');
  if (c.type === 'fdc') return false;
  if (c.type === 'ide' && !q35 && c.index === 0) return false; // part of PIIX3
  if (c.type === 'usb' && c.model === 'piix3-uhci' && c.index === 0 && !q35) return false;
  if (c.type === 'sata' && c.index === 0 && q35) return false; // ICH9 AHCI
  return true;
}

/** Assigns every missing address; mutates `dom`. */
export function assignAddresses(dom: Domain): void {
  const d = dom.devices;
  const q35 = isQ35(dom);
  assignDriveAddresses(dom);
  assignVirtioSerialPorts(dom);
  assignUsbPorts(dom);
  checkAddressConflicts(dom);
  const space = new PciSpace(dom);
  space.reserve({ type: 'pci', domain: 0, bus: 0, slot: 0, function: 0 }); // host bridge
  const fixed = (dev: DeviceCommon | undefined, slot: number, fn: number) => {
    if (dev && !dev.address && space.isFree(0, slot, fn)) {
      dev.address = { type: 'pci', domain: 0, bus: 0, slot, function: fn };
      space.reserve(dev.address);
    }
  };
  const primary = d.videos[0] && !['none', 'ramfb'].includes(d.videos[0].model.type) ? d.videos[0] : undefined;
  if (q35) {
    fixed(d.controllers.find((c) => c.type === 'sata' && c.index === 0), 0x1f, 2);
    fixed(primary, 1, 0);
  } else {
    fixed(d.controllers.find((c) => c.type === 'ide' && c.index === 0), 1, 1);
    fixed(d.controllers.find((c) => c.type === 'usb' && c.index === 0 && c.model === 'piix3-uhci'), 1, 2);
    fixed(primary, 2, 0);
    space.reserve({ type: 'pci', domain: 0, bus: 0, slot: 1, function: 0 }); // PIIX3 ISA bridge
  }
  const todo = pciCandidates(dom, q35);
  if (!q35) {
    for (const dev of todo) dev.address = space.takeSlot(0, 1);
    return;
  }
  // libvirt adds a spare port for hot-plug only when the definition had no root port at all
  const hadRootPorts = d.controllers.some((c) => c.model === 'pcie-root-port');
  for (const c of d.controllers) {
    if (c.model === 'pcie-root-port' && c.address?.type === 'pci' && c.address.bus === 0) space.rootPortSlots.add(c.address.slot);
  }
  // root ports the user listed without an address get theirs first
  for (const c of d.controllers) {
    if (c.model !== 'pcie-root-port') continue;
    if (!c.address) c.address = space.takeRootPortFunction();
    if (c.address.type === 'pci') {
      c.target ??= {};
      c.target.chassis ??= c.index;
      c.target.port ??= c.address.slot * 8 + c.address.function;
    }
  }
  let created = 0;
  // buses named by explicit addresses need their root ports (libvirt adds them too)
  const maxBus = Math.max(0, ...addressedDevices(dom).map(({ dev }) => (dev.address?.type === 'pci' ? dev.address.bus : 0)));
  const maxIndex = () => Math.max(0, ...d.controllers.filter((c) => c.type === 'pci').map((c) => c.index));
  while (maxIndex() < maxBus) addRootPort(dom, space);
  const freePort = () => d.controllers.find((c) => c.model === 'pcie-root-port' && space.slotFree(c.index, 0));
  for (const dev of todo) {
    const port = freePort() ?? (created++, addRootPort(dom, space));
    dev.address = { type: 'pci', domain: 0, bus: port.index, slot: 0, function: 0 };
    space.reserve(dev.address);
  }
  if (created > 0 && !hadRootPorts && !freePort()) addRootPort(dom, space);
}

function addRootPort(dom: Domain, space: PciSpace): Controller {
  const pci = dom.devices.controllers.filter((c) => c.type === 'pci');
  const index = Math.max(0, ...pci.map((c) => c.index)) + 1;
  const address = space.takeRootPortFunction();
  const c: Controller = { type: 'pci', index, model: 'pcie-root-port', modelName: 'pcie-root-port', target: { chassis: index, port: address.slot * 8 + address.function }, address };
  dom.devices.controllers.push(c);
  return c;
}

export function assignDriveAddresses(dom: Domain): void {
  for (const disk of dom.devices.disks) {
    if (disk.address) continue;
    const a = driveAddressFor(disk);
    if (a) disk.address = a;
  }
}

function assignVirtioSerialPorts(dom: Domain): void {
  const used = new Set<string>();
  const chans = dom.devices.channels.filter((c) => c.target?.type === 'virtio');
  for (const c of chans) if (c.address?.type === 'virtio-serial') used.add(`${c.address.controller}:${c.address.bus}:${c.address.port}`);
  let port = 1;
  for (const c of chans) {
    if (c.address) continue;
    while (used.has(`0:0:${port}`)) port++;
    c.address = { type: 'virtio-serial', controller: 0, bus: 0, port };
    used.add(`0:0:${port}`);
  }
}

function assignUsbPorts(dom: Domain): void {
  const devs: DeviceCommon[] = [...dom.devices.inputs.filter((i) => i.bus === 'usb'), ...dom.devices.disks.filter((x) => x.target.bus === 'usb')];
  const used = new Set(devs.map((x) => (x.address?.type === 'usb' ? `${x.address.bus}:${x.address.port}` : '')));
  let port = 1;
  for (const x of devs) {
    if (x.address) continue;
    while (used.has(`0:${port}`)) port++;
    x.address = { type: 'usb', bus: 0, port: String(port) };
    used.add(`0:${port}`);
  }
}
