// <controller> parse/format (libvirt's virDomainControllerDefParseXML / ...Format).
import type { Controller } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, hex, onOff, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { parseVirtioDriverOptions, virtioDriverAttrs } from './domain-virtio-driver-xml.js';
import { assignDefined } from './xml-assign.js';
import { parseSizeKiB } from '../util/units.js';
import { isTsvirtError } from '../util/errors.js';

export const CONTROLLER_TYPES = ['pci', 'usb', 'sata', 'scsi', 'ide', 'virtio-serial', 'fdc', 'ccid', 'xenbus', 'isa'] as const;

export const CONTROLLER_MODELS: Partial<Record<Controller['type'], readonly string[]>> = {
  pci: ['pci-root', 'pcie-root', 'pci-bridge', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge', 'pcie-root-port', 'pcie-switch-upstream-port',
    'pcie-switch-downstream-port', 'pci-expander-bus', 'pcie-expander-bus'],
  scsi: ['auto', 'buslogic', 'lsilogic', 'lsisas1068', 'vmpvscsi', 'ibmvscsi', 'virtio-scsi', 'lsisas1078', 'virtio-transitional',
    'virtio-non-transitional', 'ncr53c90', 'dc390', 'am53c974'],
  usb: ['piix3-uhci', 'piix4-uhci', 'ehci', 'ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3', 'vt82c686b-uhci', 'pci-ohci', 'nec-xhci',
    'qusb1', 'qusb2', 'qemu-xhci', 'none'],
  ide: ['piix3', 'piix4', 'ich6'],
  'virtio-serial': ['virtio', 'virtio-transitional', 'virtio-non-transitional'],
  isa: [],
};
/** <model name=...> values (virDomainControllerPCIModelName) */
export const PCI_MODEL_NAMES = ['pci-bridge', 'i82801b11-bridge', 'ioh3420', 'x3130-upstream', 'xio3130-downstream', 'pxb', 'pxb-pcie',
  'pcie-root-port', 'spapr-pci-host-bridge', 'pcie-pci-bridge'] as const;

const COMPANION_START: Record<string, number> = { 'ich9-uhci1': 0, 'ich9-uhci2': 2, 'ich9-uhci3': 4 };


export function parseController(x: XmlElement): Controller {
  const type = x.reqEnumAttr('type', CONTROLLER_TYPES);
  const model = x.attr('model');
  if (model !== undefined && !(CONTROLLER_MODELS[type] ?? []).includes(model)) throw x.error(`Unknown model type '${model}'`);
  const c: Controller = assignDefined({ type, index: x.intAttr('index', { min: 0 }) ?? 0 } as Controller, {
    model,
    ports: type === 'usb' || type === 'virtio-serial' ? x.intAttr('ports', { min: 0 }) : undefined,
    vectors: type === 'virtio-serial' ? x.intAttr('vectors', { min: 0 }) : undefined,
    maxGrantFrames: type === 'xenbus' ? x.intAttr('maxGrantFrames', { min: 0 }) : undefined,
    maxEventChannels: type === 'xenbus' ? x.intAttr('maxEventChannels', { min: 0 }) : undefined,
  });
  const d = x.child('driver');
  if (d) {
    c.driver = assignDefined({}, {
      queues: d.intAttr('queues', { min: 0 }),
      cmdPerLun: d.intAttr('cmd_per_lun', { min: 0 }),
      maxSectors: d.intAttr('max_sectors', { min: 0 }),
      ioeventfd: d.switchAttr('ioeventfd'),
      iothread: d.intAttr('iothread', { min: 0 }),
      virtio: parseVirtioDriverOptions(d),
    });
  }
  const models = x.children('model');
  if (models.length > 1) throw models[1].error('Multiple <model> elements in controller definition not allowed');
  if (models[0]) c.modelName = models[0].reqEnumAttr('name', PCI_MODEL_NAMES);
  const targets = x.children('target');
  if (targets.length > 1) throw targets[1].error('Multiple <target> elements in controller definition not allowed');
  const t = targets[0];
  if (t) {
    const node = t.child('node');
    c.target = assignDefined({}, {
      chassisNr: t.intAttr('chassisNr', { min: 0 }),
      chassis: t.intAttr('chassis', { min: 0 }),
      port: t.intAttr('port', { min: 0 }),
      busNr: t.intAttr('busNr', { min: 0 }),
      hotplug: t.switchAttr('hotplug'),
      index: t.intAttr('index', { min: 0 }),
      node: node ? node.toInt(node.text(), 'NUMA node in target', { min: 0 }) : undefined,
    });
  }
  const master = x.child('master');
  if (master) c.master = { startport: master.reqIntAttr('startport', { min: 0 }) };
  // libvirt gives a companion without <master> its usual start port
  else if (type === 'usb' && model && COMPANION_START[model] !== undefined) c.master = { startport: COMPANION_START[model] };
  parseDeviceInfo(x, c);
  // libvirt ignores the address of a model='none' USB controller
  if (type === 'usb' && model === 'none') delete c.address;
  const hole = x.child('pcihole64');
  if (hole) {
    if (type !== 'pci' || (model !== 'pci-root' && model !== 'pcie-root')) throw hole.error('<pcihole64> fits only a pci-root or pcie-root controller');
    try {
      c.pcihole64 = parseSizeKiB(hole.text(), hole.attr('unit'), '<pcihole64>');
    } catch (e) {
      throw isTsvirtError(e) ? hole.error(e.message) : e;
    }
  }
  return c;
}

export function formatController(c: Controller, opts: FormatOptions): XmlNode {
  const t = c.target;
  const dr = c.driver;
  const driverAttrs = dr && {
    queues: dr.queues, cmd_per_lun: dr.cmdPerLun, max_sectors: dr.maxSectors, ioeventfd: onOff(dr.ioeventfd), iothread: dr.iothread,
    ...virtioDriverAttrs(dr.virtio),
  };
  const hasDriver = driverAttrs && Object.values(driverAttrs).some((v) => v !== undefined);
  return el('controller', {
    type: c.type, index: c.index, model: c.model, ports: c.ports, vectors: c.vectors,
    maxGrantFrames: c.maxGrantFrames, maxEventChannels: c.maxEventChannels,
  }, [
    c.type === 'pci' && c.modelName !== undefined && el('model', { name: c.modelName }),
    c.type === 'pci' && t && Object.values(t).some((v) => v !== undefined) && el('target', {
      chassisNr: t.chassisNr, chassis: t.chassis, port: hex(t.port), busNr: t.busNr, index: t.index, hotplug: onOff(t.hotplug),
    }, t.node !== undefined ? [el('node', {}, String(t.node))] : undefined),
    hasDriver && el('driver', driverAttrs),
    ...formatDeviceInfo(c, opts, c.master && el('master', { startport: c.master.startport })),
    c.pcihole64 !== undefined && el('pcihole64', { unit: 'KiB' }, String(c.pcihole64)),
  ]);
}

const USB2_MODELS = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);

/**
 * The controller list as libvirt's parser leaves it: each inserted after the last one of its type
 * with a lower or equal index, a USB2 master before its companions, one without index= after the
 * last of its type (virDomainControllerInsertPreAlloced); then every controller without index=
 * gets one (virDomainAssignControllerIndexes): a USB2 companion shares the index of the USB
 * controller before it when that is USB2 and has no controller of its model yet; any other takes
 * the lowest index its type does not use.
 */
const lastOfType = (list: Controller[], type: Controller['type']) => list.map((c) => c.type).lastIndexOf(type);

export function orderAndIndexControllers(list: Controller[], unindexed: Set<Controller>): void {
  const idx = (c: Controller) => (unindexed.has(c) ? -1 : c.index);
  const out: Controller[] = [];
  for (const c of list) {
    let at = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      const cur = out[i];
      if (cur.type !== c.type) continue;
      if (idx(c) === -1) {
        at = i + 1;
        break;
      }
      if (idx(cur) > idx(c)) at = i;
      else if (!c.master && cur.master && idx(cur) === idx(c)) at = i;
      else if (at === -1) at = i + 1;
    }
    // Deviation kept on purpose: an indexed controller that comes after every one of its type stays
    // where the document has it (libvirt moves it up to the last of its type). libvirt's own output
    // lists controllers it added at the end (pci 0, scsi 0, pci 1), and moving those on a second
    // define would make define(dumpxml) change the order again.
    if (at === -1 || (idx(c) !== -1 && at === lastOfType(out, c.type) + 1 && !out.slice(at).some((o) => o.type === c.type))) out.push(c);
    else out.splice(at, 0, c);
  }
  list.splice(0, list.length, ...out);
  for (const c of unindexed) c.index = -1;
  list.forEach((c, i) => {
    if (c.index !== -1) return;
    if (i > 0 && c.type === 'usb' && USB2_MODELS.has(c.model ?? '')) {
      let p = i - 1;
      while (p >= 0 && list[p].type !== 'usb') p--;
      const prev = p >= 0 ? list[p] : undefined;
      if (prev && USB2_MODELS.has(prev.model ?? '') && !list.some((o) => o.type === 'usb' && o.index === prev.index && o.model === c.model)) {
        c.index = prev.index;
        return;
      }
    }
    let n = 0;
    while (list.some((o) => o.type === c.type && o.index === n)) n++;
    c.index = n;
  });
}
