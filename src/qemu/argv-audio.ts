// -audiodev for every <audio> and the sound cards wired to them, as libvirt 9.0's
// qemuBuildAudioCommandLine / qemuBuildSoundCommandLine write them (JSON -audiodev, -device).
// Differences from libvirt: the PC speaker is wired with the machine property pcspk-audiodev
// (QEMU 7.1 removed the -soundhw libvirt 9.0 still writes), and a backend QEMU here lacks
// (coreaudio is macOS only) is refused before QEMU is spawned.
import { TsvirtError } from '../util/errors.js';
import type { Audio, AudioIO, Domain, Sound } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps, requireDevice, usbProps } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** QEMU's -audiodev driver names differ from libvirt's types for two backends */
const DRIVER: Partial<Record<Audio['type'], string>> = { pulseaudio: 'pa', file: 'wav' };

/** QEMU audiodev drivers of this build (`qemu-system-x86_64 -audiodev help`) */
const QEMU_AUDIO = new Set(['none', 'alsa', 'dbus', 'jack', 'oss', 'pa', 'sdl', 'spice', 'wav']);

export const audioAlias = (a: Audio) => `audio${a.id}`;
export const soundAlias = (index: number) => `sound${index}`;

function ioProps(io: AudioIO | undefined, type: Audio['type']): Props | undefined {
  if (!io) return undefined;
  const fixed = io.fixedSettings === true;
  const p: Props = {
    'mixing-engine': io.mixingEngine,
    'fixed-settings': io.fixedSettings,
    voices: io.voices,
    'buffer-length': io.bufferLength,
    frequency: fixed ? io.settings?.frequency : undefined,
    channels: fixed ? io.settings?.channels : undefined,
    format: fixed ? io.settings?.format : undefined,
  };
  if (type === 'alsa') Object.assign(p, { dev: io.dev });
  if (type === 'coreaudio' || type === 'sdl') Object.assign(p, { 'buffer-count': io.bufferCount || undefined });
  if (type === 'jack') Object.assign(p, { 'server-name': io.serverName, 'client-name': io.clientName, 'connect-ports': io.connectPorts, 'exact-name': io.exactName });
  if (type === 'oss') Object.assign(p, { dev: io.dev, 'buffer-count': io.bufferCount || undefined, 'try-poll': io.tryPoll });
  if (type === 'pulseaudio') Object.assign(p, { name: io.name, 'stream-name': io.streamName, latency: io.latency || undefined });
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return Object.keys(p).length ? p : undefined;
}

/** The -audiodev JSON of one backend. */
export function audiodevProps(a: Audio): Props {
  const driver = DRIVER[a.type] ?? a.type;
  if (!QEMU_AUDIO.has(driver)) throw unsupported(`audio ${a.id}: audio type '${a.type}' is not available in this QEMU build (see 'qemu-system-x86_64 -audiodev help')`);
  // libvirt passes the SDL driver as SDL_AUDIODRIVER in QEMU's environment, which tsvirt does not set
  if (a.type === 'sdl' && a.driver) throw unsupported(`audio ${a.id}: an SDL audio driver ('${a.driver}') is not supported; leave driver= out`);
  const p: Props = { id: audioAlias(a), driver, 'timer-period': a.timerPeriod };
  if (a.type === 'oss') Object.assign(p, { 'try-mmap': a.tryMMap, exclusive: a.exclusive, 'dsp-policy': a.dspPolicy });
  if (a.type === 'pulseaudio') p.server = a.serverName;
  if (a.type === 'file') p.path = a.path;
  Object.assign(p, { in: ioProps(a.input, a.type), out: ioProps(a.output, a.type) });
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return p;
}

/** -audiodev for each <audio>, in definition order. */
export function audiodevArgs(dom: Domain): ArgPair[] {
  return (dom.devices.audios ?? []).map((a) => jsonArg('-audiodev', audiodevProps(a)));
}

/** The backend a device or graphics plays through: the one with that id, or the first (libvirt's rule). */
export function audioFor(dom: Domain, id: number | undefined, where: string): string {
  const audios = dom.devices.audios ?? [];
  const a = id ? audios.find((x) => x.id === id) : audios[0];
  if (!a) throw new TsvirtError('internal-error', `${where}: unable to find audio backend for sound device`);
  return audioAlias(a);
}

const SOUND_DRIVER: Partial<Record<Sound['model'], string>> = {
  es1370: 'ES1370', ac97: 'AC97', ich6: 'intel-hda', ich9: 'ich9-intel-hda', usb: 'usb-audio', sb16: 'sb16',
};

/** The machine property that wires the PC speaker (libvirt: -soundhw pcspk, gone in QEMU 7.1). */
export function pcspkAudiodev(dom: Domain): string | undefined {
  const s = dom.devices.sounds?.find((x) => x.model === 'pcspk');
  return s ? audioFor(dom, s.audioId, 'sound pcspk') : undefined;
}

/** -device lines of the sound cards and their HDA codecs (a codec-less HDA gets hda-duplex). */
export function soundArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const args: ArgPair[] = [];
  (dom.devices.sounds ?? []).forEach((s, i) => {
    if (s.model === 'pcspk') return;
    const where = `sound ${i}`;
    const driver = SOUND_DRIVER[s.model];
    if (!driver) throw new TsvirtError('internal-error', `sound card model '${s.model}' is not supported by qemu`);
    requireDevice(caps, driver, where);
    const alias = s.alias ?? soundAlias(i);
    const hda = s.model === 'ich6' || s.model === 'ich9';
    const props: Props = { driver, id: alias };
    if (!hda) props.audiodev = audioFor(dom, s.audioId, where);
    const bus = s.model === 'usb' ? usbProps(dom, s.address, where) : s.model === 'sb16' ? {} : pciProps(dom, s.address, where);
    args.push(jsonArg('-device', { ...props, ...bus }));
    if (!hda) return;
    const codecs = s.codecs?.length ? s.codecs : ['duplex' as const];
    codecs.forEach((c, cad) => {
      requireDevice(caps, `hda-${c}`, where);
      args.push(jsonArg('-device', { driver: `hda-${c}`, id: `${alias}-codec${cad}`, bus: `${alias}.0`, cad, audiodev: audioFor(dom, s.audioId, where) }));
    });
  });
  return args;
}
