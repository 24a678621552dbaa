// Network interfaces: a -netdev backend (user, or a tap whose fd the driver opened and passed
// to QEMU) and the NIC -device. QEMU 7.2 NICs have no property for the link state: for
// <link state='down'/> the driver calls QMP `set_link` (name = the netdev id) before `cont`,
// see interfacesWithLinkDown().
import { TsvirtError } from '../util/errors.js';
import type { Domain, NetInterface } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice } from './argv-common.js';

const NIC_MODELS: Record<string, string> = {
  virtio: 'virtio-net-pci',
  e1000: 'e1000',
  e1000e: 'e1000e',
  rtl8139: 'rtl8139',
};

export const netAlias = (index: number) => `net${index}`;
export const netdevId = (index: number) => `hostnet${index}`;

/** The -netdev / netdev_add body. Tap-backed types need the fd the driver passes to QEMU. */
export function netdevProps(iface: NetInterface, index: number, tapFd: number | undefined): Props {
  if (iface.type === 'user') return { type: 'user', id: netdevId(index) };
  if (tapFd === undefined) {
    throw new TsvirtError('internal-error', `interface ${index} (type='${iface.type}', mac ${iface.mac}) needs a tap `
      + `device but the driver passed no tap fd for it (ArgvContext.tapFds[${index}])`);
  }
  return { type: 'tap', fd: String(tapFd), id: netdevId(index) };
}

/** The NIC -device / device_add body. */
export function netDeviceProps(
  iface: NetInterface, index: number, dom: Domain, caps: QemuCaps, bootIndex?: number,
): Props {
  const where = `interface ${index} (mac ${iface.mac})`;
  const model = iface.model ?? 'virtio';
  const driver = NIC_MODELS[model];
  if (!driver) {
    throw new TsvirtError('config-unsupported', `${where}: NIC model '${model}' is not supported (known: ${Object.keys(NIC_MODELS).join(', ')})`);
  }
  requireDevice(caps, driver, where);
  const props: Props = { driver, netdev: netdevId(index), id: netAlias(index), mac: iface.mac };
  if (iface.mtu !== undefined) {
    if (driver !== 'virtio-net-pci') throw new TsvirtError('config-unsupported', `${where}: <mtu> needs model virtio`);
    props.host_mtu = iface.mtu;
  }
  Object.assign(props, pciProps(dom, iface.address, where));
  const boot = bootIndex ?? iface.boot?.order;
  if (boot !== undefined) props.bootindex = boot;
  return props;
}

/** netdev ids of interfaces whose link must be set down over QMP (`set_link`) before the guest runs. */
export function interfacesWithLinkDown(dom: Domain): string[] {
  return dom.devices.interfaces.flatMap((iface, i) => (iface.link === 'down' ? [netdevId(i)] : []));
}

export function netArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext, bootIndexes: Map<NetInterface, number>): ArgPair[] {
  const args: ArgPair[] = [];
  dom.devices.interfaces.forEach((iface, i) => {
    args.push(jsonArg('-netdev', netdevProps(iface, i, ctx.tapFds?.[i])));
    args.push(jsonArg('-device', netDeviceProps(iface, i, dom, caps, bootIndexes.get(iface))));
  });
  return args;
}
