// Parse/format of the <devices> children other than character devices.
// Each pair mirrors the other: what parse reads, format writes back in libvirt's order.
import type {
  Controller, Disk, Graphics, GraphicsListen, Hostdev, Input, Memballoon, NetInterface, Rng, Video, Panic, Watchdog,
} from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, hex, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';

export const DISK_BUSES = ['virtio', 'sata', 'scsi', 'ide', 'usb', 'fdc'] as const;
export const CONTROLLER_TYPES = ['pci', 'usb', 'sata', 'scsi', 'ide', 'virtio-serial', 'fdc'] as const;

/** Copies the defined values of `src` into `dst` (so absent XML stays absent in the model). */
function assignDefined<T extends object>(dst: T, src: Partial<T>): T {
  for (const [k, v] of Object.entries(src)) if (v !== undefined) (dst as Record<string, unknown>)[k] = v;
  return dst;
}

// ---- disk
export function parseDisk(x: XmlElement): Disk {
  const targetEl = x.child('target');
  if (!targetEl) throw x.error('missing <target> in <disk>');
  const disk: Disk = {
    type: x.enumAttr('type', ['file', 'block', 'volume'] as const) ?? 'file',
    device: x.enumAttr('device', ['disk', 'cdrom', 'floppy', 'lun'] as const) ?? 'disk',
    target: assignDefined({ dev: targetEl.reqAttr('dev') } as Disk['target'], { bus: targetEl.enumAttr('bus', DISK_BUSES) }),
  };
  const d = x.child('driver');
  if (d) {
    disk.driver = assignDefined({}, {
      name: d.enumAttr('name', ['qemu'] as const),
      type: d.enumAttr('type', ['raw', 'qcow2'] as const),
      cache: d.enumAttr('cache', ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe']),
      io: d.enumAttr('io', ['threads', 'native', 'io_uring']),
      discard: d.enumAttr('discard', ['ignore', 'unmap']),
    });
  }
  const s = x.child('source');
  if (s) {
    const attrs = { file: ['file'], block: ['dev'], volume: ['pool', 'volume'] }[disk.type];
    disk.source = {};
    for (const a of attrs) {
      const v = s.attr(a);
      if (v !== undefined) (disk.source as Record<string, string>)[a] = v;
    }
  }
  if (x.child('readonly')) disk.readonly = true;
  if (x.child('shareable')) disk.shareable = true;
  const serial = x.childText('serial');
  if (serial !== undefined) disk.serial = serial;
  parseDeviceInfo(x, disk, true);
  return disk;
}

export function formatDisk(d: Disk, opts: FormatOptions): XmlNode {
  return el('disk', { type: d.type, device: d.device }, [
    d.driver && el('driver', { name: d.driver.name, type: d.driver.type, cache: d.driver.cache, io: d.driver.io, discard: d.driver.discard }),
    d.source && el('source', { file: d.source.file, dev: d.source.dev, pool: d.source.pool, volume: d.source.volume }),
    el('target', { dev: d.target.dev, bus: d.target.bus }),
    flagEl('readonly', d.readonly),
    flagEl('shareable', d.shareable),
    textEl('serial', d.serial),
    ...formatDeviceInfo(d, opts),
  ]);
}

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

// ---- interface
export function parseInterface(x: XmlElement): NetInterface {
  const type = x.reqEnumAttr('type', ['user', 'network', 'bridge'] as const);
  const mac = x.child('mac');
  const nic: NetInterface = { type, mac: mac ? mac.reqAttr('address') : '' };
  const s = x.child('source');
  if (s) {
    if (type === 'user') throw s.error(`<source> is not supported on <interface type='user'>`);
    nic.source = assignDefined({}, { network: s.attr('network'), bridge: s.attr('bridge'), portgroup: s.attr('portgroup') });
    s.attr('portid'); // live-only identifier libvirt adds; not kept
  }
  const t = x.child('target');
  if (t) nic.target = { dev: t.reqAttr('dev') };
  const m = x.child('model');
  if (m) nic.model = m.reqAttr('type');
  const link = x.child('link');
  if (link) nic.link = link.reqEnumAttr('state', ['up', 'down'] as const);
  const mtu = x.child('mtu');
  if (mtu) nic.mtu = mtu.reqIntAttr('size', { min: 68, max: 65535 });
  parseDeviceInfo(x, nic, true);
  return nic;
}

/** tap names that tsvirt/libvirt generate; left out of inactive XML as libvirt does. */
const GENERATED_TAP = /^(vnet|tsvnet|macvtap)\d+$/;

export function formatInterface(n: NetInterface, opts: FormatOptions): XmlNode {
  const dev = n.target?.dev;
  return el('interface', { type: n.type }, [
    n.mac !== '' && el('mac', { address: n.mac }),
    n.source && el('source', { network: n.source.network, bridge: n.source.bridge, portgroup: n.source.portgroup }),
    dev !== undefined && !(opts.inactive && GENERATED_TAP.test(dev)) && el('target', { dev }),
    n.model !== undefined && el('model', { type: n.model }),
    n.link && el('link', { state: n.link }),
    n.mtu !== undefined && el('mtu', { size: n.mtu }),
    ...formatDeviceInfo(n, opts),
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

// ---- hostdev
export function parseHostdev(x: XmlElement): Hostdev {
  x.reqEnumAttr('mode', ['subsystem'] as const);
  x.reqEnumAttr('type', ['pci'] as const);
  const src = x.child('source');
  const addrEl = src?.child('address');
  if (!addrEl) throw x.error('<hostdev> needs <source><address domain= bus= slot= function=/></source>');
  addrEl.enumAttr('type', ['pci'] as const);
  const h: Hostdev = { mode: 'subsystem', type: 'pci', managed: x.boolAttr('managed') ?? false, source: { address: parsePciAddress(addrEl) } };
  const d = x.child('driver');
  if (d) h.driver = d.reqEnumAttr('name', ['vfio'] as const);
  parseDeviceInfo(x, h, true);
  return h;
}

export function formatHostdev(h: Hostdev, opts: FormatOptions): XmlNode {
  return el('hostdev', { mode: h.mode, type: h.type, managed: h.managed }, [
    h.driver && el('driver', { name: h.driver }),
    el('source', {}, [el('address', pciAddressAttrs(h.source.address, false))]),
    ...formatDeviceInfo(h, opts),
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
