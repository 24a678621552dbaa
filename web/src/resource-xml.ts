// The XML the UI's dialogs send: a pool, a volume, a network, and one device (disk, NIC,
// PCI host device) for domain.attachDevice. Plain libvirt XML, as a person would write it.

import { esc } from './domain-xml.js';

export function dirPoolXml(name: string, path: string): string {
  return `<pool type='dir'>
  <name>${esc(name)}</name>
  <target>
    <path>${esc(path)}</path>
  </target>
</pool>
`;
}

export function volumeXml(name: string, capacityBytes: number, format: string): string {
  return `<volume>
  <name>${esc(name)}</name>
  <capacity unit='bytes'>${capacityBytes}</capacity>
  <target>
    <format type='${esc(format)}'/>
  </target>
</volume>
`;
}

export interface NewNetwork {
  name: string;
  mode: 'nat' | 'isolated';
  /** 192.168.100.1 */
  address: string;
  prefix: number;
  dhcpStart: string;
  dhcpEnd: string;
}

export function networkXml(n: NewNetwork): string {
  const dhcp = n.dhcpStart && n.dhcpEnd ? `
    <dhcp>
      <range start='${esc(n.dhcpStart)}' end='${esc(n.dhcpEnd)}'/>
    </dhcp>
  ` : '';
  return `<network>
  <name>${esc(n.name)}</name>${n.mode === 'nat' ? `
  <forward mode='nat'/>` : ''}
  <ip address='${esc(n.address)}' prefix='${n.prefix}'>${dhcp}</ip>
</network>
`;
}

/** A guess of the DHCP range for "address/prefix": from .2 (or +1 of the host) to the last but one. */
export function suggestDhcpRange(address: string, prefix: number): { start: string; end: string } | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || !(prefix >= 8 && prefix <= 30)) return undefined;
  const ip = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const net = (ip & mask) >>> 0;
  const bcast = (net | (~mask >>> 0)) >>> 0;
  const text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const start = ip + 1 < bcast ? ip + 1 : net + 1;
  return { start: text(start), end: text(bcast - 1) };
}

export function volumeDiskXml(pool: string, volume: string, target: string, bus: string): string {
  return `<disk type='volume' device='disk'>
  <source pool='${esc(pool)}' volume='${esc(volume)}'/>
  <target dev='${esc(target)}' bus='${esc(bus)}'/>
</disk>
`;
}

export function networkNicXml(network: string, model: string, mac?: string): string {
  return `<interface type='network'>${mac ? `
  <mac address='${esc(mac)}'/>` : ''}
  <source network='${esc(network)}'/>
  <model type='${esc(model)}'/>
</interface>
`;
}

/** <hostdev> for a PCI address in sysfs form (0000:03:10.2); managed: detached and given back by tsvirtd. */
export function pciHostdevXml(address: string): string {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(address);
  if (!m) throw new Error(`'${address}' is not a PCI address`);
  return `<hostdev mode='subsystem' type='pci' managed='yes'>
  <driver name='vfio'/>
  <source>
    <address domain='0x${m[1]}' bus='0x${m[2]}' slot='0x${m[3]}' function='0x${m[4]}'/>
  </source>
</hostdev>
`;
}

/** The first free target name for a bus's disks: vda, vdb, ... or sda, sdb, ... */
export function nextDiskTarget(used: string[], bus: string): string {
  const prefix = bus === 'virtio' ? 'vd' : bus === 'ide' ? 'hd' : 'sd';
  for (let i = 0; i < 26; i++) {
    const t = prefix + String.fromCharCode(97 + i);
    if (!used.includes(t)) return t;
  }
  return prefix + 'aa';
}
