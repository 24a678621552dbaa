// <interface> post-parse defaults and checks, as libvirt 9.0 does them
// (qemuDomainDeviceNetDefPostParse, virDomainNetDefValidate, virDomainActualNetDefValidate
// and qemuValidateDomainDeviceDefNetwork), with libvirt's messages.
import type { Domain, NetInterface } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { isVirtioNetModel } from './domain-net-driver-xml.js';

/** The model libvirt 9.0 gives an interface without one on x86 QEMU 7.2: rtl8139, virtio for vdpa, none for hostdev. */
export function interfaceDefaults(nic: NetInterface): void {
  if (nic.model !== undefined || nic.type === 'hostdev') return;
  nic.model = nic.type === 'vdpa' ? 'virtio' : 'rtl8139';
}

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);
const xmlErr = (m: string) => new TsvirtError('xml-error', m);
const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

export function validateInterfaces(dom: Domain): void {
  for (const n of dom.devices.interfaces) validateInterface(n, dom);
}

/** Types that require a <source> (libvirt checks at parse: virDomainNetDefParseXMLRequireSource). */
const NEEDS_SOURCE = new Set(['network', 'vds', 'internal', 'bridge', 'direct', 'vhostuser', 'vdpa', 'client', 'server', 'mcast', 'udp']);

function validateInterface(n: NetInterface, dom: Domain): void {
  const mac = n.mac;
  // checked here, not at parse, so that a device to detach may be named by its MAC alone
  if (NEEDS_SOURCE.has(n.type) && !n.source) throw xmlErr(`interface type='${n.type}' requires a 'source' element`);
  if (n.type === 'hostdev' && !n.hostdev) throw xmlErr('Missing <source> element in hostdev device');
  if ((n.hostIp?.ips.length || n.hostIp?.routes.length) && n.type !== 'ethernet') {
    throw unsupported(`Invalid attempt to set network interface host-side IP route and/or address info on interface of type '${n.type}'. This is only supported on interfaces of type 'ethernet'`);
  }
  if (n.target?.managed === false && n.type !== 'ethernet') throw unsupported(`unmanaged target dev is not supported on interfaces of type '${n.type}'`);
  if (n.teaming) {
    if (n.teaming.type === 'transient' && n.teaming.persistent === undefined) throw unsupported("teaming persistent attribute must be set if teaming type is 'transient'");
    if (n.teaming.type !== 'transient' && n.teaming.persistent !== undefined) throw unsupported(`teaming persistent attribute not allowed if teaming type is '${n.teaming.type}'`);
  }
  if (n.portIsolated) {
    if (n.type !== 'network' && n.type !== 'bridge') throw unsupported(`interface ${mac} - <port isolated='yes'/> is not supported for network interfaces with type='${n.type}'`);
    if (n.virtualport?.type) throw unsupported(`interface ${mac} - <port isolated='yes'/> is not supported for network interfaces with virtualport type='${n.virtualport.type}'`);
  }
  const virtio = isVirtioNetModel(n.model);
  const notVirtio = virtio ? undefined : (['iommu', 'ats', 'packed', 'page_per_vq'] as const).find((k) => n.driver?.[k] !== undefined);
  if (notVirtio) throw unsupported(`${notVirtio === 'page_per_vq' ? 'page_per_vq' : `${notVirtio} driver`} option is only supported for virtio devices`);
  if (n.backend?.type === 'passt' && n.type !== 'user') throw new TsvirtError('internal-error', "The 'passt' backend can only be used with interface type='user'");
  if (n.type === 'vhostuser') {
    if (!virtio) throw new TsvirtError('internal-error', "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend");
    if (n.source?.listen && n.source.reconnect?.enabled) throw unsupported("'reconnect' attribute unsupported 'server' mode for <interface type='vhostuser'>");
    if (n.source?.reconnect?.enabled && !n.source.reconnect.timeout) throw new TsvirtError('invalid-arg', "chardev reconnect source timeout cannot be '0'");
  }
  // virDomainActualNetDefValidate, for the configured type
  if (n.vlan && !(n.type === 'hostdev' || (n.type === 'direct' && n.source?.mode === 'passthrough')
    || (n.type === 'bridge' && n.virtualport?.type === 'openvswitch') || n.type === 'network')) {
    throw unsupported(`interface ${mac} - vlan tag not supported for this connection type`);
  }
  if (n.bandwidth && n.type === 'hostdev') throw unsupported(`interface ${mac} - bandwidth settings are not supported for hostdev interfaces`);
  // qemuValidateDomainDeviceDefNetwork
  if (n.type === 'user') validateUserIps(n);
  else if (n.type === 'vdpa') {
    if (n.model !== 'virtio') throw unsupported(`invalid model for interface of type '${n.type}': '${n.model}'`);
  } else if (n.guestIp?.ips.length || n.guestIp?.routes.length) {
    throw unsupported('Invalid attempt to set network interface guest-side IP route and/or address info, not supported by QEMU');
  }
  if (virtio) {
    if (n.driver?.rx_queue_size && !isPow2(n.driver.rx_queue_size)) throw unsupported('rx_queue_size has to be a power of two');
    if (n.driver?.tx_queue_size && !isPow2(n.driver.tx_queue_size)) throw unsupported('tx_queue_size has to be a power of two');
  }
  if (n.mtu && !['network', 'bridge', 'ethernet', 'vhostuser'].includes(n.type) && !(n.type === 'user' && n.backend?.type === 'passt')) {
    throw unsupported(`setting MTU on interface type ${n.type} is not supported yet`);
  }
  if (n.teaming?.type === 'persistent' && !virtio) throw unsupported(`virtio-net teaming persistent interface must be <model type='virtio'/>, not '${n.model}'`);
  if (n.teaming?.type === 'transient' && n.type !== 'hostdev' && n.type !== 'network') {
    throw unsupported(`virtio-net teaming transient interface must be type='hostdev', not '${n.type}'`);
  }
  if (n.coalesceRxFrames && n.type !== 'network' && n.type !== 'bridge') throw unsupported(`coalesce settings on interface type ${n.type} are not supported`);
  if (n.acpiIndex && n.address && n.address.type !== 'pci') throw unsupported('ACPI index is only supported for PCI devices');
  if (n.rom && n.address && n.address.type !== 'pci') throw unsupported('ROM tuning is only supported for PCI devices');
  void dom;
}

function validateUserIps(n: NetInterface): void {
  if (n.backend?.type === 'passt' && n.portForwards?.some((pf) => pf.ranges.some((r) => !r.start && (r.end || r.to || r.exclude !== undefined)))) {
    throw unsupported("The 'range' of a 'portForward' requires 'start' attribute if 'end', 'to', or 'exclude' is specified");
  }
  if (n.guestIp?.routes.length) throw unsupported('Invalid attempt to set network interface guest-side IP route, not supported by QEMU');
  let v4 = false;
  let v6 = false;
  for (const ip of n.guestIp?.ips ?? []) {
    if (ip.peer) throw unsupported('Invalid attempt to set peer IP for guest');
    if (ip.address.includes(':')) {
      if (v6) throw unsupported('Only one IPv6 address per interface is allowed');
      v6 = true;
      if (ip.prefix && ip.prefix !== 64) throw unsupported(`unsupported IPv6 address prefix='${ip.prefix}' - must be 64`);
    } else {
      if (v4) throw unsupported('Only one IPv4 address per interface is allowed');
      v4 = true;
      if (ip.prefix && (ip.prefix < 4 || ip.prefix > 27)) throw xmlErr('invalid prefix, must be in range of 4-27');
    }
  }
}
