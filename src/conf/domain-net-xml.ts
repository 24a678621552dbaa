// <interface>: parse and format, mirroring libvirt 9.0's virDomainNetDefParseXML and
// virDomainNetDefFormat (children written in libvirt's order, not the input's).
import type { NetInterface } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, onOff, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';
import { NET_TYPES, type NetSource, type NetType } from './domain-net-types.js';
import { formatNetDriver, isVirtioNetModel, parseNetDriver } from './domain-net-driver-xml.js';
import {
  formatBandwidth, formatFilterRef, formatIpInfo, formatVirtualPort, formatVlan,
  formatPortForward, parseBandwidth, parseFilterRef, parseIpInfo, parsePortForward, parseVirtualPort, parseVlan, type VirtualPortFlags,
} from './domain-net-parts-xml.js';

/** Types whose <virtualport> libvirt reads, with its flags; the others refuse one. */
const VPORT_FLAGS: Partial<Record<NetType, VirtualPortFlags>> = {
  network: { generateMissing: true },
  bridge: { generateMissing: true, requireAll: true, requireType: true },
  direct: { generateMissing: true, requireAll: true, requireType: true },
  hostdev: { generateMissing: true, requireAll: true, requireType: true },
};
/** Types whose <filterref> libvirt reads (it ignores the element on the others). */
const FILTER_TYPES = new Set<NetType>(['network', 'bridge', 'ethernet']);

function parseSource(x: XmlElement, s: XmlElement, nic: NetInterface): void {
  const src: NetSource = {};
  const setStr = (k: 'network' | 'portgroup' | 'bridge' | 'dev' | 'name' | 'address', name: string = k, required = false) => {
    const v = required ? s.reqAttr(name) : s.attr(name);
    if (v !== undefined) src[k] = v;
  };
  switch (nic.type) {
    case 'network':
      setStr('network', 'network', true);
      setStr('portgroup');
      { const portid = s.attr('portid'); if (portid) src.portid = portid.toLowerCase(); }
      break;
    case 'bridge': setStr('bridge', 'bridge', true); break;
    case 'internal': setStr('name', 'name', true); break;
    case 'vdpa': setStr('dev', 'dev', true); break;
    case 'user':
      if (['network', 'bridge', 'type', 'path', 'mode'].some((a) => s.hasAttr(a))) {
        throw s.error("<source> is not supported on <interface type='user'> (only <source dev=> with the passt backend)");
      }
      setStr('dev');
      break;
    case 'direct':
      setStr('dev', 'dev', true);
      src.mode = s.enumAttr('mode', ['vepa', 'private', 'bridge', 'passthrough'] as const) ?? 'vepa';
      break;
    case 'vds':
      src.switchid = s.reqAttr('switchid').toLowerCase();
      src.vdsPortid = s.reqIntAttr('portid');
      src.portgroupid = s.reqAttr('portgroupid');
      src.connectionid = s.reqIntAttr('connectionid');
      break;
    case 'vhostuser': {
      const t = s.reqAttr('type');
      if (t !== 'unix') throw s.error(`Type='${t}' unsupported for <interface type='vhostuser'>`);
      src.path = s.reqAttr('path');
      src.listen = s.reqEnumAttr('mode', ['client', 'server'] as const) === 'server';
      const r = s.child('reconnect');
      if (r) {
        const enabled = r.boolAttr('enabled');
        if (enabled === undefined) throw r.error("missing attribute 'enabled' on <reconnect>");
        src.reconnect = { enabled };
        const timeout = r.intAttr('timeout', { min: 0 });
        if (enabled && timeout !== undefined) src.reconnect.timeout = timeout;
      }
      break;
    }
    case 'client': case 'server': case 'mcast': case 'udp':
      setStr('address', 'address', nic.type !== 'server');
      src.port = s.reqIntAttr('port');
      if (nic.type === 'udp') {
        const l = s.child('local');
        if (!l) throw x.error("'<local>' element missing for 'udp' socket interface");
        src.local = { address: l.reqAttr('address'), port: l.reqIntAttr('port') };
      }
      break;
    default:
      return;
  }
  nic.source = src;
}

function parseHostdevSource(x: XmlElement, nic: NetInterface): void {
  const d = x.child('driver');
  const backend = d?.enumAttr('name', ['kvm', 'vfio', 'xen', 'default'] as const);
  // the virtio-net attributes are ignored here; the virtio options still count (validation)
  const drv = d && parseNetDriver(d, false);
  if (drv) nic.driver = drv;
  const s = x.child('source');
  if (!s) return; // validation refuses it; a device to detach may name just the MAC
  const a = s.child('address');
  const type = a?.attr('type');
  if (!a || type === undefined) throw x.error('missing source address type');
  if (type !== 'pci') throw a.error(`unknown host device source address type '${type}'`);
  nic.hostdev = { address: parsePciAddress(a) };
  if (backend && backend !== 'default') nic.hostdev.driver = backend;
}

export function parseInterface(x: XmlElement): NetInterface {
  const type = x.enumAttr('type', NET_TYPES) ?? 'user';
  const macEl = x.child('mac');
  const nic: NetInterface = { type, mac: macEl?.attr('address')?.toLowerCase() ?? '' };
  if (macEl) {
    const mt = macEl.enumAttr('type', ['generated', 'static'] as const);
    if (mt) nic.macType = mt;
    const check = macEl.boolAttr('check');
    if (check !== undefined) nic.macCheck = check;
  }
  const trust = x.boolAttr('trustGuestRxFilters');
  if (trust !== undefined) nic.trustGuestRxFilters = trust;
  const managed = x.boolAttr('managed'); // read for every type, kept by hostdev only (as libvirt)
  const m = x.child('model');
  if (m) nic.model = m.reqAttr('type');

  if (type === 'hostdev') {
    parseHostdevSource(x, nic);
    if (managed) nic.managed = true;
  } else {
    const s = x.child('source');
    if (s) {
      parseSource(x, s, nic);
      const ip = parseIpInfo(s);
      if (ip) nic.hostIp = ip;
    }
  }
  const vp = x.child('virtualport');
  if (vp) {
    const flags = VPORT_FLAGS[type];
    if (!flags) throw vp.error(`<virtualport> element unsupported for <interface type='${type}'>`);
    nic.virtualport = parseVirtualPort(vp, flags);
  }
  const t = x.child('target');
  if (t) {
    const dev = t.attr('dev');
    const tm = t.boolAttr('managed');
    nic.target = {};
    if (dev !== undefined) nic.target.dev = dev;
    if (tm !== undefined) nic.target.managed = tm;
  }
  const g = x.child('guest');
  if (g) nic.guest = Object.fromEntries(['dev', 'actual'].flatMap((k) => (g.hasAttr(k) ? [[k, g.attr(k)]] : []))) as NetInterface['guest'];
  const path = (name: string) => x.child(name)?.attr('path');
  const script = path('script');
  if (script !== undefined) nic.script = script;
  const downscript = path('downscript');
  if (downscript !== undefined) nic.downscript = downscript;
  const f = x.child('filterref');
  if (f) {
    const ref = parseFilterRef(f);
    if (FILTER_TYPES.has(type)) nic.filterref = ref;
  }
  const bw = x.child('bandwidth');
  if (bw) {
    const b = parseBandwidth(bw, type === 'network');
    if (b) nic.bandwidth = b;
  }
  const vlan = x.child('vlan');
  if (vlan) nic.vlan = parseVlan(vlan);
  parseRomAcpi(x, nic);
  parseDeviceInfo(x, nic, true);
  const gip = parseIpInfo(x);
  if (gip) nic.guestIp = gip;
  const pfs = x.children('portForward').map(parsePortForward);
  if (pfs.length) nic.portForwards = pfs;

  const d = type === 'hostdev' ? undefined : x.child('driver');
  if (d) {
    const drv = parseNetDriver(d, isVirtioNetModel(nic.model));
    if (drv) nic.driver = drv;
  }
  const be = x.child('backend');
  if (be) {
    nic.backend = {};
    // libvirt 9.0 as installed here refuses type='passt' (and 'default' is not written)
    const bt = be.attr('type');
    if (bt !== undefined) throw be.error(`Invalid value for attribute 'type' in element 'backend': '${bt}'.`);
    const tap = be.attr('tap');
    if (tap !== undefined) nic.backend.tap = tap;
    const vhost = be.attr('vhost');
    if (vhost !== undefined && isVirtioNetModel(nic.model)) nic.backend.vhost = vhost;
    const logFile = be.attr('logFile');
    if (logFile !== undefined) nic.backend.logFile = logFile;
  }
  const link = x.child('link');
  if (link) {
    const state = link.attr('state');
    if (state !== undefined && state !== 'up' && state !== 'down') throw link.error(`unknown interface link state '${state}'`);
    if (state) nic.link = state;
  }
  const team = x.child('teaming');
  if (team) {
    const tt = team.attr('type');
    const persistent = team.attr('persistent');
    if (tt !== 'persistent' && tt !== 'transient') throw team.error(`unknown teaming type '${tt ?? ''}'`);
    nic.teaming = persistent !== undefined ? { type: tt, persistent } : { type: tt };
  }
  const tune = x.child('tune');
  if (tune) {
    const sb = tune.childText('sndbuf');
    if (sb !== undefined) {
      if (!/^\s*[0-9]+\s*$/.test(sb)) throw tune.error('sndbuf must be a positive integer');
      nic.sndbuf = Number(sb);
    }
  }
  const mtu = x.child('mtu');
  if (mtu) {
    const size = mtu.intAttr('size', { min: 0 });
    if (size) nic.mtu = size;
  }
  const co = x.child('coalesce');
  if (co) {
    const frames = co.child('rx')?.child('frames');
    const max = frames?.intAttr('max', { min: 0, max: 0xffffffff });
    if (max !== undefined) nic.coalesceRxFrames = max;
  }
  const port = x.child('port');
  if (port) {
    const iso = port.boolAttr('isolated');
    if (iso !== undefined) nic.portIsolated = iso;
  }
  return nic;
}

/** <rom> and <acpi>: parts of libvirt's device info that PCI NICs take. */
function parseRomAcpi(x: XmlElement, nic: NetInterface): void {
  const rom = x.child('rom');
  if (rom) {
    const bar = rom.attr('bar');
    if (bar !== undefined && bar !== 'on' && bar !== 'off') throw rom.error(`Invalid value for attribute 'bar' in element 'rom': '${bar}'. Expected on/off`);
    nic.rom = {};
    const enabled = rom.boolAttr('enabled');
    if (enabled !== undefined) nic.rom.enabled = enabled;
    if (bar !== undefined) nic.rom.bar = bar === 'on';
    const file = rom.attr('file');
    if (file !== undefined) nic.rom.file = file;
    if (enabled === false && (bar !== undefined || file !== undefined)) {
      throw rom.error("ROM tuning is not supported when ROM is disabled");
    }
  }
  const acpi = x.child('acpi');
  if (acpi) {
    const index = acpi.intAttr('index', { min: 0, max: 0xffffffff });
    if (index) nic.acpiIndex = index;
  }
}

/** tap/macvtap names libvirt generates; left out of inactive XML unless managed='no'. */
const GENERATED_TAP = /^(vnet|macvtap|macvlan|tsvnet)/;

function formatSource(n: NetInterface, opts: FormatOptions): XmlChild[] {
  if (n.type === 'hostdev') {
    if (!n.hostdev) return [];
    return [n.hostdev.driver && el('driver', { name: n.hostdev.driver }), el('source', {}, [el('address', pciAddressAttrs(n.hostdev.address, true))])];
  }
  const s = n.source ?? {};
  const ips = formatIpInfo(n.hostIp);
  let attrs: Record<string, string | number | undefined> | undefined;
  let kids: XmlChild[] = [];
  switch (n.type) {
    case 'network':
      attrs = { network: s.network, portgroup: s.portgroup, portid: opts.inactive ? undefined : s.portid };
      break;
    case 'vhostuser':
      attrs = { type: 'unix', path: s.path, mode: s.listen ? 'server' : 'client' };
      if (s.reconnect) kids = [el('reconnect', { enabled: s.reconnect.enabled, timeout: s.reconnect.enabled ? s.reconnect.timeout ?? 0 : undefined })];
      break;
    case 'bridge': if (s.bridge !== undefined) attrs = { bridge: s.bridge }; break;
    case 'server': case 'client': case 'mcast': case 'udp':
      attrs = { address: s.address, port: s.port };
      if (n.type === 'udp' && s.local) kids = [el('local', { address: s.local.address, port: s.local.port })];
      break;
    case 'internal': if (s.name !== undefined) attrs = { name: s.name }; break;
    case 'direct': attrs = { dev: s.dev, mode: s.mode ?? 'vepa' }; break;
    case 'vdpa': if (s.dev !== undefined) attrs = { dev: s.dev }; break;
    case 'vds': attrs = { switchid: s.switchid, portid: s.vdsPortid, portgroupid: s.portgroupid, connectionid: s.connectionid }; break;
    case 'user': if (n.backend?.type === 'passt' && s.dev) attrs = { dev: s.dev }; break;
    default: break;
  }
  if (!attrs && !ips.length) return [];
  return [el('source', attrs ?? {}, [...kids, ...ips])];
}

function formatRomAcpi(n: NetInterface): XmlNode[] {
  const out: XmlNode[] = [];
  if (n.rom && (n.rom.enabled !== undefined || n.rom.bar !== undefined || n.rom.file !== undefined)) {
    out.push(el('rom', { enabled: n.rom.enabled, bar: onOff(n.rom.bar), file: n.rom.file }));
  }
  if (n.acpiIndex) out.push(el('acpi', { index: n.acpiIndex }));
  return out;
}

export function formatInterface(n: NetInterface, opts: FormatOptions): XmlNode {
  const dev = n.target?.dev;
  const showDev = dev !== undefined && (n.target?.managed === false || !(opts.inactive && GENERATED_TAP.test(dev)));
  const info = formatDeviceInfo(n, opts);
  const at = info.findIndex((c) => c.name === 'address');
  info.splice(at < 0 ? info.length : at, 0, ...formatRomAcpi(n));
  const virtio = isVirtioNetModel(n.model);
  return el('interface', { type: n.type, managed: n.type === 'hostdev' && n.managed ? 'yes' : undefined, trustGuestRxFilters: n.trustGuestRxFilters }, [
    el('mac', { address: n.mac, type: n.macType, check: n.macCheck }),
    ...formatSource(n, opts),
    formatVlan(n.vlan),
    formatVirtualPort(n.virtualport),
    formatBandwidth(n.bandwidth),
    n.portIsolated !== undefined && el('port', { isolated: n.portIsolated }),
    ...formatIpInfo(n.guestIp),
    ...(n.portForwards ?? []).map(formatPortForward),
    n.script !== undefined && el('script', { path: n.script }),
    n.downscript !== undefined && el('downscript', { path: n.downscript }),
    (showDev || n.target?.managed !== undefined) && el('target', { dev: showDev ? dev : undefined, managed: n.target?.managed }),
    n.guest && (n.guest.dev !== undefined || n.guest.actual !== undefined) && el('guest', { dev: n.guest.dev, actual: n.guest.actual }),
    n.model !== undefined && el('model', { type: n.model }),
    virtio && formatNetDriver(n.driver),
    n.backend && Object.values(n.backend).some((v) => v !== undefined) && el('backend', { type: n.backend.type, tap: n.backend.tap, vhost: n.backend.vhost, logFile: n.backend.logFile }),
    formatFilterRef(n.filterref),
    n.sndbuf !== undefined && el('tune', {}, [el('sndbuf', {}, String(n.sndbuf))]),
    n.teaming && el('teaming', { type: n.teaming.type, persistent: n.teaming.persistent }),
    n.link && el('link', { state: n.link }),
    n.mtu !== undefined && el('mtu', { size: n.mtu }),
    n.coalesceRxFrames ? el('coalesce', {}, [el('rx', {}, [el('frames', { max: n.coalesceRxFrames })])]) : undefined,
    ...info,
  ]);
}
