// The host's devices as libvirt node devices: 'computer', one pci_DDDD_BB_SS_F per PCI
// function and one net_<ifname>_<mac> per network interface, built from sysfs.
import type { NodeDevice, NodedevPciAddress, NodedevPciCap } from '../conf/nodedev-xml.js';
import { TsvirtError } from '../util/errors.js';
import type { HostRoot } from './host-root.js';
import { groupMembers, type GroupMember } from './iommu.js';
import { loadPciIds, type PciIds } from './pci-ids.js';
import { listPciDevices, parsePciAddress, pciNodedevName, readPciDevice, type PciDevice } from './pci.js';

export const COMPUTER = 'computer';

export interface NodedevEntry {
  device: NodeDevice;
  /** 'system', 'pci', 'net' */
  caps: string[];
  /** for PCI devices */
  pci?: PciDevice;
  /** pci.ids class name ('Ethernet controller') */
  className?: string;
  /** the members of its IOMMU group with their drivers (itself included) */
  groupMembers?: GroupMember[];
}

const addr = (a: string): NodedevPciAddress => parsePciAddress(a);

export async function pciNodedev(root: HostRoot, d: PciDevice, ids: PciIds = loadPciIds()): Promise<NodedevEntry> {
  const cap: NodedevPciCap = {
    type: 'pci', class: d.classCode, address: addr(d.address),
    product: { id: d.deviceId, name: ids.product(d.vendorId, d.deviceId) },
    vendor: { id: d.vendorId, name: ids.vendor(d.vendorId) },
  };
  if (d.physfn) cap.physFunction = addr(d.physfn);
  if (d.sriov) cap.virtFunctions = { maxCount: d.sriov.totalVfs, addresses: d.sriov.vfs.map(addr) };
  if (d.headerType === 1) cap.bridge = 'pci-bridge';
  if (d.headerType === 2) cap.bridge = 'cardbus-bridge';
  const members = d.iommuGroup === undefined ? undefined : await groupMembers(root, d.iommuGroup);
  if (members) cap.iommuGroup = { number: d.iommuGroup!, addresses: members.map((m) => addr(m.address)) };
  cap.numaNode = d.numaNode;
  if (d.linkCap || d.linkSta) {
    cap.pciExpress = {
      cap: d.linkCap && { port: 0, speed: d.linkCap.speed, width: d.linkCap.width ?? 0 },
      sta: d.linkSta && { speed: d.linkSta.speed, width: d.linkSta.width ?? 0 },
    };
  }
  return {
    device: { name: pciNodedevName(d.address), path: d.sysfsPath, parent: d.parent ? pciNodedevName(d.parent) : COMPUTER, driver: d.driver, caps: [cap] },
    caps: ['pci'], pci: d, className: ids.className(d.classCode), groupMembers: members,
  };
}

async function netNodedevs(root: HostRoot, pciNames: Map<string, string>): Promise<NodedevEntry[]> {
  const out: NodedevEntry[] = [];
  for (const ifname of await root.list('/sys/class/net')) {
    const dir = `/sys/class/net/${ifname}`;
    const mac = await root.readText(`${dir}/address`);
    const dev = await root.linkName(`${dir}/device`);
    const state = await root.readText(`${dir}/operstate`);
    const name = `net_${ifname}_${(mac ?? '00:00:00:00:00:00').replace(/:/g, '_')}`;
    out.push({
      device: {
        name, path: await root.resolveLink(dir), parent: (dev && pciNames.get(dev)) ?? COMPUTER,
        caps: [{ type: 'net', interface: ifname, mac, link: state ? { state: state === 'unknown' ? 'unknown' : state } : undefined }],
      },
      caps: ['net'],
    });
  }
  return out;
}

/** Every node device of the host: the computer, PCI functions, network interfaces. */
export async function listNodedevs(root: HostRoot): Promise<NodedevEntry[]> {
  const ids = loadPciIds();
  const out: NodedevEntry[] = [{ device: { name: COMPUTER, caps: [{ type: 'system' }] }, caps: ['system'] }];
  const pciNames = new Map<string, string>();
  for (const d of await listPciDevices(root)) {
    out.push(await pciNodedev(root, d, ids));
    pciNames.set(d.address, pciNodedevName(d.address));
  }
  out.push(...(await netNodedevs(root, pciNames)));
  return out;
}

/** One node device by name (pci_..., net_..., computer) or PCI address. */
export async function lookupNodedev(root: HostRoot, name: string): Promise<NodedevEntry> {
  if (/^(pci_|[0-9a-f]{1,4}:)/i.test(name)) {
    let d: PciDevice;
    try {
      d = await readPciDevice(root, name);
    } catch (e) {
      if (e instanceof TsvirtError && e.code === 'invalid-arg') throw new TsvirtError('no-nodedev', `no node device named '${name}'`);
      throw e;
    }
    return pciNodedev(root, d);
  }
  const found = (await listNodedevs(root)).find((e) => e.device.name === name);
  if (!found) throw new TsvirtError('no-nodedev', `no node device named '${name}' (see nodedev-list)`);
  return found;
}
