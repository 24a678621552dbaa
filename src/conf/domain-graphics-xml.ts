// <graphics>: parse and format, each mirroring the other in libvirt's order.
import type { Graphics, GraphicsListen } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, hex, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';
import { assignDefined } from './xml-assign.js';

// ---- graphics
export function parseGraphics(x: XmlElement): Graphics {
  x.reqEnumAttr('type', ['vnc'] as const);
  const g: Graphics = assignDefined({ type: 'vnc', listens: [] } as Graphics, {
    port: x.intAttr('port', { min: -1, max: 65535 }),
    autoport: x.boolAttr('autoport'),
    websocket: x.intAttr('websocket', { min: -1, max: 65535 }),
    listen: x.attr('listen'),
    passwd: x.attr('passwd'),
    keymap: x.attr('keymap'),
  });
  for (const l of x.children('listen')) {
    g.listens.push(assignDefined({ type: l.reqEnumAttr('type', ['address', 'none', 'socket'] as const) } as GraphicsListen, {
      address: l.attr('address'),
      socket: l.attr('socket'),
    }));
  }
  return g;
}

export function formatGraphics(g: Graphics, opts: FormatOptions): XmlNode {
  // with autoport the real port is live-only: inactive XML says -1 as libvirt does
  const port = g.autoport && opts.inactive ? -1 : g.port;
  return el(
    'graphics',
    {
      type: g.type,
      port,
      autoport: g.autoport,
      websocket: g.websocket,
      listen: g.listen,
      keymap: g.keymap,
      passwd: opts.secure === false ? undefined : g.passwd,
    },
    g.listens.map((l) => el('listen', { type: l.type, address: l.address, socket: l.socket })),
  );
}

