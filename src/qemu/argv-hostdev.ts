// Host devices: PCI with VFIO (the driver binds the function to vfio-pci before start when
// managed), USB (usb-host; the bus/device was looked up at start), vhost-scsi
// (scsi_host) and mediated devices (vfio-pci sysfsdev). SCSI passthrough (scsi-generic) needs
// the host's /dev/sg node and is refused clearly.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Hostdev, PciAddress } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice, usbProps } from './argv-common.js';

export const hostdevAlias = (index: number) => `hostdev${index}`;

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

/** "0000:03:00.1", the form sysfs and vfio-pci's host= use. */
export function pciAddressText(a: PciAddress): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function.toString(16)}`;
}

function romProps(hd: Hostdev): Props {
  const r = hd.rom;
  if (!r) return {};
  if (r.enabled === false) return { romfile: '' };
  const p: Props = {};
  if (r.bar !== undefined) p.rombar = r.bar ? 1 : 0;
  if (r.file !== undefined) p.romfile = r.file;
  return p;
}

function usbHostProps(hd: Hostdev, index: number, dom: Domain, boot: number | undefined, where: string): Props {
  const u = hd.source.usb ?? {};
  const props: Props = { driver: 'usb-host' };
  // bus/device are resolved at start from vendor/product (hostdev-resources.ts). A missing optional
  // device keeps its selectors (QEMU attaches it if it appears); libvirt leaves them out, which
  // would let usb-host take any host device.
  if (u.bus !== undefined && u.device !== undefined) Object.assign(props, { hostbus: u.bus, hostaddr: u.device });
  else if (u.vendor !== undefined) Object.assign(props, { vendorid: u.vendor, productid: u.product });
  props.id = hostdevAlias(index);
  if (boot !== undefined) props.bootindex = boot;
  const gr = hd.source.guestReset;
  if (gr) Object.assign(props, gr === 'off' ? { 'guest-reset': false } : { 'guest-reset': true, 'guest-resets-all': gr === 'on' });
  return { ...props, ...usbProps(dom, hd.address, where) };
}

export function hostdevDeviceProps(hd: Hostdev, index: number, dom: Domain, caps: QemuCaps, bootIndex?: number): Props {
  const where = `hostdev ${index}`;
  const boot = bootIndex ?? hd.boot?.order;
  switch (hd.type) {
    case 'pci': {
      if (hd.driver && hd.driver !== 'vfio' && hd.driver !== 'default') throw unsupported(`${where}: driver '${hd.driver}' is not supported (only vfio)`);
      requireDevice(caps, 'vfio-pci', where);
      const props: Props = { driver: 'vfio-pci', host: pciAddressText(hd.source.address!), id: hostdevAlias(index) };
      if (boot !== undefined) props.bootindex = boot;
      if (hd.teaming?.type === 'transient') props.failover_pair_id = hd.teaming.persistent;
      return { ...props, ...pciProps(dom, hd.address, where), ...romProps(hd) };
    }
    case 'usb':
      requireDevice(caps, 'usb-host', where);
      return usbHostProps(hd, index, dom, boot, where);
    case 'scsi_host': {
      const driver = hd.model === 'virtio-transitional' ? 'vhost-scsi-pci-transitional' : hd.model === 'virtio-non-transitional' ? 'vhost-scsi-pci-non-transitional' : 'vhost-scsi-pci';
      requireDevice(caps, driver, where);
      const props: Props = { driver, wwpn: hd.source.wwpn, id: hostdevAlias(index) };
      if (boot !== undefined) props.bootindex = boot;
      return { ...props, ...pciProps(dom, hd.address, where) };
    }
    case 'mdev': {
      const driver = hd.ramfb ? 'vfio-pci-nohotplug' : 'vfio-pci';
      requireDevice(caps, driver, where);
      const props: Props = { driver, id: hostdevAlias(index), sysfsdev: `/sys/bus/mdev/devices/${hd.source.uuid}` };
      if (hd.display !== undefined) props.display = hd.display ? 'on' : 'off';
      if (hd.ramfb) props.ramfb = true;
      if (boot !== undefined) props.bootindex = boot;
      return { ...props, ...pciProps(dom, hd.address, where), ...romProps(hd) };
    }
    case 'scsi':
      throw unsupported(`${where}: SCSI host device passthrough (scsi-generic of a host /dev/sg node${hd.source.iscsi ? ' or an iSCSI LUN' : ''}) is not supported by tsvirt`);
  }
}

export function hostdevArgs(dom: Domain, caps: QemuCaps, bootIndexes: Map<Hostdev, number>): ArgPair[] {
  // an unassigned PCI device is held for the guest on the host (vfio) but not plugged in
  return dom.devices.hostdevs.flatMap((hd, i) => (hd.unassigned ? [] : [jsonArg('-device', hostdevDeviceProps(hd, i, dom, caps, bootIndexes.get(hd)))]));
}
