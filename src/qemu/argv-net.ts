// Network interfaces: a -netdev backend (user, a socket, or a tap whose fd the driver opened
// and passed to QEMU: network, bridge and ethernet) and the NIC -device. QEMU 7.2 NICs have
// no property for the link state: for <link state='down'/> the driver calls QMP `set_link`
// (name = the netdev id) before `cont`, see interfacesWithLinkDown().
// Types this host cannot run (vhostuser, vdpa, direct/macvtap, hostdev, passt, vds) are
// accepted by define and refused here, at start, with a config-unsupported error.
import { TsvirtError } from '../util/errors.js';
import type { Domain, NetInterface } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice, usbProps } from './argv-common.js';
import { virtioDriverProps } from './argv-virtio-driver.js';

const VIRTIO_DRIVERS: Record<string, string> = {
  virtio: 'virtio-net-pci',
  'virtio-transitional': 'virtio-net-pci-transitional',
  'virtio-non-transitional': 'virtio-net-pci-non-transitional',
};
/** Types backed by a tap the driver opens (the fd is in ArgvContext.tapFds). */
export const TAP_TYPES = new Set(['network', 'bridge', 'ethernet']);

export const netAlias = (index: number) => `net${index}`;
export const netdevId = (index: number) => `hostnet${index}`;

const unsupported = (where: string, why: string) => new TsvirtError('config-unsupported', `${where}: ${why}`);

/** Refuses, at start, what QEMU or this host cannot run; the definition itself is valid. */
function checkRunnable(iface: NetInterface, where: string): void {
  if (iface.script !== undefined && iface.type !== 'ethernet') throw unsupported(where, `scripts are not supported on interfaces of type ${iface.type}`);
  // tsvirt plugs taps into Linux bridges only: a port profile or VLAN would be silently lost
  if (iface.virtualport && iface.type !== 'hostdev' && iface.type !== 'direct') {
    throw unsupported(where, `<virtualport${iface.virtualport.type ? ` type='${iface.virtualport.type}'` : ''}> needs Open vSwitch or an 802.1Qbg/bh switch; tsvirt connects to Linux bridges only`);
  }
  if (iface.vlan && iface.type !== 'hostdev' && iface.type !== 'direct') throw unsupported(where, 'vlan tag not supported for this connection type (tsvirt has no Open vSwitch)');
  switch (iface.type) {
    case 'vhostuser':
      throw unsupported(where, `interface type='vhostuser' (socket ${iface.source?.path}) needs a vhost-user backend and shared guest memory; tsvirt does not run it`);
    case 'vdpa':
      throw unsupported(where, `vDPA device '${iface.source?.dev}' cannot be used: tsvirt does not run interface type='vdpa'`);
    case 'direct':
      throw unsupported(where, `interface type='direct' (macvtap on host device '${iface.source?.dev}') is not supported by tsvirt; use type='bridge' or 'ethernet'`);
    case 'hostdev':
      throw unsupported(where, "interface type='hostdev' is not supported by tsvirt at start; assign the VF with <hostdev> instead");
    case 'vds':
      throw unsupported(where, "interface type='vds' is not supported by the QEMU driver");
    case 'user':
      if (iface.backend?.type === 'passt') throw unsupported(where, "the 'passt' backend is not supported by tsvirt");
      break;
    default:
      break;
  }
}

/** The -netdev / netdev_add body, or undefined for type='null' (a NIC with nothing behind it). */
export function netdevProps(iface: NetInterface, index: number, tapFd: number | undefined): Props | undefined {
  const where = `interface ${index} (mac ${iface.mac})`;
  checkRunnable(iface, where);
  const id = netdevId(index);
  const s = iface.source;
  switch (iface.type) {
    case 'null':
      return undefined;
    case 'user':
    case 'internal': {
      const p: Props = { type: 'user' };
      for (const ip of iface.type === 'user' ? iface.guestIp?.ips ?? [] : []) {
        if (ip.address.includes(':')) {
          p['ipv6-prefix'] = ip.address;
          if (ip.prefix) p['ipv6-prefixlen'] = ip.prefix;
        } else p.net = ip.prefix ? `${ip.address}/${ip.prefix}` : ip.address;
      }
      p.id = id;
      return p;
    }
    case 'client': return { type: 'socket', connect: `${s?.address}:${s?.port}`, id };
    case 'server': return { type: 'socket', listen: `${s?.address ?? ''}:${s?.port}`, id };
    case 'mcast': return { type: 'socket', mcast: `${s?.address}:${s?.port}`, id };
    case 'udp': return { type: 'socket', udp: `${s?.address}:${s?.port}`, localaddr: `${s?.local?.address}:${s?.local?.port}`, id };
    default:
      break;
  }
  if (tapFd === undefined) {
    throw new TsvirtError('internal-error', `interface ${index} (type='${iface.type}', mac ${iface.mac}) needs a tap `
      + `device but the driver passed no tap fd for it (ArgvContext.tapFds[${index}])`);
  }
  const p: Props = { type: 'tap', fd: String(tapFd) };
  if (iface.sndbuf !== undefined) p.sndbuf = iface.sndbuf;
  p.id = id;
  return p;
}

const sw = (v: boolean | undefined) => v;

/** virtio-net properties from <driver> (libvirt's qemuBuildNicDevProps names). */
function virtioNetProps(iface: NetInterface): Props {
  const d = iface.driver ?? {};
  const p: Props = { ...virtioDriverProps(d) };
  const add = (k: string, v: unknown) => { if (v !== undefined) p[k] = v; };
  add('tx', d.txmode === 'iothread' ? 'bh' : d.txmode);
  add('ioeventfd', sw(d.ioeventfd));
  add('event_idx', sw(d.event_idx));
  add('csum', d.host?.csum);
  add('gso', d.host?.gso);
  add('host_tso4', d.host?.tso4);
  add('host_tso6', d.host?.tso6);
  add('host_ecn', d.host?.ecn);
  add('host_ufo', d.host?.ufo);
  add('mrg_rxbuf', d.host?.mrg_rxbuf);
  add('guest_csum', d.guest?.csum);
  add('guest_tso4', d.guest?.tso4);
  add('guest_tso6', d.guest?.tso6);
  add('guest_ecn', d.guest?.ecn);
  add('guest_ufo', d.guest?.ufo);
  if (d.queues && d.queues > 1) {
    // as libvirt: vectors = 2N+2 (N queue pairs, config and control)
    p.mq = true;
    p.vectors = 2 * d.queues + 2;
  }
  add('rx_queue_size', d.rx_queue_size);
  add('tx_queue_size', d.tx_queue_size);
  add('rss', d.rss);
  add('hash', d.rss_hash_report);
  return p;
}

/** The NIC -device / device_add body. */
export function netDeviceProps(
  iface: NetInterface, index: number, dom: Domain, caps: QemuCaps, bootIndex?: number,
): Props {
  const where = `interface ${index} (mac ${iface.mac})`;
  const model = iface.model ?? 'virtio';
  const driver = VIRTIO_DRIVERS[model] ?? model;
  requireDevice(caps, driver, where);
  const virtio = driver in VIRTIO_DRIVERS || model in VIRTIO_DRIVERS;
  const props: Props = { driver };
  if (iface.type !== 'null') props.netdev = netdevId(index);
  Object.assign(props, { id: netAlias(index), mac: iface.mac });
  if (virtio) Object.assign(props, virtioNetProps(iface));
  else if (iface.driver?.queues) throw unsupported(where, 'multiqueue needs model virtio');
  if (iface.mtu !== undefined) {
    if (!virtio) throw unsupported(where, '<mtu> needs model virtio');
    props.host_mtu = iface.mtu;
  }
  if (iface.teaming?.type === 'persistent') props.failover = true;
  Object.assign(props, driver === 'usb-net' ? usbProps(dom, iface.address, where) : pciProps(dom, iface.address, where));
  if (iface.acpiIndex) props['acpi-index'] = iface.acpiIndex;
  const boot = bootIndex ?? iface.boot?.order;
  if (boot !== undefined) props.bootindex = boot;
  if (iface.rom) {
    if (iface.rom.enabled === false) props.romfile = '';
    else {
      if (iface.rom.bar !== undefined) props.rombar = iface.rom.bar ? 1 : 0;
      if (iface.rom.file !== undefined) props.romfile = iface.rom.file;
    }
  }
  return props;
}

/** netdev ids of interfaces whose link must be set down over QMP (`set_link`) before the guest runs. */
export function interfacesWithLinkDown(dom: Domain): string[] {
  return dom.devices.interfaces.flatMap((iface, i) => (iface.link === 'down' && iface.type !== 'null' ? [netdevId(i)] : []));
}

export function netArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext, bootIndexes: Map<NetInterface, number>): ArgPair[] {
  const args: ArgPair[] = [];
  dom.devices.interfaces.forEach((iface, i) => {
    const netdev = netdevProps(iface, i, ctx.tapFds?.[i]);
    if (netdev) args.push(jsonArg('-netdev', netdev));
    args.push(jsonArg('-device', netDeviceProps(iface, i, dom, caps, bootIndexes.get(iface))));
  });
  return args;
}
