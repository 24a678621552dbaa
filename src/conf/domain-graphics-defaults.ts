// Post-parse defaults and checks of <graphics>, <audio> and <sound>, as libvirt 9.0's domain
// post-parse (virDomainDefPostParseGraphics), its QEMU driver (qemuDomainDefAddDefaultAudioBackend
// with the default qemu.conf) and its validators (domain_validate.c, qemu_validate.c) do them.
import type { Audio, DomainDevices, Graphics } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';

const xmlErr = (m: string) => new TsvirtError('xml-error', m);
const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

function graphicsDefaults(g: Graphics): void {
  if (g.type === 'vnc') {
    g.autoport ??= g.port === undefined || g.port === -1;
    if (g.autoport && g.port === undefined) g.port = -1;
    if (!g.autoport && g.port === -1) delete g.port;
  } else if (g.type === 'spice') {
    // legacy: port='-1' tlsPort='-1' meant autoport
    if (g.port === -1 && g.tlsPort === -1) g.autoport = true;
    g.autoport ??= false;
    // no port, no TLS port and no autoport: SPICE listens nowhere, libvirt says so with listen type none
    const first = g.listens[0];
    if (first?.type === 'address' && !g.port && !g.tlsPort && !g.autoport) g.listens[0] = { type: 'none' };
  }
  const first = g.listens[0];
  g.listen = first && (first.type === 'address' || first.type === 'network') ? first.address : undefined;
  if (g.listen === undefined) delete g.listen;
}

/**
 * The audio backend libvirt 9.0 adds when the definition has none (qemuDomainDefSuggestDefaultAudioBackend,
 * default qemu.conf, no QEMU_AUDIO_DRV in the environment): the last VNC or SPICE graphics decides
 * ('none' or 'spice'); SDL graphics pass host audio through, which without QEMU_AUDIO_DRV means no
 * backend at all; rdp, desktop, egl-headless and dbus change nothing; no graphics means 'none'.
 */
export function defaultAudio(graphics: Graphics[]): Audio | undefined {
  if (graphics.length === 0) return { id: 1, type: 'none' };
  let add = false;
  let passthrough = false;
  let type: Audio['type'] = 'none';
  for (const g of graphics) {
    if (g.type === 'vnc') [add, passthrough, type] = [true, false, 'none'];
    else if (g.type === 'spice') [add, passthrough, type] = [true, false, 'spice'];
    else if (g.type === 'sdl') [add, passthrough] = [true, true];
  }
  return add && !passthrough ? { id: 1, type } : undefined;
}

/** Graphics defaults and the default audio backend; mutates `d`. */
export function graphicsAudioDefaults(d: DomainDevices): void {
  for (const g of d.graphics) graphicsDefaults(g);
  if (!d.audios?.length) {
    const a = defaultAudio(d.graphics);
    if (a) d.audios = [a];
  }
}

/** Graphics types this QEMU offers, as libvirt's domain capabilities list them. */
const QEMU_GRAPHICS = new Set(['sdl', 'vnc', 'spice', 'egl-headless', 'dbus']);

function ensureAudio(d: DomainDevices, id: number | undefined): void {
  if (id !== undefined && !(d.audios ?? []).some((a) => a.id === id)) throw xmlErr(`no audio device with ID ${id}`);
}

function validateGraphics(d: DomainDevices, g: Graphics): void {
  for (const l of g.listens) {
    if (l.type === 'network' && !l.network) throw xmlErr("'network' attribute is required for listen type 'network'");
  }
  if (g.type === 'vnc') ensureAudio(d, g.audioId);
  if (g.type === 'dbus' && g.p2p && g.address) throw xmlErr('D-Bus p2p with an address is not supported');
  if (!QEMU_GRAPHICS.has(g.type)) throw unsupported(`${g.type} graphics are not supported with this QEMU`);
  if (d.graphics.some((x) => x.type === 'egl-headless')) {
    if (!['egl-headless', 'vnc', 'spice'].includes(g.type)) {
      throw unsupported("graphics type 'egl-headless' is only supported with one of: 'vnc', 'spice' graphics types");
    }
    if (g.type === 'spice' && g.gl) throw unsupported('multiple OpenGL displays are not supported by QEMU');
  }
  if (g.type === 'spice') {
    const l = g.listens[0];
    if ((l?.type === 'address' || l?.type === 'network') && g.tlsPort !== undefined && g.tlsPort > 0) {
      throw unsupported('spice TLS port set in XML configuration, but TLS is disabled in qemu.conf');
    }
  }
  if (g.type === 'vnc' && g.passwd !== undefined && g.passwd.length > 8) {
    throw unsupported(`VNC password is ${g.passwd.length} characters long, only 8 permitted`);
  }
  if (g.type === 'dbus' && g.audioId !== undefined) {
    const a = d.audios?.find((x) => x.id === g.audioId);
    if (a && a.type !== 'dbus') throw unsupported("The associated audio is not of 'dbus' kind.");
  }
}

/** libvirt's checks of graphics, audio and sound devices. */
export function validateGraphicsAudio(d: DomainDevices): void {
  const audios = d.audios ?? [];
  audios.forEach((a, i) => {
    if (audios.findIndex((b) => b.id === a.id) !== i) throw xmlErr(`audio ID ${a.id} is used multiple times`);
  });
  for (const s of d.sounds ?? []) ensureAudio(d, s.audioId);
  for (const g of d.graphics) validateGraphics(d, g);
  for (const a of audios) {
    if (a.type === 'spice' && !d.graphics.some((g) => g.type === 'spice')) throw unsupported('Spice audio is not supported without spice graphics');
  }
  for (const s of d.sounds ?? []) {
    if (s.model === 'ich7') throw new TsvirtError('internal-error', "sound card model 'ich7' is not supported by qemu");
  }
}
