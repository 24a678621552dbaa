// USB guest devices that are not disks or inputs: <hub>, <redirdev>, <redirfilter> and
// <smartcard> (a CCID card on a usb-ccid controller). Each parse mirrors its format, in libvirt 9.0's
// order (virDomainRedirdevDefFormat, virDomainSmartcardDefFormat, ...).
import type { Hub, RedirFilterRule, Redirdev, Smartcard, UsbCharSource } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';

// ---- character device source (the part of libvirt's chardev XML a redirdev/smartcard takes)
const CHR_TYPES = ['null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix', 'spicevmc', 'spiceport', 'nmdm', 'qemu-vdagent', 'dbus'] as const;
const TCP_PROTOCOLS = ['raw', 'telnet', 'telnets', 'tls'] as const;

export function parseUsbCharSource(x: XmlElement, defaultType: string): UsbCharSource {
  const s: UsbCharSource = { type: x.enumAttr('type', CHR_TYPES) ?? defaultType };
  const src = x.child('source');
  if (src) {
    const mode = src.enumAttr('mode', ['bind', 'connect'] as const);
    if (mode) s.mode = mode;
    for (const k of ['host', 'service', 'path', 'channel'] as const) {
      const v = src.attr(k);
      if (v !== undefined) s[k] = v;
    }
    const tls = src.boolAttr('tls');
    if (tls !== undefined) s.tls = tls;
    const rc = src.child('reconnect');
    if (rc) {
      s.reconnect = { enabled: rc.reqEnumAttr('enabled', ['yes', 'no'] as const) === 'yes' };
      const t = rc.intAttr('timeout', { min: 0 });
      if (t !== undefined) s.reconnect.timeout = t;
    }
  }
  const p = x.child('protocol');
  if (p) s.protocol = p.enumAttr('type', TCP_PROTOCOLS) ?? 'raw';
  if (s.type === 'tcp') {
    s.protocol ??= 'raw';
    s.mode ??= 'connect';
    if (!s.service) throw (src ?? x).error(`Missing source service attribute for char device`);
  }
  if (s.type === 'unix' && s.path !== undefined) s.mode ??= 'connect';
  if (['dev', 'file', 'pipe'].includes(s.type) && s.path === undefined) throw x.error(`Missing source path attribute for char device`);
  return s;
}

/** The <source>/<protocol> children (virDomainChrSourceDefFormat). */
export function formatUsbCharSource(s: UsbCharSource, opts: FormatOptions): XmlChild[] {
  const rc = s.reconnect && [el('reconnect', { enabled: s.reconnect.enabled ? 'yes' : 'no', timeout: s.reconnect.timeout })];
  switch (s.type) {
    case 'tcp':
      return [
        el('source', { mode: s.mode, host: s.host, service: s.service, tls: s.tls === undefined ? undefined : s.tls ? 'yes' : 'no' }, rc || undefined),
        el('protocol', { type: s.protocol ?? 'raw' }),
      ];
    case 'unix':
      return s.path === undefined ? [] : [el('source', { mode: s.mode, path: s.path }, rc || undefined)];
    case 'pty':
      return s.path !== undefined && !opts.inactive ? [el('source', { path: s.path })] : [];
    case 'dev':
    case 'file':
    case 'pipe':
      return [el('source', { path: s.path })];
    case 'spiceport':
    case 'dbus':
      return s.channel === undefined ? [] : [el('source', { channel: s.channel })];
    case 'udp':
      return [el('source', { mode: s.mode ?? 'connect', host: s.host, service: s.service })];
    default:
      return [];
  }
}

// ---- hub
export function parseHub(x: XmlElement): Hub {
  const h: Hub = { type: x.reqEnumAttr('type', ['usb'] as const) };
  parseDeviceInfo(x, h);
  return h;
}

export function formatHub(h: Hub, opts: FormatOptions): XmlNode {
  return el('hub', { type: h.type }, formatDeviceInfo(h, opts));
}

// ---- redirdev
export function parseRedirdev(x: XmlElement): Redirdev {
  const r: Redirdev = { bus: x.enumAttr('bus', ['usb'] as const) ?? 'usb', source: parseUsbCharSource(x, 'spicevmc') };
  parseDeviceInfo(x, r, true);
  return r;
}

export function formatRedirdev(r: Redirdev, opts: FormatOptions): XmlNode {
  return el('redirdev', { bus: r.bus, type: r.source.type }, [...formatUsbCharSource(r.source, opts), ...formatDeviceInfo(r, opts)]);
}

// ---- redirfilter
/** "2.00" -> 0x0200 (BCD), as libvirt's virDomainRedirFilterUSBVersionHelper. */
function parseUsbVersion(x: XmlElement, v: string): number {
  const m = /^(\d{1,2})\.(\d{1,2})$/.exec(v);
  if (!m) throw x.error(`Cannot parse USB device version ${v}`);
  const bcd = (n: number) => (Math.floor(n / 10) << 4) | (n % 10);
  return (bcd(Number(m[1])) << 8) | bcd(Number(m[2].padEnd(2, '0')));
}

function formatUsbVersion(v: number): string {
  const major = ((v & 0xf000) >> 12) * 10 + ((v & 0x0f00) >> 8);
  const minor = ((v & 0x00f0) >> 4) * 10 + (v & 0x000f);
  return `${major}.${String(minor).padStart(2, '0')}`;
}

export function parseRedirFilter(x: XmlElement): RedirFilterRule[] {
  return x.children('usbdev').map((u) => {
    const num = (name: string, max: number) => {
      const v = u.attr(name);
      if (v === undefined || v === '-1') return undefined;
      return u.toInt(v, `attribute '${name}' on <usbdev>`, { min: 0, max });
    };
    const rule: RedirFilterRule = { allow: u.reqEnumAttr('allow', ['yes', 'no'] as const) === 'yes' };
    const cls = num('class', 0xff);
    const vendor = num('vendor', 0xffff);
    const product = num('product', 0xffff);
    if (cls !== undefined) rule.class = cls;
    if (vendor !== undefined) rule.vendor = vendor;
    if (product !== undefined) rule.product = product;
    const ver = u.attr('version');
    if (ver !== undefined && ver !== '-1') rule.version = formatUsbVersion(parseUsbVersion(u, ver));
    return rule;
  });
}

const HEX = (n: number, w: number) => '0x' + n.toString(16).toUpperCase().padStart(w, '0');

export function formatRedirFilter(rules: RedirFilterRule[]): XmlNode | undefined {
  if (rules.length === 0) return undefined;
  return el('redirfilter', {}, rules.map((r) => el('usbdev', {
    class: r.class === undefined ? undefined : HEX(r.class, 2),
    vendor: r.vendor === undefined ? undefined : HEX(r.vendor, 4),
    product: r.product === undefined ? undefined : HEX(r.product, 4),
    version: r.version,
    allow: r.allow ? 'yes' : 'no',
  })));
}

// ---- smartcard
export function parseSmartcard(x: XmlElement): Smartcard {
  const mode = x.reqEnumAttr('mode', ['host', 'host-certificates', 'passthrough'] as const);
  const sc: Smartcard = { mode };
  if (mode === 'host-certificates') {
    const certs = x.children('certificate').map((c) => c.text().trim());
    if (certs.length !== 3) throw x.error('host-certificates mode needs exactly three certificates');
    sc.certificates = certs;
    const db = x.childText('database');
    if (db !== undefined) {
      if (!db.trim().startsWith('/')) throw x.error(`expecting absolute path '${db.trim()}'`);
      sc.database = db.trim();
    }
  } else if (mode === 'passthrough') {
    if (x.attr('type') === undefined) throw x.error('passthrough mode requires a character device type attribute');
    sc.source = parseUsbCharSource(x, 'spicevmc');
  }
  const addr = parseDeviceInfo(x, sc, false, 'ccid');
  if (addr) sc.ccid = { controller: addr.intAttr('controller', { min: 0 }) ?? 0, slot: addr.intAttr('slot', { min: 0 }) ?? 0 };
  return sc;
}

export function formatSmartcard(sc: Smartcard, opts: FormatOptions): XmlNode {
  const body: XmlChild[] = [];
  if (sc.mode === 'host-certificates') {
    for (const c of sc.certificates ?? []) body.push(textEl('certificate', c));
    body.push(textEl('database', sc.database));
  } else if (sc.mode === 'passthrough' && sc.source) body.push(...formatUsbCharSource(sc.source, opts));
  body.push(...formatDeviceInfo(sc, opts));
  if (sc.ccid) body.push(el('address', { type: 'ccid', controller: sc.ccid.controller, slot: sc.ccid.slot }));
  return el('smartcard', { mode: sc.mode, type: sc.mode === 'passthrough' ? sc.source?.type : undefined }, body);
}
