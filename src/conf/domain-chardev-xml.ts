// <serial>, <console> and <channel>: libvirt's shared character device XML.
import type { CharDevice } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';

export type CharKind = 'serial' | 'console' | 'channel';
const CHAR_TYPES = ['pty', 'unix', 'file', 'null', 'stdio'] as const;

export function parseCharDevice(x: XmlElement, kind: CharKind): CharDevice {
  const dev: CharDevice = { type: x.enumAttr('type', CHAR_TYPES) ?? 'pty' };
  x.attr('tty'); // console's tty= mirrors <source path>; libvirt ignores it on input
  const src = x.child('source');
  if (src) {
    dev.source = {};
    const path = src.attr('path');
    const mode = src.enumAttr('mode', ['bind', 'connect'] as const);
    if (path !== undefined) dev.source.path = path;
    if (mode !== undefined) dev.source.mode = mode;
  }
  const log = x.child('log');
  if (log) {
    dev.log = { file: log.reqAttr('file') };
    const append = log.boolAttr('append');
    if (append !== undefined) dev.log.append = append;
  }
  const t = x.child('target');
  if (t) {
    const target: NonNullable<CharDevice['target']> = {};
    const type = t.attr('type');
    const port = t.intAttr('port', { min: 0 });
    const name = t.attr('name');
    const state = t.enumAttr('state', ['connected', 'disconnected'] as const);
    if (type !== undefined) target.type = type;
    if (port !== undefined) target.port = port;
    if (name !== undefined) target.name = name;
    if (state !== undefined) target.state = state;
    if (kind === 'serial') {
      const m = t.child('model');
      if (m) target.model = m.reqAttr('name');
    }
    dev.target = target;
  }
  parseDeviceInfo(x, dev);
  return dev;
}

/** Formats one char device; `mirror` is serial[0] for a console that libvirt shows as its alias. */
export function formatCharDevice(dev: CharDevice, kind: CharKind, opts: FormatOptions, mirror?: CharDevice): XmlNode {
  const live = !opts.inactive;
  const src = mirror?.source ?? dev.source;
  const log = mirror?.log ?? dev.log;
  const isPty = dev.type === 'pty';
  // a pty's path is allocated at start: live-only
  const path = src?.path !== undefined && (!isPty || live) ? src.path : undefined;
  const tty = kind === 'console' && isPty ? path : undefined;
  const t = dev.target;
  const children: XmlChild[] = [
    path !== undefined || src?.mode !== undefined ? el('source', { mode: src?.mode, path }) : undefined,
    log ? el('log', { file: log.file, append: log.append === undefined ? undefined : log.append ? 'on' : 'off' }) : undefined,
    t
      ? el(
          'target',
          { type: t.type, port: t.port, name: t.name, state: live ? t.state : undefined },
          t.model ? [el('model', { name: t.model })] : undefined,
        )
      : undefined,
    ...formatDeviceInfo({ ...dev, alias: mirror?.alias ?? dev.alias }, opts),
  ];
  return el(kind, { type: dev.type, tty }, children);
}
