// Node device XML as libvirt writes it (virsh nodedev-dumpxml): PCI devices with ids and
// names, class, driver, IOMMU group, NUMA node, PCIe link and SR-IOV capabilities, and
// network interfaces. Output only: node devices are read from the host, never defined.
import { el, hex, renderXml, textEl, type XmlChild } from '../util/xml-writer.js';

export interface NodedevPciAddress { domain: number; bus: number; slot: number; function: number }
export interface NodedevPciLink { port?: number; speed?: string; width: number }

export interface NodedevPciCap {
  type: 'pci';
  /** 24-bit class code */
  class?: number;
  address: NodedevPciAddress;
  product: { id: number; name?: string };
  vendor: { id: number; name?: string };
  /** for a VF: its PF */
  physFunction?: NodedevPciAddress;
  /** for a PF: maxCount (sriov_totalvfs) and the VFs that exist */
  virtFunctions?: { maxCount: number; addresses: NodedevPciAddress[] };
  bridge?: 'pci-bridge' | 'cardbus-bridge';
  iommuGroup?: { number: number; addresses: NodedevPciAddress[] };
  numaNode?: number;
  pciExpress?: { cap?: NodedevPciLink; sta?: NodedevPciLink };
}

export interface NodedevNetCap {
  type: 'net';
  interface: string;
  mac?: string;
  link?: { speed?: number; state?: string };
}

export interface NodedevSystemCap { type: 'system' }

export type NodedevCap = NodedevPciCap | NodedevNetCap | NodedevSystemCap;

export interface NodeDevice {
  /** pci_0000_03_00_1, net_eth0_52_54_00_12_34_56, computer */
  name: string;
  path?: string;
  parent?: string;
  driver?: string;
  caps: NodedevCap[];
}

const addressEl = (a: NodedevPciAddress) =>
  el('address', { domain: hex(a.domain, 4), bus: hex(a.bus, 2), slot: hex(a.slot, 2), function: hex(a.function, 1) });

const linkEl = (validity: 'cap' | 'sta', l: NodedevPciLink | undefined) =>
  l && el('link', { validity, port: validity === 'cap' ? l.port : undefined, speed: l.speed, width: l.width });

function pciCap(c: NodedevPciCap): XmlChild[] {
  return [
    textEl('class', c.class === undefined ? undefined : hex(c.class, 6)),
    textEl('domain', c.address.domain),
    textEl('bus', c.address.bus),
    textEl('slot', c.address.slot),
    textEl('function', c.address.function),
    el('product', { id: hex(c.product.id, 4) }, c.product.name ?? ''),
    el('vendor', { id: hex(c.vendor.id, 4) }, c.vendor.name ?? ''),
    c.physFunction && el('capability', { type: 'phys_function' }, [addressEl(c.physFunction)]),
    c.virtFunctions && el('capability', { type: 'virt_functions', maxCount: c.virtFunctions.maxCount }, c.virtFunctions.addresses.map(addressEl)),
    c.bridge && el('capability', { type: c.bridge }),
    c.iommuGroup && el('iommuGroup', { number: c.iommuGroup.number }, c.iommuGroup.addresses.map(addressEl)),
    c.numaNode !== undefined && el('numa', { node: c.numaNode }),
    c.pciExpress && el('pci-express', {}, [linkEl('cap', c.pciExpress.cap), linkEl('sta', c.pciExpress.sta)]),
  ];
}

function capEl(c: NodedevCap) {
  if (c.type === 'pci') return el('capability', { type: 'pci' }, pciCap(c));
  if (c.type === 'net') {
    return el('capability', { type: 'net' }, [
      textEl('interface', c.interface), textEl('address', c.mac),
      c.link && el('link', { speed: c.link.speed, state: c.link.state }),
    ]);
  }
  return el('capability', { type: 'system' }, [el('hardware', {}, [textEl('uuid', '00000000-0000-0000-0000-000000000000')]), el('firmware')]);
}

export function formatNodeDeviceXml(d: NodeDevice): string {
  return renderXml(el('device', {}, [
    textEl('name', d.name),
    textEl('path', d.path),
    textEl('parent', d.parent),
    d.driver !== undefined && el('driver', {}, [textEl('name', d.driver)]),
    ...d.caps.map(capEl),
  ]));
}
