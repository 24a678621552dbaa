// Parse/format of the smaller <devices> children (controller, input, video, watchdog, panic,
// rng, memballoon); each family with its own file is re-exported here, so callers see one module.
// Each pair mirrors the other: what parse reads, format writes back in libvirt's order.
import type { Controller, Input, Memballoon, Rng, Video, Panic, Watchdog } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, hex, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';
import { assignDefined } from './xml-assign.js';

export * from './domain-disk-xml.js';
export * from './domain-net-xml.js';
export * from './domain-graphics-xml.js';
export * from './domain-hostdev-xml.js';

export const CONTROLLER_TYPES = ['pci', 'usb', 'sata', 'scsi', 'ide', 'virtio-serial', 'fdc'] as const;

// ---- controller
export function parseController(x: XmlElement): Controller {
  const c: Controller = assignDefined(
    { type: x.reqEnumAttr('type', CONTROLLER_TYPES), index: x.intAttr('index', { min: 0 }) ?? 0 } as Controller,
    { model: x.attr('model'), ports: x.intAttr('ports', { min: 0 }), vectors: x.intAttr('vectors', { min: 0 }) },
  );
  const m = x.child('model');
  if (m) c.modelName = m.reqAttr('name');
  const master = x.child('master');
  if (master) c.master = { startport: master.reqIntAttr('startport', { min: 0 }) };
  const t = x.child('target');
  if (t) {
    c.target = assignDefined({}, {
      chassis: t.intAttr('chassis', { min: 0 }),
      port: t.intAttr('port', { min: 0 }),
      busNr: t.intAttr('busNr', { min: 0 }),
    });
  }
  parseDeviceInfo(x, c);
  return c;
}

export function formatController(c: Controller, opts: FormatOptions): XmlNode {
  return el('controller', { type: c.type, index: c.index, model: c.model, ports: c.ports, vectors: c.vectors }, [
    c.modelName !== undefined && el('model', { name: c.modelName }),
    c.master && el('master', { startport: c.master.startport }),
    c.target && el('target', { chassis: c.target.chassis, port: hex(c.target.port), busNr: c.target.busNr }),
    ...formatDeviceInfo(c, opts),
  ]);
}

// ---- input
export function parseInput(x: XmlElement): Input {
  const type = x.reqEnumAttr('type', ['tablet', 'mouse', 'keyboard'] as const);
  // libvirt fills the bus while parsing: tablets are USB, the rest PS/2 on x86
  const inp: Input = { type, bus: x.enumAttr('bus', ['usb', 'ps2', 'virtio'] as const) ?? (type === 'tablet' ? 'usb' : 'ps2') };
  parseDeviceInfo(x, inp);
  return inp;
}

export function formatInput(i: Input, opts: FormatOptions): XmlNode {
  return el('input', { type: i.type, bus: i.bus }, formatDeviceInfo(i, opts));
}

// ---- video
const VIDEO_MODELS = ['vga', 'cirrus', 'virtio', 'qxl', 'bochs', 'ramfb', 'none'] as const;

export function parseVideo(x: XmlElement): Video {
  const m = x.child('model');
  const v: Video = { model: { type: m ? m.reqEnumAttr('type', VIDEO_MODELS) : 'vga' } };
  if (m) {
    assignDefined(v.model, {
      ram: m.intAttr('ram', { min: 0 }),
      vram: m.intAttr('vram', { min: 0 }),
      vgamem: m.intAttr('vgamem', { min: 0 }),
      heads: m.intAttr('heads', { min: 1 }),
      primary: m.boolAttr('primary'),
    });
  }
  parseDeviceInfo(x, v);
  return v;
}

export function formatVideo(v: Video, opts: FormatOptions): XmlNode {
  const m = v.model;
  return el('video', {}, [
    el('model', { type: m.type, ram: m.ram, vram: m.vram, vgamem: m.vgamem, heads: m.heads, primary: m.primary }),
    ...formatDeviceInfo(v, opts),
  ]);
}

// ---- watchdog, rng, memballoon
export function parseWatchdog(x: XmlElement): Watchdog {
  const w: Watchdog = {
    model: x.reqEnumAttr('model', ['i6300esb', 'ib700', 'itco'] as const),
    action: x.enumAttr('action', ['reset', 'shutdown', 'poweroff', 'pause', 'none', 'dump', 'inject-nmi'] as const) ?? 'reset',
  };
  parseDeviceInfo(x, w);
  return w;
}

export function formatWatchdog(w: Watchdog, opts: FormatOptions): XmlNode {
  return el('watchdog', { model: w.model, action: w.action }, formatDeviceInfo(w, opts));
}

export function parsePanic(x: XmlElement): Panic {
  const p: Panic = { model: x.enumAttr('model', ['isa'] as const) ?? 'isa' };
  parseDeviceInfo(x, p);
  if (p.address && p.address.type !== 'isa') throw x.error(`<panic model='isa'> needs an isa address, not '${p.address.type}'`);
  return p;
}

export function formatPanic(p: Panic, opts: FormatOptions): XmlNode {
  return el('panic', { model: p.model }, formatDeviceInfo(p, opts));
}

export function parseRng(x: XmlElement): Rng {
  x.reqEnumAttr('model', ['virtio'] as const);
  const b = x.child('backend');
  if (!b) throw x.error('missing <backend> in <rng>');
  const bm = b.reqEnumAttr('model', ['random', 'builtin'] as const);
  const rng: Rng = { model: 'virtio', backend: bm === 'random' ? { model: bm, path: b.text().trim() || '/dev/urandom' } : { model: bm } };
  const r = x.child('rate');
  if (r) rng.rate = assignDefined({ bytes: r.reqIntAttr('bytes', { min: 1 }) } as NonNullable<Rng['rate']>, { period: r.intAttr('period', { min: 1 }) });
  parseDeviceInfo(x, rng);
  return rng;
}

export function formatRng(r: Rng, opts: FormatOptions): XmlNode {
  return el('rng', { model: r.model }, [
    r.rate && el('rate', { bytes: r.rate.bytes, period: r.rate.period }),
    r.backend.model === 'random' ? el('backend', { model: 'random' }, r.backend.path) : el('backend', { model: 'builtin' }),
    ...formatDeviceInfo(r, opts),
  ]);
}

export function parseMemballoon(x: XmlElement): Memballoon {
  const mb: Memballoon = assignDefined({ model: x.reqEnumAttr('model', ['virtio', 'none'] as const) } as Memballoon, {
    autodeflate: x.boolAttr('autodeflate'),
  });
  const st = x.child('stats');
  if (st) mb.statsPeriod = st.reqIntAttr('period', { min: 0 });
  parseDeviceInfo(x, mb);
  return mb;
}

export function formatMemballoon(m: Memballoon, opts: FormatOptions): XmlNode {
  return el('memballoon', { model: m.model, autodeflate: onOff(m.autodeflate) }, [
    m.statsPeriod !== undefined && el('stats', { period: m.statsPeriod }),
    ...formatDeviceInfo(m, opts),
  ]);
}
