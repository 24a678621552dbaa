// PCI host device assignment with VFIO. The driver binds the host function to vfio-pci (when
// managed) before start; the argv only names it.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Hostdev, PciAddress } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice } from './argv-common.js';

export const hostdevAlias = (index: number) => `hostdev${index}`;

/** "0000:03:00.1", the form sysfs and vfio-pci's host= use. */
export function pciAddressText(a: PciAddress): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function.toString(16)}`;
}

export function hostdevDeviceProps(hd: Hostdev, index: number, dom: Domain, caps: QemuCaps, bootIndex?: number): Props {
  const where = `hostdev ${index}`;
  if (hd.mode !== 'subsystem' || hd.type !== 'pci') {
    throw new TsvirtError('config-unsupported', `${where}: only <hostdev mode='subsystem' type='pci'> is supported`);
  }
  if (hd.driver && hd.driver !== 'vfio') throw new TsvirtError('config-unsupported', `${where}: driver '${hd.driver}' is not supported (only vfio)`);
  requireDevice(caps, 'vfio-pci', where);
  const props: Props = { driver: 'vfio-pci', host: pciAddressText(hd.source.address), id: hostdevAlias(index), ...pciProps(dom, hd.address, where) };
  const boot = bootIndex ?? hd.boot?.order;
  if (boot !== undefined) props.bootindex = boot;
  return props;
}

export function hostdevArgs(dom: Domain, caps: QemuCaps, bootIndexes: Map<Hostdev, number>): ArgPair[] {
  return dom.devices.hostdevs.map((hd, i) => jsonArg('-device', hostdevDeviceProps(hd, i, dom, caps, bootIndexes.get(hd))));
}
