// Controllers: PCI(e) ports and bridges, USB, SATA, SCSI, virtio-serial. Built-in controllers
// (the PCI root, the i440fx IDE, the q35 SATA at index 0) get no -device but keep libvirt's alias,
// which is the bus name that disks and ports plug into.
import { TsvirtError } from '../util/errors.js';
import type { Controller, Domain } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, isQ35, jsonArg, pciProps, requireDevice, usbControllerAlias, usbProps } from './argv-common.js';
import { virtioDriverProps } from './argv-virtio-driver.js';
import { isUserAlias } from '../conf/domain-address-xml.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** libvirt's alias of a controller, which is also its QEMU id / bus name. */
export function controllerAlias(dom: Domain, type: Controller['type'], index: number): string {
  // a user alias names the bus of SCSI and SATA controllers (the disk builders ask here); PCI and USB
  // bus names are still the generated ones
  if (type === 'scsi' || type === 'sata') {
    const c = dom.devices.controllers.find((x) => x.type === type && x.index === index);
    if (c && isUserAlias(c.alias) && !(type === 'sata' && index === 0 && isQ35(dom))) return c.alias;
  }
  switch (type) {
    case 'pci': return index === 0 ? (isQ35(dom) ? 'pcie.0' : 'pci.0') : `pci.${index}`;
    case 'usb': return usbControllerAlias(index);
    case 'sata': return index === 0 && isQ35(dom) ? 'ide' : `sata${index}`;
    case 'ide': return 'ide';
    default: return `${type}${index}`; // scsi0, virtio-serial0, fdc0
  }
}

const PCI_MODELS: Record<string, string> = {
  'pcie-root-port': 'pcie-root-port',
  'pci-bridge': 'pci-bridge',
  'pcie-to-pci-bridge': 'pcie-pci-bridge',
  'dmi-to-pci-bridge': 'i82801b11-bridge',
  'pcie-switch-upstream-port': 'x3130-upstream',
  'pcie-switch-downstream-port': 'xio3130-downstream',
  'pci-expander-bus': 'pxb',
  'pcie-expander-bus': 'pxb-pcie',
};
/** QEMU device -> the kind it is (same names as PCI_MODELS' values). */
const PCI_DEVICE_KIND: Record<string, string> = {
  'pcie-root-port': 'pcie-root-port',
  ioh3420: 'pcie-root-port',
  'pci-bridge': 'pci-bridge',
  'pcie-pci-bridge': 'pcie-pci-bridge',
  'i82801b11-bridge': 'i82801b11-bridge',
  'x3130-upstream': 'x3130-upstream',
  'xio3130-downstream': 'xio3130-downstream',
  pxb: 'pxb',
  'pxb-pcie': 'pxb-pcie',
};
const USB_MODELS: Record<string, string> = {
  'piix3-uhci': 'piix3-usb-uhci',
  'piix4-uhci': 'piix4-usb-uhci',
  ehci: 'usb-ehci',
  'ich9-ehci1': 'ich9-usb-ehci1',
  'ich9-uhci1': 'ich9-usb-uhci1',
  'ich9-uhci2': 'ich9-usb-uhci2',
  'ich9-uhci3': 'ich9-usb-uhci3',
  'nec-xhci': 'nec-usb-xhci',
  'qemu-xhci': 'qemu-xhci',
  'vt82c686b-uhci': 'vt82c686b-usb-uhci',
  'pci-ohci': 'pci-ohci',
};
// auto, buslogic, ncr53c90 (built into other machines) and ibmvscsi (pSeries) have no device here
const SCSI_MODELS: Record<string, string> = {
  'virtio-scsi': 'virtio-scsi-pci', 'virtio-transitional': 'virtio-scsi-pci-transitional', 'virtio-non-transitional': 'virtio-scsi-pci-non-transitional',
  lsilogic: 'lsi53c895a', lsisas1068: 'mptsas1068', lsisas1078: 'megasas', vmpvscsi: 'pvscsi', am53c974: 'am53c974', dc390: 'dc-390',
};

function pick(table: Record<string, string>, model: string, what: string): string {
  const driver = table[model];
  if (!driver) throw unsupported(`${what} model '${model}' is not supported (known: ${Object.keys(table).join(', ')})`);
  return driver;
}

/** The -device / device_add body of a controller, or undefined for a built-in one. */
export function controllerDeviceProps(c: Controller, dom: Domain, caps: QemuCaps): Props | undefined {
  const id = controllerAlias(dom, c.type, c.index);
  const where = `controller type='${c.type}' index='${c.index}'`;
  let props: Props;
  switch (c.type) {
    case 'pci': {
      if (c.index === 0 || c.model === 'pci-root' || c.model === 'pcie-root') {
        if (c.index !== 0) throw unsupported(`${where}: only index 0 can be the PCI root`);
        return undefined;
      }
      const model = c.model ?? (isQ35(dom) ? 'pcie-root-port' : 'pci-bridge');
      // <model name=...> records the QEMU device libvirt chose (e.g. ioh3420 for a root port)
      const driver = c.modelName ?? pick(PCI_MODELS, model, 'PCI controller');
      if (!PCI_DEVICE_KIND[driver] || PCI_DEVICE_KIND[driver] !== PCI_MODELS[model]) {
        throw unsupported(`${where}: <model name='${driver}'> does not fit model '${model}'`);
      }
      const t = c.target ?? {};
      const kind = PCI_DEVICE_KIND[driver];
      if (kind === 'pcie-root-port' || kind === 'xio3130-downstream') {
        props = { driver, ...(t.port !== undefined ? { port: t.port } : {}), chassis: t.chassis ?? c.index, id, ...(t.hotplug !== undefined ? { hotplug: t.hotplug } : {}) };
      } else if (kind === 'pci-bridge') props = { driver, chassis_nr: t.chassisNr ?? t.chassis ?? c.index, id };
      else if (kind === 'pxb' || kind === 'pxb-pcie') props = { driver, bus_nr: t.busNr, id, ...(t.node !== undefined ? { numa_node: t.node } : {}) };
      else props = { driver, id };
      break;
    }
    case 'usb': {
      const model = c.model ?? (isQ35(dom) ? 'qemu-xhci' : 'piix3-uhci');
      if (model === 'none') return undefined;
      const driver = pick(USB_MODELS, model, 'USB controller');
      // a companion serves ports of the USB2 controller's bus and has no bus (nor id) of its own
      props = c.master
        ? { driver, masterbus: `${id}.0`, firstport: c.master.startport }
        : { driver, ...(c.ports && driver.endsWith('xhci') ? { p2: c.ports, p3: c.ports } : {}), id };
      break;
    }
    case 'sata':
      if (c.index === 0 && isQ35(dom)) return undefined;
      props = { driver: 'ich9-ahci', id };
      break;
    case 'ide':
      if (c.index === 0 && !isQ35(dom)) return undefined;
      throw unsupported(`${where}: only the built-in IDE controller of the i440fx (pc) machine is supported`);
    case 'scsi': {
      const model = c.model ?? 'virtio-scsi';
      props = { driver: pick(SCSI_MODELS, model, 'SCSI controller'), id };
      if (model.startsWith('virtio')) {
        const dr = c.driver ?? {};
        Object.assign(props, virtioDriverProps(dr.virtio), {
          ...(dr.iothread ? { iothread: `iothread${dr.iothread}` } : {}),
          ...(dr.queues ? { num_queues: dr.queues } : {}), ...(dr.cmdPerLun ? { cmd_per_lun: dr.cmdPerLun } : {}),
          ...(dr.maxSectors ? { max_sectors: dr.maxSectors } : {}), ...(dr.ioeventfd !== undefined ? { ioeventfd: dr.ioeventfd } : {}),
        });
      }
      break;
    }
    case 'virtio-serial':
      props = {
        driver: c.model === 'virtio-transitional' ? 'virtio-serial-pci-transitional' : c.model === 'virtio-non-transitional' ? 'virtio-serial-pci-non-transitional' : 'virtio-serial-pci',
        id, ...virtioDriverProps(c.driver?.virtio),
        ...(c.ports !== undefined ? { max_ports: c.ports } : {}), ...(c.vectors !== undefined ? { vectors: c.vectors } : {}),
      };
      break;
    case 'ccid':
      requireDevice(caps, 'usb-ccid', where);
      return { driver: 'usb-ccid', id, ...usbProps(dom, c.address, where) };
    case 'fdc':
    case 'isa':
      return undefined; // built into the machine
    case 'xenbus':
      throw unsupported(`${where}: the xenbus controller exists only for Xen guests`);
    default:
      throw unsupported(`${where} is not supported`);
  }
  requireDevice(caps, props.driver as string, where);
  return { ...props, ...pciProps(dom, c.address, where) };
}

/** PCI controllers first (by index, so a bridge exists before what plugs into it), then the rest. */
export function controllerArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const pci = dom.devices.controllers.filter((c) => c.type === 'pci').sort((a, b) => a.index - b.index);
  const rest = dom.devices.controllers.filter((c) => c.type !== 'pci' && c.type !== 'ccid'); // usb-ccid: argv-usb.ts
  const args: ArgPair[] = [];
  // <pcihole64> of the PCI root: the host bridge's 64-bit hole (qemuBuildGlobalControllerCommandLine)
  const root = pci.find((c) => c.index === 0 && c.pcihole64 !== undefined);
  if (root) args.push(['-global', `${isQ35(dom) ? 'q35-pcihost' : 'i440FX-pcihost'}.pci-hole64-size=${root.pcihole64}K`]);
  for (const c of [...pci, ...rest]) {
    const props = controllerDeviceProps(c, dom, caps);
    if (props) args.push(jsonArg('-device', props));
  }
  return args;
}
