// <audio>: every backend type of libvirt 9.0 with its <input>/<output> settings, parsed and
// written in libvirt's layout (virDomainAudioDef{ParseXML,Format}).
import type { Audio, AudioIO, AudioType } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';
import { assignDefined } from './xml-assign.js';
import { TsvirtError } from '../util/errors.js';

export const AUDIO_TYPES = ['none', 'alsa', 'coreaudio', 'jack', 'oss', 'pulseaudio', 'sdl', 'spice', 'file', 'dbus'] as const;
const FORMATS = ['u8', 's8', 'u16', 's16', 'u32', 's32', 'f32'] as const;
const UINT = { min: 0, max: 0xffffffff };
const NONZERO = { min: 1, max: 0xffffffff };

/** yes/no only, as libvirt's tristate bool */
function yesNo(x: XmlElement, name: string): boolean | undefined {
  const v = x.attr(name);
  if (v === undefined) return undefined;
  if (v !== 'yes' && v !== 'no') throw x.error(`invalid value '${v}' for attribute '${name}' on <${x.name}>: expected yes or no`);
  return v === 'yes';
}

/** The backend attributes each type reads on <input>/<output>. */
const IO_ATTRS: Partial<Record<AudioType, Array<keyof AudioIO>>> = {
  alsa: ['dev'],
  coreaudio: ['bufferCount'],
  jack: ['serverName', 'clientName', 'connectPorts', 'exactName'],
  oss: ['dev', 'bufferCount', 'tryPoll'],
  pulseaudio: ['name', 'streamName', 'latency'],
  sdl: ['bufferCount'],
};
const IO_INT = new Set<keyof AudioIO>(['bufferCount', 'latency']);
const IO_BOOL = new Set<keyof AudioIO>(['exactName', 'tryPoll']);

function parseIO(x: XmlElement, type: AudioType): AudioIO {
  const io: AudioIO = assignDefined({} as AudioIO, {
    mixingEngine: yesNo(x, 'mixingEngine'),
    fixedSettings: yesNo(x, 'fixedSettings'),
    voices: x.intAttr('voices', NONZERO),
    bufferLength: x.intAttr('bufferLength', NONZERO),
  });
  if (io.fixedSettings && io.mixingEngine !== true) throw new TsvirtError('config-unsupported', `fixed audio settings requires mixing engine (line ${x.line})`);
  const s = x.child('settings');
  if (s) {
    if (io.fixedSettings !== true) throw new TsvirtError('config-unsupported', `audio settings specified without fixed settings flag (line ${s.line})`);
    io.settings = assignDefined({}, { frequency: s.intAttr('frequency', NONZERO), channels: s.intAttr('channels', NONZERO), format: s.enumAttr('format', FORMATS) });
  }
  const rec = io as Record<string, unknown>;
  for (const k of IO_ATTRS[type] ?? []) {
    const v = IO_INT.has(k) ? x.intAttr(k, UINT) : IO_BOOL.has(k) ? yesNo(x, k) : x.attr(k);
    if (v !== undefined) rec[k] = v;
  }
  return io;
}

export function parseAudio(x: XmlElement): Audio {
  const type = x.reqEnumAttr('type', AUDIO_TYPES);
  const a: Audio = assignDefined({ id: x.reqIntAttr('id', NONZERO), type } as Audio, { timerPeriod: x.intAttr('timerPeriod', NONZERO) });
  const input = x.child('input');
  const output = x.child('output');
  if (input) a.input = parseIO(input, type);
  if (output) a.output = parseIO(output, type);
  if (type === 'oss') {
    Object.assign(a, assignDefined({} as Audio, { tryMMap: yesNo(x, 'tryMMap'), exclusive: yesNo(x, 'exclusive') }));
    const p = x.intAttr('dspPolicy');
    if (p !== undefined && p < 0) throw x.error(`cannot parse 'dspPolicy' value '${p}'`);
    if (p !== undefined) a.dspPolicy = p;
  } else if (type === 'pulseaudio') {
    const s = x.attr('serverName');
    if (s !== undefined) a.serverName = s;
  } else if (type === 'sdl') {
    const drv = x.enumAttr('driver', ['esd', 'alsa', 'arts', 'pulseaudio'] as const);
    if (drv) a.driver = drv;
  } else if (type === 'file') {
    const p = x.attr('path');
    if (p !== undefined) a.path = p;
  }
  return a;
}

function formatIO(io: AudioIO | undefined, type: AudioType, name: 'input' | 'output'): XmlNode | undefined {
  if (!io) return undefined;
  const backend: Record<string, string | number | undefined> = {};
  const rec = io as Record<string, unknown>;
  for (const k of IO_ATTRS[type] ?? []) {
    const v = rec[k];
    if (v === undefined || v === 0) continue;
    backend[k] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : (v as string | number);
  }
  const yn = (v: boolean | undefined) => (v === undefined ? undefined : v ? 'yes' : 'no');
  const common = { mixingEngine: yn(io.mixingEngine), fixedSettings: yn(io.fixedSettings), voices: io.voices, bufferLength: io.bufferLength };
  const attrs = { ...common, ...backend };
  if (Object.values(attrs).every((v) => v === undefined)) return undefined;
  const settings = io.fixedSettings ? el('settings', { ...(io.settings ?? {}) }) : undefined;
  return el(name, attrs, [settings]);
}

export function formatAudio(a: Audio): XmlNode {
  const yn = (v: boolean | undefined) => (v === undefined ? undefined : v ? 'yes' : 'no');
  const attrs: Record<string, string | number | undefined> = { id: a.id, type: a.type, timerPeriod: a.timerPeriod };
  if (a.type === 'oss') Object.assign(attrs, { tryMMap: yn(a.tryMMap), exclusive: yn(a.exclusive), dspPolicy: a.dspPolicy });
  if (a.type === 'pulseaudio') attrs.serverName = a.serverName;
  if (a.type === 'sdl') attrs.driver = a.driver;
  if (a.type === 'file') attrs.path = a.path;
  return el('audio', attrs, [formatIO(a.input, a.type, 'input'), formatIO(a.output, a.type, 'output')]);
}
