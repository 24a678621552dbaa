// USB port assignment as libvirt 9.0 does it (qemuDomainAssignUSBAddresses, domain_addr.c):
// each USB controller is a bus with a fixed number of ports (by model), hubs add 8 ports
// each below their own port ("1.3"), hubs are added when the devices outnumber the ports,
// and devices take the first free port in libvirt's device order (hubs first, then
// hostdev, disk, ccid, input, serial, sound, redirdev). A smartcard gets its CCID
// controller here too (virDomainDefMaybeAddSmartcardController), as libvirt adds it after the
// machine's own controllers.
import type { Controller, DeviceCommon, Domain } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';

const HUB_PORTS = 8;
const MAX_DEPTH = 5;

/** Ports of a USB controller (virDomainUSBAddressControllerModelToPorts). */
export function usbControllerPorts(c: Controller): number {
  switch (c.model) {
    case undefined: case 'piix3-uhci': case 'piix4-uhci': case 'vt82c686b-uhci': return 2;
    case 'ehci': case 'ich9-ehci1': return 6;
    case 'pci-ohci': return 3;
    case 'nec-xhci': case 'qemu-xhci': return c.ports ?? 4;
    case 'qusb1': case 'qusb2': return c.ports ?? 8;
    default: return 0;
  }
}

interface HubNode { ports: Array<HubNode | 'used' | undefined> }

const newHub = (n: number): HubNode => ({ ports: new Array<HubNode | 'used' | undefined>(n).fill(undefined) });

/** The devices with USB addresses, in libvirt's order (virDomainUSBDeviceDefForeach, hubs apart). */
function usbDevices(dom: Domain): DeviceCommon[] {
  const d = dom.devices;
  return [
    ...d.hostdevs.filter((h) => h.type === 'usb'),
    ...d.disks.filter((x) => x.target.bus === 'usb'),
    ...d.controllers.filter((c) => c.type === 'ccid'),
    ...d.inputs.filter((i) => i.bus === 'usb'),
    ...d.serials.filter((s) => s.target?.type === 'usb-serial'),
    ...((d.sounds ?? []) as Array<DeviceCommon & { model?: string }>).filter((s) => s.model === 'usb'),
    ...(d.redirdevs ?? []).filter((r) => r.bus === 'usb'),
  ];
}

/** Adds the CCID controller each smartcard needs and gives smartcards their ccid slot. */
function smartcardControllers(dom: Domain): void {
  const d = dom.devices;
  for (const sc of d.smartcards ?? []) {
    if (!sc.ccid) {
      const max = Math.max(-1, ...(d.smartcards ?? []).filter((o) => o.ccid?.controller === 0).map((o) => o.ccid!.slot));
      sc.ccid = { controller: 0, slot: max + 1 };
    }
    const idx = sc.ccid.controller;
    if (!d.controllers.some((c) => c.type === 'ccid' && c.index === idx)) {
      d.controllers.push({ type: 'ccid', index: idx });
    }
  }
}

export function assignUsbAddresses(dom: Domain): void {
  smartcardControllers(dom);
  const d = dom.devices;
  const controllers = d.controllers.filter((c) => c.type === 'usb' && c.model !== 'none');
  const devices = usbDevices(dom);
  const hubs = (d.hubs ?? []).filter((h) => h.type === 'usb');
  const count = devices.length + hubs.length;
  if (count === 0) return;
  if (controllers.length === 0) throw new TsvirtError('config-unsupported', 'USB is disabled for this domain, but USB devices are present in the domain XML');
  // hubs libvirt adds when there are more USB devices than ports (qemuDomainUSBAddressAddHubs)
  const available = controllers.reduce((n, c) => n + usbControllerPorts(c), 0) + hubs.length * HUB_PORTS;
  if (count > available) {
    const needed = Math.ceil((count - available + 1) / (HUB_PORTS - 1));
    for (let i = 0; i < needed; i++) (d.hubs ??= []).push({ type: 'usb' });
  }
  const buses = new Map<number, HubNode>();
  for (const c of controllers) if (!buses.has(c.index) && usbControllerPorts(c) > 0) buses.set(c.index, newHub(usbControllerPorts(c)));
  const allHubs = (d.hubs ?? []).filter((h) => h.type === 'usb');

  const reserve = (dev: DeviceCommon, asHub: boolean) => {
    const a = dev.address;
    if (a?.type !== 'usb' || !/^\d+(\.\d+)*$/.test(a.port)) return;
    const root = buses.get(a.bus);
    if (!root) throw new TsvirtError('xml-error', `USB bus ${a.bus} requested but no controller with that index is present`);
    let node: HubNode = root;
    const path = a.port.split('.').map(Number);
    for (const [i, p] of path.entries()) {
      if (p < 1 || p > node.ports.length) throw new TsvirtError('xml-error', `port ${p} out of range in USB address bus: ${a.bus} port: ${a.port}`);
      if (i === path.length - 1) {
        if (node.ports[p - 1] !== undefined) throw new TsvirtError('xml-error', `USB address bus: ${a.bus} port: ${a.port} is already in use`);
        node.ports[p - 1] = asHub ? newHub(HUB_PORTS) : 'used';
        return;
      }
      const next: HubNode | 'used' | undefined = node.ports[p - 1];
      if (!next || next === 'used') throw new TsvirtError('xml-error', `there is no hub at port ${p} in USB address bus: ${a.bus} port: ${a.port}`);
      node = next;
    }
  };
  for (const h of allHubs) reserve(h, true);
  for (const dev of devices) reserve(dev, false);

  const findFree = (node: HubNode, level: number): number[] | undefined => {
    const free = node.ports.findIndex((p) => p === undefined);
    if (free >= 0) return [free + 1];
    if (level >= MAX_DEPTH - 1) return undefined;
    for (const [i, p] of node.ports.entries()) {
      if (!p || p === 'used') continue;
      const sub = findFree(p, level + 1);
      if (sub) return [i + 1, ...sub];
    }
    return undefined;
  };
  const assign = (dev: DeviceCommon, asHub: boolean) => {
    if (dev.address?.type === 'usb' && /^\d+(\.\d+)*$/.test(dev.address.port)) return;
    const wanted = dev.address?.type === 'usb' ? [dev.address.bus] : [...buses.keys()].sort((a, b) => a - b);
    for (const bus of wanted) {
      const root = buses.get(bus);
      if (!root) throw new TsvirtError('xml-error', `USB bus ${bus} requested but no controller with that index is present`);
      const path = findFree(root, 0);
      if (!path) continue;
      let node = root;
      for (const p of path.slice(0, -1)) node = node.ports[p - 1] as HubNode;
      node.ports[path[path.length - 1] - 1] = asHub ? newHub(HUB_PORTS) : 'used';
      dev.address = { type: 'usb', bus, port: path.join('.') };
      return;
    }
    throw new TsvirtError('config-unsupported', 'No free USB ports');
  };
  for (const h of allHubs) assign(h, true);
  for (const dev of devices) assign(dev, false);
}
