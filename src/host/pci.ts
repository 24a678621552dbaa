// PCI devices as sysfs shows them (/sys/bus/pci/devices/<DDDD:BB:SS.F>), read through a
// HostRoot. Addresses are handled as text in sysfs form; parsePciAddress accepts the
// other spellings people use (03:00.1, pci_0000_03_00_1).
import { posix } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import type { HostRoot } from './host-root.js';

export const PCI_DEVICES = '/sys/bus/pci/devices';
export const PCI_DRIVERS = '/sys/bus/pci/drivers';
export const PCI_DRIVERS_PROBE = '/sys/bus/pci/drivers_probe';

export interface PciAddr { domain: number; bus: number; slot: number; function: number }

export interface PciLink { speed?: string; width?: number }

export interface PciDevice {
  /** sysfs form, 0000:03:00.1 */
  address: string;
  /** the device's real folder (/sys/devices/pci0000:00/...) */
  sysfsPath: string;
  /** the PCI device above it (bridge or root port), or undefined on the root bus */
  parent?: string;
  vendorId: number;
  deviceId: number;
  subsystemVendorId?: number;
  subsystemDeviceId?: number;
  /** 24-bit class code, 0x020000 for Ethernet */
  classCode: number;
  /** header type without the multifunction bit: 0 endpoint, 1 PCI bridge, 2 CardBus bridge */
  headerType: number;
  driver?: string;
  driverOverride?: string;
  iommuGroup?: number;
  numaNode?: number;
  linkCap?: PciLink;
  linkSta?: PciLink;
  /** for a PF: sriov_totalvfs, sriov_numvfs and its VFs' addresses */
  sriov?: { totalVfs: number; numVfs: number; vfs: string[] };
  /** for a VF: its PF */
  physfn?: string;
  /** network interfaces of the device (net/*) */
  netIfaces: string[];
  hasReset: boolean;
}

const ADDR_RE = /^(?:([0-9a-f]{1,4}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i;
const NODEDEV_RE = /^pci_([0-9a-f]{4})_([0-9a-f]{2})_([0-9a-f]{2})_([0-7])$/i;

/** Parses 0000:03:00.1, 03:00.1 or pci_0000_03_00_1; throws invalid-arg otherwise. */
export function parsePciAddress(text: string): PciAddr {
  const m = ADDR_RE.exec(text.trim()) ?? NODEDEV_RE.exec(text.trim());
  if (!m) throw new TsvirtError('invalid-arg', `'${text}' is not a PCI address (expected DDDD:BB:SS.F, BB:SS.F or pci_DDDD_BB_SS_F)`);
  const a = { domain: parseInt(m[1] ?? '0', 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), function: parseInt(m[4]!, 16) };
  if (a.slot > 0x1f) throw new TsvirtError('invalid-arg', `'${text}': slot 0x${a.slot.toString(16)} is above 0x1f`);
  return a;
}

const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
/** 0000:03:00.1 */
export function formatPciAddress(a: PciAddr): string {
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function.toString(16)}`;
}
/** Any accepted spelling to the sysfs form. */
export function normalizePciAddress(text: string): string {
  return formatPciAddress(parsePciAddress(text));
}
/** libvirt's node device name: pci_0000_03_00_1 */
export function pciNodedevName(address: string): string {
  return 'pci_' + address.replace(/[:.]/g, '_');
}

const num = (s: string | undefined, base = 16): number | undefined => {
  if (s === undefined || s === '') return undefined;
  const n = parseInt(s, base);
  return Number.isNaN(n) ? undefined : n;
};

async function readLink(root: HostRoot, dir: string, which: 'current' | 'max'): Promise<PciLink | undefined> {
  const speed = await root.readText(`${dir}/${which}_link_speed`);
  let width = num(await root.readText(`${dir}/${which}_link_width`), 10);
  if (width === 255) width = undefined; // no PCIe link (root complex integrated device)
  if (speed === undefined && width === undefined) return undefined;
  // "8.0 GT/s PCIe" -> "8"; "Unknown" (no link) is left out
  const m = speed ? /^([0-9]+(?:\.[0-9]+)?)\s*GT\/s/.exec(speed) : null;
  const sp = m ? String(Number(m[1])) : undefined;
  if (sp === undefined && !width) return undefined;
  return { speed: sp, width: width ?? 0 };
}

/** Reads one device; throws no-nodedev when the address is not on the host. */
export async function readPciDevice(root: HostRoot, addressText: string): Promise<PciDevice> {
  const address = normalizePciAddress(addressText);
  const dir = `${PCI_DEVICES}/${address}`;
  const sysfsPath = await root.resolveLink(dir);
  const vendorId = num(await root.readText(`${dir}/vendor`));
  if (!sysfsPath || vendorId === undefined) {
    throw new TsvirtError('no-nodedev', `no PCI device at ${address} on this host (see nodedev-list --cap pci)`);
  }
  const parentName = posix.basename(posix.dirname(sysfsPath));
  const config = await root.readBytes(`${dir}/config`, 64);
  const total = num(await root.readText(`${dir}/sriov_totalvfs`), 10);
  const names = await root.list(dir);
  let sriov: PciDevice['sriov'];
  if (total !== undefined) {
    const vfNames = names.filter((n) => /^virtfn\d+$/.test(n)).sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
    const vfs: string[] = [];
    for (const n of vfNames) {
      const t = await root.linkName(`${dir}/${n}`);
      if (t) vfs.push(t);
    }
    sriov = { totalVfs: total, numVfs: num(await root.readText(`${dir}/sriov_numvfs`), 10) ?? 0, vfs };
  }
  const numa = num(await root.readText(`${dir}/numa_node`), 10);
  const override = await root.readText(`${dir}/driver_override`);
  return {
    address,
    sysfsPath,
    parent: ADDR_RE.test(parentName) ? parentName : undefined,
    vendorId,
    deviceId: num(await root.readText(`${dir}/device`)) ?? 0,
    subsystemVendorId: num(await root.readText(`${dir}/subsystem_vendor`)),
    subsystemDeviceId: num(await root.readText(`${dir}/subsystem_device`)),
    classCode: num(await root.readText(`${dir}/class`)) ?? 0,
    headerType: config && config.length > 0x0e ? config[0x0e]! & 0x7f : 0,
    driver: await root.linkName(`${dir}/driver`),
    driverOverride: override && override !== '(null)' ? override : undefined,
    iommuGroup: num(await root.linkName(`${dir}/iommu_group`), 10),
    numaNode: numa !== undefined && numa >= 0 ? numa : undefined,
    linkCap: await readLink(root, dir, 'max'),
    linkSta: await readLink(root, dir, 'current'),
    sriov,
    physfn: await root.linkName(`${dir}/physfn`),
    netIfaces: await root.list(`${dir}/net`),
    hasReset: names.includes('reset'),
  };
}

/** Every PCI device of the host, by address. */
export async function listPciDevices(root: HostRoot): Promise<PciDevice[]> {
  const out: PciDevice[] = [];
  for (const name of await root.list(PCI_DEVICES)) {
    if (!ADDR_RE.test(name)) continue;
    try {
      out.push(await readPciDevice(root, name));
    } catch {
      // removed while we looked (a VF going away): skip it
    }
  }
  return out;
}

/** A bridge (class 0x06xx or a bridge header) cannot be given to a guest. */
export function isBridge(d: PciDevice): boolean {
  return d.classCode >> 16 === 0x06 || d.headerType !== 0;
}

/** Throws operation-invalid when `d` is not an endpoint device. */
export function requireEndpoint(d: PciDevice): void {
  if (isBridge(d)) {
    throw new TsvirtError('operation-invalid',
      `PCI device ${d.address} is a bridge (class 0x${h(d.classCode, 6)}, header type ${d.headerType}), not an endpoint device; only endpoint devices can be assigned to a guest`);
  }
}
