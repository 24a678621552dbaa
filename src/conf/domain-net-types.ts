// The parts of <interface> (libvirt's virDomainNetDef) beyond type, MAC and model: host
// connection per type, QoS, VLAN, virtual port profiles, the virtio-net driver options.
import type { PciAddress } from './domain-types.js';
import type { VirtioDriverOptions } from './domain-virtio-driver-xml.js';

/** libvirt 9.0's interface types (virDomainNetType) that the QEMU driver parses. */
export const NET_TYPES = ['user', 'ethernet', 'vhostuser', 'server', 'client', 'mcast', 'network', 'bridge',
  'internal', 'direct', 'hostdev', 'udp', 'vdpa', 'null', 'vds'] as const;
export type NetType = (typeof NET_TYPES)[number];

/** <source> of an interface; which fields are set depends on the type. */
export interface NetSource {
  network?: string;
  portgroup?: string;
  /** live only (a port of a libvirt network); dropped from the inactive definition */
  portid?: string;
  bridge?: string;
  /** direct: host NIC; vdpa: /dev/vhost-vdpa-N; user with passt: host interface */
  dev?: string;
  /** direct: macvtap mode */
  mode?: 'vepa' | 'private' | 'bridge' | 'passthrough';
  /** vhostuser: <source type='unix' path= mode=> */
  path?: string;
  listen?: boolean;
  reconnect?: { enabled: boolean; timeout?: number };
  /** server/client/mcast/udp */
  address?: string;
  port?: number;
  local?: { address: string; port: number };
  /** internal */
  name?: string;
  /** vds */
  switchid?: string;
  vdsPortid?: number;
  portgroupid?: string;
  connectionid?: number;
}

export interface NetIpAddr {
  address: string;
  prefix?: number;
  peer?: string;
}
export interface NetRoute {
  family?: string;
  address: string;
  netmask?: string;
  prefix?: number;
  gateway: string;
  metric?: number;
}
/** <ip>/<route> lists: host side under <source> (ethernet), guest side under <interface> (user). */
export interface NetIpInfo {
  ips: NetIpAddr[];
  routes: NetRoute[];
}

export interface NetVlan {
  trunk?: boolean;
  tags: Array<{ id: number; nativeMode?: 'tagged' | 'untagged' }>;
}

export type VirtualPortType = '802.1Qbg' | '802.1Qbh' | 'openvswitch' | 'midonet';
export interface NetVirtualPort {
  type?: VirtualPortType;
  managerid?: number;
  typeid?: number;
  typeidversion?: number;
  instanceid?: string;
  profileid?: string;
  interfaceid?: string;
}

export interface BandwidthRate {
  average?: number;
  peak?: number;
  floor?: number;
  burst?: number;
}
export interface NetBandwidth {
  inbound?: BandwidthRate;
  outbound?: BandwidthRate;
}

/** <driver> of a virtio NIC, with its <host> and <guest> offload switches. */
export interface NetDriver extends VirtioDriverOptions {
  name?: 'qemu' | 'vhost';
  txmode?: 'iothread' | 'timer';
  ioeventfd?: boolean;
  event_idx?: boolean;
  /** more than 1: multiqueue (libvirt drops queues='1') */
  queues?: number;
  rx_queue_size?: number;
  tx_queue_size?: number;
  rss?: boolean;
  rss_hash_report?: boolean;
  host?: Partial<Record<'csum' | 'gso' | 'tso4' | 'tso6' | 'ecn' | 'ufo' | 'mrg_rxbuf', boolean>>;
  guest?: Partial<Record<'csum' | 'tso4' | 'tso6' | 'ecn' | 'ufo', boolean>>;
}

export interface NetBackend {
  type?: 'passt';
  tap?: string;
  vhost?: string;
  logFile?: string;
}

export interface NetFilterRef {
  filter: string;
  parameters: Array<{ name: string; value: string }>;
}

/** type='hostdev': the host PCI function (an SR-IOV VF) and its <driver name=> backend. */
export interface NetHostdev {
  address: PciAddress;
  driver?: 'kvm' | 'vfio' | 'xen';
}

export interface DeviceRom {
  enabled?: boolean;
  bar?: boolean;
  file?: string;
}

/** <portForward> of a passt-backed user interface */
export interface NetPortForward {
  proto: 'tcp' | 'udp';
  address?: string;
  dev?: string;
  ranges: Array<{ start?: number; end?: number; to?: number; exclude?: boolean }>;
}
