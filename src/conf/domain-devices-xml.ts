// Parse/format of the smaller <devices> children (input, video, watchdog, panic, rng, memballoon);
// each family with its own file is re-exported here, so callers see one module.
// Each pair mirrors the other: what parse reads, format writes back in libvirt's order.
import type { CharDevice, CharType, Input, Memballoon, Rng, Video, VideoType, Panic, Watchdog } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, onOff, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { hasVirtioDriverOptions, parseVirtioDriverOptions, virtioDriverAttrs, type VirtioDriverOptions } from './domain-virtio-driver-xml.js';
import { CHAR_TYPES, formatCharSource, parseCharSource } from './domain-chardev-xml.js';
import { assignDefined } from './xml-assign.js';
import { TsvirtError } from '../util/errors.js';

export * from './domain-disk-xml.js';
export * from './domain-net-xml.js';
export * from './domain-graphics-xml.js';
export * from './domain-hostdev-xml.js';
export * from './domain-controller-xml.js';

const virtioDriver = (o: VirtioDriverOptions | undefined) => hasVirtioDriverOptions(o) && el('driver', virtioDriverAttrs(o));
const VIRTIO_MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'] as const;


// ---- input
const INPUT_TYPES = ['mouse', 'tablet', 'keyboard', 'passthrough', 'evdev'] as const;
const INPUT_BUSES = ['ps2', 'usb', 'xen', 'virtio', 'none'] as const;

export function parseInput(x: XmlElement): Input {
  const type = x.reqEnumAttr('type', INPUT_TYPES);
  // libvirt fills the bus while parsing (x86 hvm): mouse and keyboard PS/2, passthrough virtio, evdev none, the rest USB
  const bus = x.enumAttr('bus', INPUT_BUSES) ??
    (type === 'mouse' || type === 'keyboard' ? 'ps2' : type === 'passthrough' ? 'virtio' : type === 'evdev' ? 'none' : 'usb');
  const inp: Input = assignDefined({ type, bus } as Input, { model: x.enumAttr('model', VIRTIO_MODELS) });
  const drv = x.child('driver');
  if (drv) assignDefined(inp, { driver: parseVirtioDriverOptions(drv) });
  const src = x.child('source');
  if (src) {
    if (type === 'passthrough') inp.source = { evdev: src.reqAttr('evdev') };
    else if (type === 'evdev') {
      inp.source = assignDefined({ dev: src.attr('dev') } as NonNullable<Input['source']>, {
        grab: src.enumAttr('grab', ['all'] as const),
        grabToggle: src.enumAttr('grabToggle', ['ctrl-ctrl', 'alt-alt', 'shift-shift', 'meta-meta', 'scrolllock', 'ctrl-scrolllock'] as const),
        repeat: src.switchAttr('repeat'),
      });
      if (!inp.source.dev) throw src.error('Missing evdev path for input device');
    }
  }
  if ((type === 'passthrough' || type === 'evdev') && !inp.source) throw x.error('Missing evdev path for input device');
  parseDeviceInfo(x, inp);
  if (bus === 'usb' && inp.address && inp.address.type !== 'usb') throw x.error('Invalid address for a USB device');
  return inp;
}

export function formatInput(i: Input, opts: FormatOptions): XmlNode {
  const s = i.source;
  return el('input', { type: i.type, bus: i.bus === 'none' ? undefined : i.bus, model: i.model }, [
    virtioDriver(i.driver),
    s && el('source', {
      ...(i.type === 'evdev' ? { dev: s.dev } : { evdev: s.evdev }), grab: s.grab, grabToggle: s.grabToggle, repeat: onOff(s.repeat),
    }),
    ...formatDeviceInfo(i, opts),
  ]);
}

// ---- video
const VIDEO_MODELS: readonly VideoType[] = ['vga', 'cirrus', 'vmvga', 'xen', 'vbox', 'qxl', 'virtio', 'gop', 'bochs', 'ramfb', 'none'];

export function parseVideo(x: XmlElement): Video {
  const m = x.child('model');
  // no model type: libvirt's QEMU default for x86 (cirrus, which QEMU 7.2 here has)
  const v: Video = { model: { type: m?.enumAttr('type', VIDEO_MODELS) ?? 'cirrus' } };
  if (m) {
    assignDefined(v.model, {
      ram: m.intAttr('ram', { min: 0 }),
      vram: m.intAttr('vram', { min: 0 }),
      vram64: m.intAttr('vram64', { min: 0 }),
      vgamem: m.intAttr('vgamem', { min: 0 }),
      heads: m.intAttr('heads', { min: 1 }),
      primary: m.boolAttr('primary') || undefined,
    });
    const acc = m.child('acceleration');
    if (acc) v.model.acceleration = assignDefined({}, { accel3d: acc.boolAttr('accel3d'), accel2d: acc.boolAttr('accel2d'), rendernode: acc.attr('rendernode') });
    const res = m.child('resolution');
    if (res) v.model.resolution = { x: res.reqIntAttr('x', { min: 1 }), y: res.reqIntAttr('y', { min: 1 }) };
  }
  const d = x.child('driver');
  if (d) {
    v.driver = assignDefined({}, {
      name: d.enumAttr('name', ['qemu', 'vhostuser'] as const),
      vgaconf: d.enumAttr('vgaconf', ['io', 'on', 'off'] as const),
      virtio: parseVirtioDriverOptions(d),
    });
  }
  parseDeviceInfo(x, v);
  return v;
}

export function formatVideo(v: Video, opts: FormatOptions): XmlNode {
  const m = v.model;
  const d = v.driver;
  // libvirt writes <driver> only for virtio options, vgaconf or a non-default backend (name='qemu' is dropped)
  const showDriver = d && (hasVirtioDriverOptions(d.virtio) || d.vgaconf || d.name === 'vhostuser');
  const a = m.acceleration;
  return el('video', {}, [
    showDriver && el('driver', { ...virtioDriverAttrs(d.virtio), vgaconf: d.vgaconf, name: d.name === 'vhostuser' ? d.name : undefined }),
    el('model', { type: m.type, ram: m.ram, vram: m.vram, vram64: m.vram64, vgamem: m.vgamem, heads: m.heads, primary: m.primary ? 'yes' : undefined }, [
      a && el('acceleration', { accel3d: a.accel3d, accel2d: a.accel2d, rendernode: a.rendernode }),
      m.resolution && el('resolution', { x: m.resolution.x, y: m.resolution.y }),
    ]),
    ...formatDeviceInfo(v, opts),
  ]);
}

// ---- watchdog, panic
export function parseWatchdog(x: XmlElement): Watchdog {
  const w: Watchdog = {
    model: x.reqEnumAttr('model', ['i6300esb', 'ib700', 'diag288', 'itco'] as const),
    action: x.enumAttr('action', ['reset', 'shutdown', 'poweroff', 'pause', 'none', 'dump', 'inject-nmi'] as const) ?? 'reset',
  };
  parseDeviceInfo(x, w);
  return w;
}

export function formatWatchdog(w: Watchdog, opts: FormatOptions): XmlNode {
  return el('watchdog', { model: w.model, action: w.action }, formatDeviceInfo(w, opts));
}

export function parsePanic(x: XmlElement): Panic {
  const model = x.attr('model');
  // libvirt 9.0 knows these four (pvpanic-pci came with 9.1)
  if (model !== undefined && !['isa', 'pseries', 'hyperv', 's390'].includes(model)) throw new TsvirtError('config-unsupported', `unknown panic model '${model}'`);
  const p: Panic = assignDefined({}, { model: model as Panic['model'] });
  parseDeviceInfo(x, p);
  if ((p.model ?? 'isa') === 'isa' && p.address && p.address.type !== 'isa') throw x.error(`<panic model='isa'> needs an isa address, not '${p.address.type}'`);
  return p;
}

export function formatPanic(p: Panic, opts: FormatOptions): XmlNode {
  return el('panic', { model: p.model }, formatDeviceInfo(p, opts));
}

// ---- rng
export function parseRng(x: XmlElement): Rng {
  const model = x.reqEnumAttr('model', VIRTIO_MODELS);
  const b = x.child('backend');
  if (!b) throw x.error('missing <backend> in <rng>');
  const bm = b.reqEnumAttr('model', ['random', 'egd', 'builtin'] as const);
  let backend: Rng['backend'];
  // libvirt's default source of the random backend (virDomainRNGDefPostParse)
  if (bm === 'random') backend = { model: bm, path: b.text().trim() || '/dev/random' };
  else if (bm === 'builtin') backend = { model: bm };
  else {
    const type = b.reqEnumAttr('type', CHAR_TYPES) as CharType;
    const chardev = { type } as CharDevice;
    parseCharSource(b, type, chardev);
    backend = { model: 'egd', chardev };
  }
  const rng: Rng = { model, backend };
  const r = x.child('rate');
  if (r) rng.rate = assignDefined({ bytes: r.reqIntAttr('bytes', { min: 1 }) } as NonNullable<Rng['rate']>, { period: r.intAttr('period', { min: 1 }) });
  const d = x.child('driver');
  if (d) assignDefined(rng, { driver: parseVirtioDriverOptions(d) });
  parseDeviceInfo(x, rng);
  return rng;
}

export function formatRng(r: Rng, opts: FormatOptions): XmlNode {
  const b = r.backend;
  return el('rng', { model: r.model }, [
    r.rate && el('rate', { bytes: r.rate.bytes, period: r.rate.period }),
    b.model === 'random' ? el('backend', { model: 'random' }, b.path)
      : b.model === 'egd' ? el('backend', { model: 'egd', type: b.chardev.type }, formatCharSource(b.chardev, opts))
        : el('backend', { model: 'builtin' }),
    virtioDriver(r.driver),
    ...formatDeviceInfo(r, opts),
  ]);
}

// ---- memballoon
export function parseMemballoon(x: XmlElement): Memballoon {
  const mb: Memballoon = assignDefined({ model: x.reqEnumAttr('model', [...VIRTIO_MODELS, 'xen', 'none'] as const) } as Memballoon, {
    autodeflate: x.switchAttr('autodeflate'),
    freePageReporting: x.switchAttr('freePageReporting'),
  });
  const st = x.child('stats');
  if (st) mb.statsPeriod = st.reqIntAttr('period', { min: 0 });
  const d = x.child('driver');
  if (d) assignDefined(mb, { driver: parseVirtioDriverOptions(d) });
  parseDeviceInfo(x, mb);
  return mb;
}

export function formatMemballoon(m: Memballoon, opts: FormatOptions): XmlNode {
  return el('memballoon', { model: m.model, autodeflate: onOff(m.autodeflate), freePageReporting: onOff(m.freePageReporting) }, [
    m.statsPeriod ? el('stats', { period: m.statsPeriod }) : undefined,
    ...formatDeviceInfo(m, opts),
    virtioDriver(m.driver),
  ]);
}
