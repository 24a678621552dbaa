// <serial>, <parallel>, <console> and <channel>: libvirt's shared character device XML
// (virDomainChrDefParseXML / virDomainChrDefFormat). The source half is exported on its own
// because smartcard passthrough and redirdev use the same <source>/<protocol>/<log> layout.
import type { CharDevice, CharSource, CharType, DeviceSeclabel } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { XmlError } from '../util/errors.js';
import { el, onOff, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';

export type CharKind = 'serial' | 'parallel' | 'console' | 'channel';
export const CHAR_TYPES: readonly CharType[] = [
  'null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix', 'spicevmc', 'spiceport', 'nmdm', 'qemu-vdagent', 'dbus',
];
const TARGET_TYPES: Record<CharKind, readonly string[]> = {
  serial: ['isa-serial', 'usb-serial', 'pci-serial', 'spapr-vio-serial', 'system-serial', 'sclp-serial', 'isa-debug'],
  parallel: [],
  console: ['serial', 'xen', 'uml', 'virtio', 'lxc', 'openvz', 'sclp', 'sclplm'],
  channel: ['guestfwd', 'virtio', 'xen'],
};
const SERIAL_MODELS = ['isa-serial', 'usb-serial', 'pci-serial', 'spapr-vty', 'pl011', 'sclpconsole', 'sclplmconsole', '16550a', 'isa-debugcon'];
const PROTOCOLS = ['raw', 'telnet', 'telnets', 'tls'] as const;
const MODES = ['bind', 'connect'] as const;

/** <seclabel> overrides inside a device's <source> (virSecurityDeviceLabelDefParseXML). */
export function parseDeviceSeclabels(src: XmlElement): DeviceSeclabel[] | undefined {
  const list = src.children('seclabel');
  if (list.length === 0) return undefined;
  const out: DeviceSeclabel[] = [];
  for (const s of list) {
    const model = s.attr('model');
    if (model !== undefined && out.some((o) => o.model === model)) throw s.error(`seclabel for model ${model} is already provided`);
    const label: DeviceSeclabel = { relabel: s.boolAttr('relabel') ?? true };
    s.attr('labelskip'); // live-only, ignored on input as libvirt does for inactive XML
    if (model !== undefined) label.model = model;
    const text = s.childText('label');
    if (text !== undefined && text !== '') label.label = text;
    if (label.label !== undefined && !label.relabel) {
      throw s.error(`Cannot specify a label if relabelling is turned off. model=${model ?? '<null>'}`);
    }
    out.push(label);
  }
  return out;
}

export function formatDeviceSeclabels(list: DeviceSeclabel[] | undefined, opts: FormatOptions): XmlNode[] {
  return (list ?? [])
    .filter((s) => !(opts.inactive && s.label === undefined && s.relabel))
    .map((s) => el('seclabel', { model: s.model, relabel: s.relabel }, s.label !== undefined ? [el('label', {}, s.label)] : undefined));
}

function parseReconnect(src: XmlElement, into: CharSource): void {
  const r = src.child('reconnect');
  if (!r) return;
  const enabled = r.boolAttr('enabled');
  if (enabled === undefined) throw r.error("missing attribute 'enabled' on <reconnect>");
  into.reconnect = { enabled };
  const timeout = r.intAttr('timeout', { min: 0 });
  if (timeout !== undefined) into.reconnect.timeout = timeout;
}

/**
 * The host side of a character device: <source> (two for udp), <protocol> and <log> children
 * of `x`. `type` decides which source attributes mean something; libvirt ignores the others,
 * tsvirt rejects them (the strict reader) so nothing is silently lost.
 */
export function parseCharSource(x: XmlElement, type: CharType, into: CharDevice): void {
  const sources = x.children('source');
  if (sources.length > 1 && type !== 'udp') throw new XmlError('only one source element is allowed for character device', sources[1].line);
  if (sources.length > 2) throw new XmlError('only two source elements are allowed for character device', sources[2].line);
  const s: CharSource = {};
  const set = <K extends keyof CharSource>(k: K, v: CharSource[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  const src = sources[0];
  if (src) {
    switch (type) {
      case 'file':
        set('path', src.attr('path'));
        set('append', src.boolAttr('append'));
        break;
      case 'pty': case 'dev': case 'pipe':
        set('path', src.attr('path'));
        break;
      case 'unix': {
        const mode = src.enumAttr('mode', MODES);
        set('path', src.attr('path'));
        // without a path the driver makes the socket and listens on it: the mode means nothing
        // (libvirt writes no <source> then), so it is not kept
        if (s.path !== undefined) set('mode', mode);
        parseReconnect(src, s);
        break;
      }
      case 'tcp':
        set('mode', src.enumAttr('mode', MODES));
        set('host', src.attr('host'));
        set('service', src.attr('service'));
        set('tls', src.boolAttr('tls'));
        parseReconnect(src, s);
        break;
      case 'udp':
        for (const u of sources) {
          const mode = u.enumAttr('mode', MODES) ?? 'connect';
          const host = u.attr('host');
          const service = u.attr('service');
          if (mode === 'connect' && s.connectHost === undefined && s.connectService === undefined) {
            set('connectHost', host);
            set('connectService', service);
          } else if (mode === 'bind' && s.bindHost === undefined && s.bindService === undefined) {
            set('bindHost', host);
            set('bindService', service);
          }
        }
        break;
      case 'spiceport': case 'dbus':
        set('channel', src.attr('channel'));
        break;
      case 'nmdm':
        set('master', src.attr('master'));
        set('slave', src.attr('slave'));
        break;
      case 'qemu-vdagent': {
        const clip = src.child('clipboard');
        if (clip) {
          const v = clip.boolAttr('copypaste');
          if (v === undefined) throw clip.error("missing attribute 'copypaste' on <clipboard>");
          s.clipboard = v;
        }
        const mouse = src.child('mouse');
        if (mouse) s.mouse = mouse.reqEnumAttr('mode', ['server', 'client'] as const);
        break;
      }
      default:
        break; // null, vc, stdio, spicevmc: an empty <source/> means nothing
    }
    set('seclabels', parseDeviceSeclabels(src));
  }
  if (Object.keys(s).length > 0) into.source = s;
  const log = x.child('log');
  if (log) {
    into.log = { file: log.reqAttr('file') };
    const append = log.boolAttr('append');
    if (append !== undefined) into.log.append = append;
  }
  const proto = x.child('protocol');
  if (proto && type === 'tcp') {
    const p = proto.attr('type');
    if (p !== undefined) {
      if (!(PROTOCOLS as readonly string[]).includes(p)) throw proto.error(`Unknown protocol '${p}'`);
      into.protocol = p as CharDevice['protocol'];
    }
  } else if (proto) proto.attr('type'); // libvirt ignores <protocol> on other types
}

export function parseCharDevice(x: XmlElement, kind: CharKind): CharDevice {
  const typeAttr = x.attr('type');
  if (typeAttr !== undefined && !(CHAR_TYPES as readonly string[]).includes(typeAttr)) {
    throw x.error(`unknown type presented to host for character device: ${typeAttr}`);
  }
  const dev: CharDevice = { type: (typeAttr as CharType | undefined) ?? 'pty' };
  x.attr('tty'); // console's tty= mirrors <source path>; libvirt ignores it on input
  const t = x.child('target');
  if (t) {
    const target: NonNullable<CharDevice['target']> = {};
    const type = t.attr('type');
    if (type !== undefined && type !== 'none' && !TARGET_TYPES[kind].includes(type)) {
      throw t.error(`unknown target type '${type}' specified for character device`);
    }
    if (type !== undefined && type !== 'none') target.type = type;
    const m = kind === 'serial' ? t.child('model') : undefined;
    if (m) {
      const model = m.attr('name');
      if (model !== undefined && !SERIAL_MODELS.includes(model)) throw m.error(`unknown target model '${model}' specified for character device`);
      if (model !== undefined) target.model = model;
    }
    if (kind === 'channel') {
      if (target.type === 'guestfwd') {
        const address = t.attr('address');
        if (address === undefined) throw t.error('guestfwd channel does not define a target address');
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
          throw t.error(address.includes(':') ? 'guestfwd channel only supports IPv4 addresses' : `Cannot parse socket address '${address}'`);
        }
        target.address = address;
        target.port = t.reqIntAttr('port', { min: 0, max: 65535 });
      } else {
        const name = t.attr('name');
        if (name !== undefined) target.name = name;
        const state = t.enumAttr('state', ['connected', 'disconnected'] as const);
        if (state !== undefined) target.state = state;
      }
    } else {
      const port = t.attr('port');
      if (port !== undefined) {
        if (!/^\d+$/.test(port.trim())) throw t.error(`Invalid port number: ${port}`);
        target.port = Number(port);
      }
    }
    dev.target = target;
  } else if (kind === 'channel') {
    throw x.error('target type must be specified for channel device');
  }
  parseCharSource(x, dev.type, dev);
  if (dev.type === 'spicevmc' && (kind !== 'channel' || dev.target?.type !== 'virtio')) throw x.error('spicevmc device type only supports virtio');
  parseDeviceInfo(x, dev);
  if (kind === 'serial' && dev.target?.type === 'usb-serial' && dev.address && dev.address.type !== 'usb') {
    throw x.error('usb-serial requires address of usb type');
  }
  return dev;
}

/** <source>, <protocol> and <log> in libvirt's order (virDomainChrSourceDefFormat). */
export function formatCharSource(dev: CharDevice, opts: FormatOptions): XmlNode[] {
  const s = dev.source ?? {};
  const out: XmlChild[] = [];
  const seclabels = formatDeviceSeclabels(s.seclabels, opts);
  const reconnect = s.reconnect && el('reconnect', { enabled: s.reconnect.enabled, timeout: s.reconnect.enabled ? s.reconnect.timeout ?? 0 : undefined });
  switch (dev.type) {
    case 'qemu-vdagent':
      if (s.clipboard !== undefined || s.mouse !== undefined) {
        out.push(el('source', {}, [
          s.clipboard !== undefined && el('clipboard', { copypaste: s.clipboard }),
          s.mouse !== undefined && el('mouse', { mode: s.mouse }),
        ]));
      }
      break;
    case 'pty': case 'dev': case 'file': case 'pipe':
      if (dev.type !== 'pty' || (s.path !== undefined && !opts.inactive)) {
        out.push(el('source', { path: s.path, append: dev.type === 'file' ? onOff(s.append) : undefined }, seclabels));
      }
      break;
    case 'nmdm':
      out.push(el('source', { master: s.master, slave: s.slave }));
      break;
    case 'udp':
      if (s.bindService !== undefined || s.bindHost !== undefined) out.push(el('source', { mode: 'bind', host: s.bindHost, service: s.bindService }));
      if (s.connectService !== undefined || s.connectHost !== undefined) out.push(el('source', { mode: 'connect', host: s.connectHost, service: s.connectService }));
      break;
    case 'tcp':
      out.push(el('source', { mode: s.mode ?? 'connect', host: s.host, service: s.service, tls: s.tls }, [reconnect]));
      out.push(el('protocol', { type: dev.protocol ?? 'raw' }));
      break;
    case 'unix':
      if (s.path !== undefined) out.push(el('source', { mode: s.mode ?? 'connect', path: s.path }, [...seclabels, reconnect]));
      break;
    case 'spiceport': case 'dbus':
      out.push(el('source', { channel: s.channel }));
      break;
    default:
      break;
  }
  if (dev.log) out.push(el('log', { file: dev.log.file, append: onOff(dev.log.append) }));
  return out.filter((c): c is XmlNode => !!c);
}

function formatTarget(dev: CharDevice, kind: CharKind, opts: FormatOptions): XmlNode | undefined {
  // defaults always fill the target; a parse-only model is written as it was read
  if (!dev.target) return undefined;
  const t = dev.target;
  switch (kind) {
    case 'channel':
      return t.type === 'guestfwd'
        ? el('target', { type: 'guestfwd', address: t.address, port: t.port })
        : el('target', { type: t.type, name: t.name, state: !opts.inactive && t.type === 'virtio' ? t.state : undefined });
    case 'console':
      return el('target', { type: t.type ?? 'serial', port: t.port ?? 0 });
    case 'serial':
      return el('target', { type: t.type, port: t.port ?? 0 }, t.model ? [el('model', { name: t.model })] : undefined);
    default:
      return el('target', { port: t.port ?? 0 });
  }
}

/** Formats one char device; `mirror` is the serial port a serial-type console is an alias of. */
export function formatCharDevice(dev: CharDevice, kind: CharKind, opts: FormatOptions, mirror?: CharDevice): XmlNode {
  // libvirt formats a serial-type console from the serial port's own data (virDomainDefFormatInternal)
  const shown: CharDevice = mirror ? { ...mirror, target: { type: 'serial', port: mirror.target?.port ?? 0 } } : dev;
  const tty = kind === 'console' && shown.type === 'pty' && !opts.inactive && (shown.target?.port ?? 0) === 0 ? shown.source?.path : undefined;
  const children: XmlChild[] = [
    ...formatCharSource(shown, opts),
    formatTarget(shown, kind, opts),
    ...formatDeviceInfo({ ...shown, alias: mirror?.alias ?? dev.alias }, opts),
  ];
  return el(kind, { type: shown.type, tty }, children);
}
