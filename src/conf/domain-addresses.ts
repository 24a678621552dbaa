// Device address assignment, done after defaults like libvirt's qemu driver:
// drive addresses from target names, virtio-serial and USB ports, and PCI slots. PCI follows
// qemuDomainAssignPCIAddresses: each device has connect flags (conventional PCI or PCIe), a dry
// run over libvirt's address set (domain-pci-address-set.ts) finds which controllers to add
// (pcie-root-port per PCIe device, pcie-root-port + pcie-to-pci-bridge for conventional PCI on
// q35, pci-bridge when i440fx's bus 0 is full, one spare root port for hot-plug), then a second
// run assigns the addresses in libvirt's device order.
import type { Controller, DeviceAddress, DeviceCommon, Domain, Disk, PciAddress } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { describeAddress, pciAddressWanted } from './domain-address-xml.js';
import { F, PciAddressSet, makeBus, pciControllerConnectFlags, type PciBus } from './domain-pci-address-set.js';
import { assignUsbAddresses } from './domain-usb-addresses.js';

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

/** Every device that can carry an address, with a label for messages (conflict checks, collecting
 *  the PCI addresses in use). One line per device family; the order is not libvirt's assignment
 *  order (that is pciCandidates below), only the order conflicts are reported in. */
export function addressedDevices(dom: Domain): Array<{ label: string; dev: DeviceCommon; space?: string }> {
  const d = dom.devices;
  // `space` separates drive addresses of different buses (IDE 0:0:0:0 and SCSI 0:0:0:0 differ)
  const out: Array<{ label: string; dev: DeviceCommon; space?: string }> = [];
  const add = (label: string, list: DeviceCommon[]) => list.forEach((dev, i) => out.push({ label: `${label}[${i}]`, dev }));
  d.disks.forEach((dev) => out.push({ label: `disk ${dev.target.dev}`, dev, space: dev.target.bus }));
  add('controller', d.controllers);
  add('filesystem', d.filesystems ?? []);
  add('interface', d.interfaces);
  add('serial', d.serials);
  add('channel', d.channels);
  add('input', d.inputs);
  add('video', d.videos);
  add('hostdev', d.hostdevs);
  add('redirdev', d.redirdevs ?? []);
  add('hub', d.hubs ?? []);
  add('smartcard', d.smartcards ?? []);
  add('tpm', d.tpms ?? []);
  add('sound', d.sounds ?? []);
  add('shmem', d.shmems ?? []);
  add('iommu', d.iommus ?? []);
  add('vsock', d.vsocks ?? []);
  add('watchdog', d.watchdogs);
  if (d.memballoon) add('memballoon', [d.memballoon]);
  add('rng', d.rngs);
  return out;
}

/** Throws when two devices claim one address. */
export function checkAddressConflicts(dom: Domain): void {
  const seen = new Map<string, string>();
  for (const { label, dev, space } of addressedDevices(dom)) {
    if (!dev.address || dev.address.type === 'isa' || (dev.address.type === 'pci' && pciAddressWanted(dev.address))) continue;
    const key = (dev.address.type === 'drive' && space ? `${space} ` : '') + describeAddress(dev.address);
    const other = seen.get(key);
    if (other) throw new TsvirtError('xml-error', `${key} is used by both ${other} and ${label}`);
    seen.set(key, label);
  }
}

/** Connect flags of every device that may take a PCI address (qemuDomainDeviceCalculatePCIConnectFlags);
 *  a device kind missing here counts as PCIe (virtio) on q35. One line per device family. */
function connectFlags(dom: Domain): Map<DeviceCommon, number> {
  const d = dom.devices;
  const q35 = hasPcieRoot(dom);
  const pci = F.PCI_DEVICE | F.AUTOASSIGN;
  const pcie = q35 ? F.PCIE_DEVICE | F.AUTOASSIGN : pci;
  const virtio = (model?: string) => (model === 'virtio-transitional' ? pci : pcie);
  const m = new Map<DeviceCommon, number>();
  const set = <T extends DeviceCommon>(list: T[] | undefined, f: (x: T) => number) => list?.forEach((x) => m.set(x, f(x)));
  set(d.controllers, (c) => controllerFlags(c, pci, pcie));
  set(d.interfaces, (n) => (n.model === 'virtio' || n.model === 'virtio-non-transitional' ? pcie
    : n.model === 'e1000e' || !n.model || !KNOWN_NIC_MODELS.has(n.model) ? pcie : pci));
  set(d.disks, (x) => (x.target.bus === 'virtio' ? virtio(x.model) : 0));
  // a PCI hostdev: libvirt asks sysfs whether the host device is PCIe; assumed here (what libvirt
  // also assumes when it cannot look)
  set(d.hostdevs, (h) => (h.type === 'scsi_host' ? virtio(h.model) : h.type === 'pci' || h.type === 'mdev' ? pcie : 0));
  set(d.memballoon ? [d.memballoon] : [], (b) => (b.model === 'none' || b.model === 'xen' ? 0 : virtio(b.model)));
  set(d.rngs, (r) => virtio(r.model));
  set(d.watchdogs, (w) => (w.model === 'i6300esb' ? pci : 0));
  set(d.videos, (v) => (v.model.type === 'virtio' ? pcie : v.model.type === 'bochs' ? pcie
    : ['none', 'ramfb', 'gop'].includes(v.model.type) ? 0 : pci));
  set(d.inputs, (i) => (i.bus === 'virtio' ? virtio(i.model) : 0));
  set(d.serials, (s) => (s.target?.type === 'pci-serial' ? pci : 0));
  set(d.sounds, (s) => (['es1370', 'ac97', 'ich6', 'ich9'].includes(s.model) ? pci : 0));
  set(d.filesystems, (f) => virtio(f.model));
  set(d.shmems, () => pci);
  set(d.iommus, (i) => (i.model === 'virtio' ? pcie | F.INTEGRATED : 0));
  set(d.vsocks, (v) => virtio(v.model));
  set(d.memories, (x) => (x.model === 'virtio-pmem' || x.model === 'virtio-mem' ? pcie : 0));
  return m;
}

const KNOWN_NIC_MODELS = new Set(['netfront', 'rtl8139', 'virtio', 'e1000', 'e1000e', 'virtio-transitional', 'virtio-non-transitional',
  'usb-net', 'spapr-vlan', 'lan9118', 'scm91c111', 'vlance', 'vmxnet', 'vmxnet2', 'vmxnet3', 'Am79C970A', 'Am79C973', '82540EM', '82545EM', '82543GC']);

function controllerFlags(c: Controller, pci: number, pcie: number): number {
  switch (c.type) {
    case 'pci': return pciControllerConnectFlags(c.model);
    case 'sata': case 'ide': return pci;
    case 'usb': return c.model === 'none' || c.model === 'qusb1' || c.model === 'qusb2' ? 0 : c.model === 'nec-xhci' || c.model === 'qemu-xhci' ? pcie : pci;
    case 'scsi': return c.model === 'ncr53c90' ? 0 : c.model === 'virtio-scsi' || c.model === 'virtio-non-transitional' ? pcie : pci;
    case 'virtio-serial': return c.model === 'virtio-transitional' ? pci : pcie;
    default: return 0;
  }
}

const USB2 = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);
const USB2_FUNCTION: Record<string, [number, boolean]> = { 'ich9-ehci1': [7, false], 'ich9-uhci1': [0, true], 'ich9-uhci2': [1, false], 'ich9-uhci3': [2, false] };

/**
 * The devices that need a PCI address, in the order libvirt assigns them (qemuDomainAssignDevicePCISlots):
 * PCI controllers, filesystems, NICs, sound cards, other controllers, virtio disks, hostdevs, memballoon,
 * rng, watchdog, video, shmem, virtio input, pci-serial, iommu, vsock, memory devices.
 * Devices whose connect flags are 0 are left out by the caller.
 */
function pciCandidates(dom: Domain): DeviceCommon[] {
  const d = dom.devices;
  return [
    ...d.controllers.filter((c) => c.type === 'pci' && c.model !== 'pci-root' && c.model !== 'pcie-root'),
    ...(d.filesystems ?? []),
    ...d.interfaces.filter((n) => n.type !== 'hostdev'), // type='hostdev' ones go with the hostdevs
    ...(d.sounds ?? []).filter((s) => !['sb16', 'pcspk', 'usb'].includes(s.model)),
    ...d.controllers.filter((c) => c.type !== 'pci' && needsPciAddress(c)),
    ...d.disks.filter((x) => x.target.bus === 'virtio'),
    ...d.interfaces.filter((n) => n.type === 'hostdev'), // libvirt lists them first among the hostdevs
    ...d.hostdevs.filter((h) => (h.type === 'pci' && !h.unassigned) || h.type === 'scsi_host' || (h.type === 'mdev' && h.model === 'vfio-pci')),
    ...(d.memballoon && d.memballoon.model !== 'none' ? [d.memballoon] : []), // virDomainDefHasMemballoon
    ...d.rngs,
    ...d.watchdogs.filter((w) => w.model === 'i6300esb'),
    ...d.videos.filter((v) => v.model.type !== 'none' && v.model.type !== 'ramfb'),
    ...(d.shmems ?? []),
    ...d.inputs.filter((i) => i.bus === 'virtio'),
    ...d.serials.filter((s) => s.target?.type === 'pci-serial'),
    ...(d.iommus ?? []).filter((i) => i.model === 'virtio'),
    ...(d.vsocks ?? []),
    ...(d.memories ?? []).filter((x) => x.model === 'virtio-pmem' || x.model === 'virtio-mem'),
  ];
}

function needsPciAddress(c: Controller): boolean {
  // CCID is a USB device; xenbus and isa stay in (libvirt then fails: they cannot have a PCI slot)
  if (c.type === 'fdc' || c.type === 'ccid') return false;
  if (c.type === 'usb' && c.model === 'none') return false;
  if (c.type === 'ide' && c.index === 0) return false; // part of PIIX3
  if (c.type === 'scsi' && c.model === 'ncr53c90') return false;
  return true;
}

const hasPcieRoot = (dom: Domain) => dom.devices.controllers.some((c) => c.type === 'pci' && c.model === 'pcie-root');
const hasPciRoot = (dom: Domain) => dom.devices.controllers.some((c) => c.type === 'pci' && c.model === 'pci-root');

/** qemuDomainPCIAddressSetCreate: one bus per PCI controller index, default models for gaps, then
 *  every address already in the definition reserved. */
function createSet(dom: Domain, nbuses: number, dryRun: boolean, flags: Map<DeviceCommon, number>): PciAddressSet {
  const buses: PciBus[] = new Array(nbuses);
  const pcieRoot = hasPcieRoot(dom);
  for (const c of dom.devices.controllers) {
    if (c.type !== 'pci' || c.index >= nbuses) continue;
    if (c.model === undefined) throw new TsvirtError('internal-error', 'PCI controller model was not set correctly');
    buses[c.index] = makeBus(c.model, c.target?.hotplug !== false);
  }
  if (nbuses > 0 && !buses[0]) buses[0] = makeBus('pci-root', true);
  for (let i = 1; i < nbuses; i++) buses[i] ??= makeBus(pcieRoot ? 'pcie-root-port' : 'pci-bridge', true);
  const set = new PciAddressSet(buses, dryRun);
  for (const { dev } of addressedDevices(dom)) {
    const a = dev.address;
    if (a?.type !== 'pci' || pciAddressWanted(a)) continue;
    // the PIIX3's own IDE and USB functions are reserved by the chipset step
    const c = dev as Controller;
    if (a.bus === 0 && a.slot === 1 && c.index === 0 && dom.devices.controllers.includes(c) &&
        ((c.type === 'ide' && a.function === 1) || (c.type === 'usb' && c.model === 'piix3-uhci' && a.function === 2))) {
      if (nbuses > 0 && !(set.buses[0].flags & F.PCI_DEVICE)) throw new TsvirtError('internal-error', 'Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers');
      continue;
    }
    set.reserve(a, flags.get(dev) || F.PCI_DEVICE, true);
  }
  return set;
}

const pciAddr = (bus: number, slot: number, fn: number, multifunction?: boolean): PciAddress =>
  multifunction === undefined ? { type: 'pci', domain: 0, bus, slot, function: fn } : { type: 'pci', domain: 0, bus, slot, function: fn, multifunction };

/** qemuDomainValidateDevicePCISlotsPIIX3 / ...Q35: the chipset's fixed functions and the primary video. */
function chipsetSlots(dom: Domain, set: PciAddressSet, flags: Map<DeviceCommon, number>): void {
  const d = dom.devices;
  const reserveNext = (dev: DeviceCommon) => {
    const a = set.reserveNext(flags.get(dev) || F.PCI_DEVICE);
    if (!set.dryRun) dev.address = a;
  };
  const primary = d.videos[0] && !['none', 'ramfb'].includes(d.videos[0].model.type) ? d.videos[0] : undefined;
  const placePrimary = (slot: number, f: number) => {
    if (!primary || !pciAddressWanted(primary.address)) return;
    const a = pciAddr(0, slot, 0);
    set.validate(a, f, true);
    if (set.slotInUse(0, slot)) reserveNext(primary);
    else {
      set.reserve(a, f, true);
      primary.address = a;
    }
  };
  if (!isQ35(dom)) {
    const f = F.AUTOASSIGN | F.PCI_DEVICE;
    for (const c of d.controllers) {
      const fixed = c.type === 'ide' && c.index === 0 ? [1, 'Primary IDE controller must have PCI address 0:0:1.1'] as const
        : c.type === 'usb' && c.index === 0 && c.model === 'piix3-uhci' ? [2, 'PIIX3 USB controller at index 0 must have PCI address 0:0:1.2'] as const
          : undefined;
      if (!fixed) continue;
      const want = pciAddr(0, 1, fixed[0]);
      if (c.address?.type === 'pci' && !pciAddressWanted(c.address)) {
        if (c.address.bus !== 0 || c.address.slot !== 1 || c.address.function !== fixed[0]) throw new TsvirtError('internal-error', fixed[1]);
      } else c.address = want;
      set.reserve(want, f, true);
    }
    set.reserve(pciAddr(0, 1, 0), f, true); // ISA bridge
    set.reserve(pciAddr(0, 1, 3), f, true); // PIIX4 ACPI
    placePrimary(2, f);
    return;
  }
  const f = F.PCIE_DEVICE;
  for (const c of d.controllers) {
    if (c.type === 'sata' && c.index === 0) {
      if (c.address?.type === 'pci' && !pciAddressWanted(c.address)) {
        if (c.address.bus !== 0 || c.address.slot !== 0x1f || c.address.function !== 2) throw new TsvirtError('internal-error', 'Primary SATA controller must have PCI address 0:0:1f.2');
      } else c.address = pciAddr(0, 0x1f, 2);
    } else if (c.type === 'usb' && c.model === 'ich9-uhci1' && !c.address) {
      // USB2 sets go to 00:1d / 00:1a as on real ICH9 hardware, when free
      const slot = !set.slotInUse(0, 0x1d) ? 0x1d : !set.slotInUse(0, 0x1a) ? 0x1a : undefined;
      if (slot !== undefined) {
        set.reserve(pciAddr(0, slot, 0), f, true);
        c.address = pciAddr(0, slot, 0, true);
      }
    } else if (c.type === 'pci' && c.model === 'dmi-to-pci-bridge' && !c.address && !set.slotInUse(0, 0x1e)) {
      set.reserve(pciAddr(0, 0x1e, 0), f, true);
      c.address = pciAddr(0, 0x1e, 0);
    }
  }
  set.reserve(pciAddr(0, 0x1f, 0), f, true); // LPC/ISA bridge
  set.reserve(pciAddr(0, 0x1f, 3), f, true); // SMBus
  placePrimary(1, f);
  if (!set.slotInUse(0, 0x1b)) {
    const hda = (d.sounds ?? []).find((s) => s.model === 'ich9' && pciAddressWanted(s.address));
    if (hda) {
      set.reserve(pciAddr(0, 0x1b, 0), f, true);
      hda.address = pciAddr(0, 0x1b, 0);
    }
  }
}

/** qemuDomainAssignDevicePCISlots: the next free address for every device still without one. */
function assignSlots(dom: Domain, set: PciAddressSet, flags: Map<DeviceCommon, number>): void {
  const ctrls = dom.devices.controllers;
  const isCtrl = new Set<DeviceCommon>(ctrls);
  for (const dev of pciCandidates(dom)) {
    const f = flags.get(dev) ?? (F.PCIE_DEVICE | F.AUTOASSIGN);
    if (!pciAddressWanted(dev.address) || (dev.address && dev.address.type !== 'pci')) continue;
    const c = dev as Controller;
    // a controller or balloon that cannot sit on PCI (xenbus, isa, xen balloon) gets libvirt's error
    // from reserveNext; other device kinds without connect flags are left alone
    if (!f && !isCtrl.has(c) && dev !== dom.devices.memballoon) continue;
    if (isCtrl.has(c) && c.type === 'usb' && USB2.has(c.model ?? '')) {
      // a USB2 controller and its companions share one slot: ehci1 at .7, uhci1..3 at .0 .1 .2
      const [fn, multi] = USB2_FUNCTION[c.model!];
      const mate = ctrls.find((o) => o.type === 'usb' && USB2.has(o.model ?? '') && o.index === c.index && o.address?.type === 'pci' && !pciAddressWanted(o.address));
      if (mate && mate.address?.type === 'pci') {
        const a = pciAddr(mate.address.bus, mate.address.slot, fn, multi ? true : undefined);
        set.reserve(a, f, true);
        c.address = a;
      } else {
        const a = set.reserveNext(f, fn);
        if (!set.dryRun) c.address = multi ? { ...a, multifunction: true } : a;
      }
      continue;
    }
    const a = set.reserveNext(f);
    if (!set.dryRun) dev.address = a;
  }
}

/** Assigns every missing address; mutates `dom`. */
export function assignAddresses(dom: Domain): void {
  assignDriveAddresses(dom);
  assignVirtioSerialPorts(dom);
  assignUsbPorts(dom);
  checkAddressConflicts(dom);
  assignPciAddresses(dom);
}

function assignPciAddresses(dom: Domain): void {
  const d = dom.devices;
  const maxIdx = Math.max(-1, ...d.controllers.filter((c) => c.type === 'pci').map((c) => c.index));
  let nbuses = maxIdx + 1;
  let flags = connectFlags(dom);
  if (nbuses > 0) {
    // 1st pass: which PCI controllers are missing
    const dry = createSet(dom, nbuses, true, flags);
    chipsetSlots(dom, dry, flags);
    // i440fx: keep a slot free for a future pci-bridge, so a full bus 0 gets one now
    if (hasPciRoot(dom) && !dry.buses.every((b) => dry.isFullyReserved(b))) dry.reserveNext(F.AUTOASSIGN | F.PCI_DEVICE);
    assignSlots(dom, dry, flags);
    // a new q35 domain whose devices needed root ports gets one spare for hot-plug
    if (maxIdx <= 0 && dry.buses.length > maxIdx + 1 && hasPcieRoot(dom)) dry.reserveNext(F.AUTOASSIGN | F.PCIE_DEVICE);
    for (let i = 1; i < dry.buses.length; i++) {
      if (d.controllers.some((c) => c.type === 'pci' && c.index === i)) continue;
      const c: Controller = { type: 'pci', index: i, model: dry.buses[i].model };
      d.controllers.push(c);
      dry.reserveNext(pciControllerConnectFlags(c.model));
    }
    nbuses = dry.buses.length;
    flags = connectFlags(dom);
  }
  const set = createSet(dom, nbuses, false, flags);
  if (nbuses === 0) return;
  chipsetSlots(dom, set, flags);
  assignSlots(dom, set, flags);
  setAllMulti(dom);
  pciControllerDefaults(dom);
}

/** virDomainPCIAddressSetAllMulti: function 0 of a slot with other functions in use gets multifunction='on'. */
function setAllMulti(dom: Domain): void {
  const pcis = addressedDevices(dom).map(({ dev }) => dev.address).filter((a): a is PciAddress => a?.type === 'pci');
  for (const a of pcis) {
    if (a.function === 0) continue;
    const f0 = pcis.find((o) => o.domain === a.domain && o.bus === a.bus && o.slot === a.slot && o.function === 0);
    if (f0 && f0.multifunction === undefined) f0.multifunction = true;
  }
}

const PCI_MODEL_NAME: Record<string, string> = {
  'pci-bridge': 'pci-bridge', 'dmi-to-pci-bridge': 'i82801b11-bridge', 'pcie-to-pci-bridge': 'pcie-pci-bridge', 'pcie-root-port': 'pcie-root-port',
  'pcie-switch-upstream-port': 'x3130-upstream', 'pcie-switch-downstream-port': 'xio3130-downstream', 'pci-expander-bus': 'pxb', 'pcie-expander-bus': 'pxb-pcie',
};

/** Model names and target options libvirt fills once addresses are known. */
function pciControllerDefaults(dom: Domain): void {
  for (const c of dom.devices.controllers) {
    if (c.type !== 'pci') continue;
    const name = PCI_MODEL_NAME[c.model ?? ''];
    if (name) c.modelName ??= name;
    const a = c.address?.type === 'pci' ? c.address : undefined;
    const t = () => (c.target ??= {});
    switch (c.model) {
      case 'pci-bridge': t().chassisNr ??= c.index; break;
      case 'pcie-root-port':
        t().chassis ??= c.index;
        if (a) t().port ??= (a.slot << 3) + a.function;
        break;
      case 'pcie-switch-downstream-port':
        t().chassis ??= c.index;
        if (a) t().port ??= a.slot;
        break;
      case 'pci-expander-bus':
      case 'pcie-expander-bus':
        if (c.target?.busNr === undefined) {
          const lowest = Math.min(256, ...dom.devices.controllers.map((o) => (o.type === 'pci' ? o.target?.busNr ?? 256 : 256)));
          if (lowest <= 2) throw new TsvirtError('config-unsupported', `No free busNr lower than current lowest busNr is available to auto-assign to bus ${a?.bus ?? 0}. Must be manually assigned`);
          t().busNr = lowest - 2;
        }
        break;
    }
    if (c.model === 'pci-bridge' && a && c.index <= a.bus) {
      const hx = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
      throw new TsvirtError('config-unsupported', `PCI controller at index ${c.index} (${hx(c.index)}) has bus='${hx(a.bus)}', but index must be larger than bus`);
    }
  }
}

export function assignDriveAddresses(dom: Domain): void {
  for (const disk of dom.devices.disks) {
    if (disk.address) continue;
    const a = driveAddressFor(disk);
    if (a) disk.address = a;
  }
}

const VIRTIO_SERIAL_DEFAULT_PORTS = 31;

/**
 * virtio-serial ports (qemuDomainAssignVirtioSerialAddresses): a virtio console takes port 0 of the
 * first controller with one free (without writing an address), channels the first free port from 1
 * on; when every controller is full, libvirt adds the next virtio-serial controller.
 */
function assignVirtioSerialPorts(dom: Domain): void {
  const d = dom.devices;
  const ctrls = new Map<number, boolean[]>();
  const addCtrl = (c: Controller) => ctrls.set(c.index, new Array<boolean>(c.ports ?? VIRTIO_SERIAL_DEFAULT_PORTS).fill(false));
  for (const c of d.controllers) if (c.type === 'virtio-serial') addCtrl(c);
  const sorted = () => [...ctrls.keys()].sort((x, y) => x - y);
  const reserve = (controller: number, port: number) => {
    const map = ctrls.get(controller);
    if (!map) throw new TsvirtError('xml-error', `virtio serial controller ${controller} is missing`);
    if (port >= map.length) throw new TsvirtError('xml-error', `virtio serial controller ${controller} does not have port ${port}`);
    if (map[port]) throw new TsvirtError('xml-error', `virtio serial port ${port} on controller ${controller} is already occupied`);
    map[port] = true;
  };
  const virtioChars = [
    ...d.consoles.filter((c) => c.target?.type === 'virtio').map((c) => ({ c, console: true })),
    ...d.channels.filter((c) => c.target?.type === 'virtio').map((c) => ({ c, console: false })),
  ];
  for (const { c } of virtioChars) if (c.address?.type === 'virtio-serial' && c.address.port) reserve(c.address.controller, c.address.port);
  for (const { c, console } of virtioChars) {
    const a = c.address;
    if (a?.type === 'virtio-serial' && a.port) continue;
    let controller: number | undefined;
    let port = -1;
    if (a?.type === 'virtio-serial' && !console) {
      // controller given, port not: the first free one there
      const map = ctrls.get(a.controller);
      if (!map) throw new TsvirtError('internal-error', `virtio-serial controller ${a.controller} not available`);
      port = map.indexOf(false, 1);
      if (port <= 0) throw new TsvirtError('xml-error', `Unable to find a free port on virtio-serial controller ${a.controller}`);
      controller = a.controller;
    } else {
      const start = console ? 0 : 1;
      for (const idx of sorted()) {
        const p = ctrls.get(idx)!.indexOf(false, start);
        if (p >= 0) {
          controller = idx;
          port = p;
          break;
        }
      }
      if (controller === undefined) {
        let idx = 0;
        while (d.controllers.some((x) => x.type === 'virtio-serial' && x.index === idx)) idx++;
        const added: Controller = { type: 'virtio-serial', index: idx };
        d.controllers.push(added);
        addCtrl(added);
        controller = idx;
        port = start;
      }
    }
    reserve(controller, port);
    // libvirt reserves the console's port but gives the console no address
    if (!console) c.address = { type: 'virtio-serial', controller, bus: 0, port };
  }
}

function assignUsbPorts(dom: Domain): void {
  assignUsbAddresses(dom); // ports per controller model, hubs, libvirt's device order: domain-usb-addresses.ts
}
