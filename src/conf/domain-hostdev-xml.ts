// <hostdev mode='subsystem' type='pci|usb|scsi|scsi_host|mdev'>: parse and format, each
// mirroring the other in libvirt 9.0's order (virDomainHostdevDefFormat and its
// virDomainHostdevDefFormatSubsys* helpers), plus libvirt's checks of the source.
import type { Domain, Hostdev, HostdevSource } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { formatAddress, formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, describeAddress, type FormatOptions } from './domain-address-xml.js';
import { parseUuid } from '../util/uuid.js';
import { TsvirtError } from '../util/errors.js';

const TYPES = ['pci', 'usb', 'scsi', 'scsi_host', 'mdev'] as const;

export function parseHostdev(x: XmlElement): Hostdev {
  const mode = x.enumAttr('mode', ['subsystem', 'capabilities'] as const) ?? 'subsystem';
  if (mode === 'capabilities') throw new TsvirtError('config-unsupported', "hostdev mode 'capabilities' is not supported in qemu");
  const type = x.reqEnumAttr('type', TYPES);
  const h: Hostdev = { mode, type, managed: x.boolAttr('managed') ?? false, source: {} };
  const src = x.child('source');
  if (!src) throw x.error('Missing <source> element in hostdev device');
  switch (type) {
    case 'pci': parsePciSource(src, h.source); break;
    case 'usb':
      parseUsbSource(src, h.source);
      if (src.boolAttr('missing')) h.missing = true; // live-only
      break;
    case 'scsi': parseScsiSource(x, src, h); break;
    case 'scsi_host': {
      src.reqEnumAttr('protocol', ['vhost'] as const);
      const wwpn = src.attr('wwpn');
      if (!wwpn) throw src.error("missing vhost-scsi hostdev source wwpn");
      if (!/^naa\.[0-9a-fA-F]{16}$/.test(wwpn)) throw src.error(`malformed 'wwpn' value '${wwpn}'`);
      h.source.wwpn = wwpn;
      const model = x.enumAttr('model', ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const);
      if (model) h.model = model;
      break;
    }
    case 'mdev': {
      h.model = x.reqEnumAttr('model', ['vfio-pci', 'vfio-ccw', 'vfio-ap'] as const);
      const display = x.switchAttr('display');
      const ramfb = x.switchAttr('ramfb');
      if (display !== undefined) h.display = display;
      if (ramfb !== undefined) h.ramfb = ramfb;
      const a = src.child('address');
      const uuid = a?.reqAttr('uuid');
      const u = uuid === undefined ? undefined : parseUuid(uuid);
      if (!u) throw (a ?? src).error(`Missing or invalid mdev <address uuid=/> in hostdev source`);
      h.source.uuid = u;
      break;
    }
  }
  const d = x.child('driver');
  if (d) {
    if (type !== 'pci') throw d.error(`<driver> is only supported for PCI host devices`);
    h.driver = d.reqEnumAttr('name', ['vfio', 'kvm', 'xen', 'default'] as const);
  }
  const teaming = x.child('teaming');
  if (teaming) {
    h.teaming = { type: teaming.reqEnumAttr('type', ['persistent', 'transient'] as const) };
    const p = teaming.attr('persistent');
    if (p !== undefined) h.teaming.persistent = p;
  }
  if (x.child('readonly')) h.readonly = true;
  if (x.child('shareable')) h.shareable = true;
  const rom = x.child('rom');
  if (rom) {
    h.rom = {};
    const enabled = rom.boolAttr('enabled');
    const bar = rom.switchAttr('bar');
    const file = rom.attr('file');
    if (enabled !== undefined) h.rom.enabled = enabled;
    if (bar !== undefined) h.rom.bar = bar;
    if (file !== undefined) h.rom.file = file;
  }
  const unassigned = parseDeviceInfo(x, h, true, 'unassigned');
  if (unassigned) {
    if (type !== 'pci') throw unassigned.error("address type 'unassigned' is only supported for PCI host devices");
    h.unassigned = true;
  }
  return h;
}



function parsePciSource(src: XmlElement, s: HostdevSource): void {
  const wf = src.boolAttr('writeFiltering');
  if (wf !== undefined) s.writeFiltering = wf;
  const a = src.child('address');
  if (!a) throw src.error('PCI host devices must use \'pci\' address type');
  a.enumAttr('type', ['pci'] as const);
  s.address = parsePciAddress(a);
  // <origstates> is status-only state of the host driver (unbind/removeslot/reprobe): read, not kept
  const orig = src.child('origstates');
  if (orig) orig.allChildren();
}

function parseUsbSource(src: XmlElement, s: HostdevSource): void {
  const sp = src.enumAttr('startupPolicy', ['mandatory', 'requisite', 'optional'] as const);
  if (sp) s.startupPolicy = sp;
  const gr = src.enumAttr('guestReset', ['off', 'uninitialized', 'on'] as const);
  if (gr) s.guestReset = gr;
  src.attr('autoAddress'); // migration-only hint
  const usb: NonNullable<HostdevSource['usb']> = {};
  const vendor = src.child('vendor');
  const product = src.child('product');
  if (vendor) usb.vendor = vendor.reqIntAttr('id', { min: 0, max: 0xffff });
  if (product) usb.product = product.reqIntAttr('id', { min: 0, max: 0xffff });
  if ((vendor === undefined) !== (product === undefined)) throw src.error(vendor ? 'missing product' : 'missing vendor');
  const a = src.child('address');
  if (a) {
    a.enumAttr('type', ['usb'] as const);
    usb.bus = a.reqIntAttr('bus', { min: 0 });
    usb.device = a.reqIntAttr('device', { min: 0 });
  }
  if (!vendor && !a) throw src.error('usb hostdev needs a vendor/product or a bus/device address');
  s.usb = usb;
}

function parseScsiSource(x: XmlElement, src: XmlElement, h: Hostdev): void {
  const sgio = x.enumAttr('sgio', ['filtered', 'unfiltered'] as const);
  if (sgio) h.sgio = sgio;
  const rawio = x.boolAttr('rawio');
  if (rawio !== undefined) h.rawio = rawio;
  const protocol = src.enumAttr('protocol', ['adapter', 'iscsi'] as const);
  if (protocol === 'iscsi') {
    // libvirt's virDomainPostParseCheckISCSIPath: an IQN without a LUN means LUN 0
    const iqn = src.reqAttr('name');
    const name = iqn.includes('/') ? iqn : `${iqn}/0`;
    const host = src.children('host');
    if (host.length !== 1) throw src.error('iSCSI hostdev source needs exactly one host');
    const iscsi: NonNullable<HostdevSource['iscsi']> = { name, host: { name: host[0].reqAttr('name') } };
    const port = host[0].intAttr('port', { min: 0, max: 65535 });
    if (port !== undefined) iscsi.host.port = port;
    const auth = src.child('auth');
    if (auth) {
      const sec = auth.child('secret');
      if (!sec) throw auth.error('missing <secret> in <auth>');
      iscsi.auth = { username: auth.reqAttr('username'), secretType: sec.reqEnumAttr('type', ['iscsi', 'ceph'] as const) };
      const usage = sec.attr('usage');
      const uuid = sec.attr('uuid');
      if (usage !== undefined) iscsi.auth.usage = usage;
      if (uuid !== undefined) iscsi.auth.uuid = uuid;
    }
    const ini = src.child('initiator');
    if (ini) iscsi.initiator = ini.child('iqn')?.reqAttr('name');
    h.source.iscsi = iscsi;
    return;
  }
  const ad = src.child('adapter');
  const a = src.child('address');
  if (!ad || !a) throw src.error('SCSI host device source needs <adapter name=/> and <address bus= target= unit=/>');
  a.enumAttr('type', ['scsi'] as const);
  h.source.adapter = { name: ad.reqAttr('name'), bus: a.reqIntAttr('bus', { min: 0 }), target: a.reqIntAttr('target', { min: 0 }), unit: a.reqIntAttr('unit', { min: 0 }) };
}

// ---- format
function formatSource(h: Hostdev, opts: FormatOptions): XmlChild[] {
  const s = h.source;
  switch (h.type) {
    case 'pci':
      return [
        h.driver && el('driver', { name: h.driver }),
        el('source', { writeFiltering: s.writeFiltering === undefined ? undefined : s.writeFiltering ? 'yes' : 'no' },
          s.address ? [el('address', pciAddressAttrs(s.address, false))] : []),
      ];
    case 'usb': {
      const u = s.usb ?? {};
      const hex4 = (n: number | undefined) => '0x' + (n ?? 0).toString(16).padStart(4, '0');
      return [el('source', { startupPolicy: s.startupPolicy, missing: h.missing && !opts.inactive ? 'yes' : undefined, guestReset: s.guestReset }, [
        u.vendor !== undefined && el('vendor', { id: hex4(u.vendor) }),
        u.vendor !== undefined && el('product', { id: hex4(u.product) }),
        (u.bus || u.device) ? el('address', { bus: u.bus ?? 0, device: u.device ?? 0 }) : undefined,
      ])];
    }
    case 'scsi': {
      if (s.iscsi) {
        const i = s.iscsi;
        return [el('source', { protocol: 'iscsi', name: i.name }, [
          el('host', { name: i.host.name, port: i.host.port }),
          i.auth && el('auth', { username: i.auth.username }, [el('secret', { type: i.auth.secretType, usage: i.auth.usage, uuid: i.auth.uuid })]),
          i.initiator !== undefined && el('initiator', {}, [el('iqn', { name: i.initiator })]),
        ])];
      }
      const a = s.adapter!;
      return [el('source', {}, [el('adapter', { name: a.name }), el('address', { bus: a.bus, target: a.target, unit: a.unit })])];
    }
    case 'scsi_host':
      return [el('source', { protocol: 'vhost', wwpn: s.wwpn })];
    case 'mdev':
      return [el('source', {}, [el('address', { uuid: s.uuid })])];
  }
}

export function formatHostdev(h: Hostdev, opts: FormatOptions): XmlNode {
  const onOff = (v: boolean | undefined) => (v === undefined ? undefined : v ? 'on' : 'off');
  const info = formatDeviceInfo({ ...h, address: undefined }, opts);
  const rom = h.rom && el('rom', { enabled: h.rom.enabled === undefined ? undefined : h.rom.enabled ? 'yes' : 'no', bar: onOff(h.rom.bar), file: h.rom.file });
  return el('hostdev', {
    mode: h.mode, type: h.type, managed: h.managed ? 'yes' : 'no',
    sgio: h.sgio, rawio: h.rawio === undefined ? undefined : h.rawio ? 'yes' : 'no',
    model: h.model, display: onOff(h.display), ramfb: onOff(h.ramfb),
  }, [
    ...formatSource(h, opts),
    h.teaming && el('teaming', { type: h.teaming.type, persistent: h.teaming.persistent }),
    flagEl('readonly', h.readonly),
    flagEl('shareable', h.shareable),
    ...info,
    rom,
    h.address && formatAddress(h.address),
    h.unassigned && el('address', { type: 'unassigned' }),
  ]);
}

/** A short name of the host device, for messages and duplicate checks. */
export function hostdevSourceKey(h: Hostdev): string {
  const s = h.source;
  switch (h.type) {
    case 'pci': return s.address ? describeAddress(s.address) : 'PCI ?';
    case 'usb': {
      const u = s.usb ?? {};
      const id = u.vendor !== undefined ? `${u.vendor.toString(16).padStart(4, '0')}:${(u.product ?? 0).toString(16).padStart(4, '0')}` : '';
      const at = u.bus !== undefined ? `${u.bus}.${u.device}` : '';
      return `USB ${id}${id && at ? ' ' : ''}${at}`;
    }
    case 'scsi': return s.iscsi ? `iSCSI ${s.iscsi.name}` : `SCSI ${s.adapter?.name}:${s.adapter?.bus}:${s.adapter?.target}:${s.adapter?.unit}`;
    case 'scsi_host': return `vhost-scsi ${s.wwpn}`;
    case 'mdev': return `mdev ${s.uuid}`;
  }
}

/** libvirt's hostdev checks (virDomainHostdevDefValidate, qemuValidateDomainDeviceDefHostdev). */
export function validateHostdevs(dom: Domain): void {
  const unsupported = (m: string) => new TsvirtError('config-unsupported', m);
  const seen = new Set<string>();
  for (const h of dom.devices.hostdevs) {
    const key = hostdevSourceKey(h);
    if (seen.has(key) && !(h.type === 'usb' && h.source.usb?.bus === undefined)) throw new TsvirtError('xml-error', `host device ${key} is assigned more than once`);
    seen.add(key);
    if (h.type === 'pci') {
      if (!h.source.address) throw new TsvirtError('xml-error', 'hostdev needs a PCI source address');
      if (h.source.writeFiltering !== undefined) throw unsupported('Write filtering of PCI device configuration space is not supported by qemu');
      if (h.driver && h.driver !== 'vfio' && h.driver !== 'default') throw unsupported(`host PCI device backend '${h.driver}' is not supported by qemu; use 'vfio'`);
    }
    if (h.type === 'scsi' && h.sgio === 'unfiltered') throw unsupported('unfiltered sgio is no longer supported');
    if (h.rom && h.type !== 'pci' && !(h.type === 'mdev' && h.model === 'vfio-pci')) throw unsupported('ROM tuning is only supported for PCI devices');
    if (h.type === 'mdev') {
      if (h.display && dom.devices.graphics.length === 0) throw unsupported("graphics device is needed for attribute value 'display=on' in <hostdev>");
      if (h.display !== undefined && h.model !== 'vfio-pci') throw unsupported(`<hostdev> attribute 'display' is only supported with model='vfio-pci'`);
      if (h.ramfb && !h.display) throw unsupported("ramfb device requires display='on'");
      if (h.model !== 'vfio-pci') throw unsupported(`mediated device model '${h.model}' is not supported on x86 (s390 only)`);
    }
    if (h.teaming && h.teaming.type === 'transient' && !h.teaming.persistent) throw new TsvirtError('xml-error', "teaming type='transient' needs a persistent= interface alias");
  }
}

/** libvirt turns an mdev's absent display into off when it is a vfio-pci mdev (qemuDomainHostdevDefMdevPostParse). */
export function hostdevDefaults(dom: Domain): void {
  for (const h of dom.devices.hostdevs) {
    if (h.type === 'mdev' && h.model === 'vfio-pci') h.display ??= false;
  }
}
