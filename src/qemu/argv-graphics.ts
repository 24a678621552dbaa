// Graphics (VNC, SPICE) and video devices, then the sound cards (libvirt's order: -audiodev,
// graphics, video, sound). A VNC or SPICE password is never on the command line: `password=on`
// (VNC) or no disable-ticketing (SPICE) makes QEMU refuse clients until the driver sets it with
// QMP `set_password` before `cont`, as libvirt does. SDL, egl-headless and D-Bus displays are
// defined as libvirt accepts them but cannot run here (no X display, no DRM render node, no
// D-Bus session for QEMU): starting such a domain fails with config-unsupported.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Graphics, Video } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, keyValues, optValue, pciProps, requireDevice } from './argv-common.js';
import { audioFor, audiodevArgs, soundArgs } from './argv-audio.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

// video devices live in argv-video.ts
export { videoAlias, videoDeviceProps } from './argv-video.js';
import { videoDeviceProps } from './argv-video.js';

/** The port chosen for a graphics device: its own, or the driver's pick for autoport (ctx.vncPorts holds port - 5900). */
function chosenPort(g: Graphics, index: number, ctx: ArgvContext): number {
  if (!g.autoport && (g.port === undefined || g.port === -1)) throw unsupported(`${g.type} port must be in range [5900,65535]`);
  if (g.autoport || g.port === undefined || g.port === -1) {
    const display = ctx.vncPorts?.[index];
    if (display === undefined) {
      throw new TsvirtError('internal-error', `graphics ${index} has autoport but the driver chose no display for it (ArgvContext.vncPorts[${index}])`);
    }
    return 5900 + display;
  }
  return g.port;
}

/** The -vnc value: a unix socket, none, or host:display (display = port - 5900). */
export function vncArg(g: Graphics, index: number, ctx: ArgvContext, dom: Domain): string {
  const where = `graphics ${index}`;
  if (g.type !== 'vnc') throw unsupported(`${where}: graphics type '${String(g.type)}' is not VNC`);
  const listen = g.listens[0];
  let head: string;
  if (listen?.type === 'none') {
    head = 'none';
  } else if (listen?.type === 'socket') {
    head = `vnc=unix:${optValue(listen.socket ?? `${ctx.channelDir}/vnc${index}.sock`)}`;
  } else {
    if (listen?.type === 'network') throw unsupported(`${where}: listen type 'network' is not supported yet; give an address`);
    const host = listen?.address ?? g.listen ?? '127.0.0.1';
    const port = chosenPort(g, index, ctx);
    if (port < 5900 || port > 65535) throw unsupported('vnc port must be in range [5900,65535]');
    head = `${host.includes(':') ? `[${host}]` : host}:${port - 5900}`;
  }
  // websocket: -1 means "pick one", which needs a port chosen by the driver; not supported yet.
  if (g.websocket !== undefined && g.websocket < 0) throw unsupported(`${where}: websocket='-1' (automatic) is not supported yet; give a port`);
  return keyValues(head, [
    ['websocket', listen?.type === 'socket' || listen?.type === 'none' ? undefined : g.websocket || undefined],
    ['share', g.sharePolicy],
    ['password', g.passwd !== undefined ? 'on' : undefined],
    ['power-control', g.powerControl === undefined ? undefined : g.powerControl ? 'on' : 'off'],
    ['audiodev', dom.devices.audios?.length ? audioFor(dom, g.audioId, where) : undefined],
  ]);
}

const SPICE_MOUSE = { server: 'off', client: 'on' } as const;

/** The -spice value, in libvirt's order of options. TLS is off (libvirt's default qemu.conf), so only plaintext ports. */
export function spiceArg(g: Graphics, index: number, ctx: ArgvContext): string {
  const where = `graphics ${index}`;
  const listen = g.listens[0];
  const opts: Array<[string, string | number | undefined]> = [];
  let head: string;
  if (listen?.type === 'socket') {
    head = `unix=on,addr=${optValue(listen.socket ?? `${ctx.channelDir}/spice${index}.sock`)}`;
  } else if (listen?.type === 'none') {
    // QEMU needs a port or tls-port when nothing else is given: a dummy 0 listens nowhere
    head = 'port=0';
  } else {
    if (listen?.type === 'network') throw unsupported(`${where}: listen type 'network' is not supported yet; give an address`);
    const port = chosenPort(g, index, ctx);
    if (port <= 0 || port > 65535) throw unsupported(`${where}: spice port ${port} is out of range`);
    head = `port=${port}`;
    opts.push(['addr', listen?.address ?? g.listen ?? '127.0.0.1']);
  }
  if (g.mouse) opts.push(['agent-mouse', SPICE_MOUSE[g.mouse]]);
  if (g.passwd === undefined) opts.push(['disable-ticketing', 'on']);
  if (g.defaultMode === 'secure' || g.channels?.some((c) => c.mode === 'secure')) {
    throw unsupported('spice secure channels set in XML configuration, but TLS connection is not available');
  }
  if (g.defaultMode === 'insecure') opts.push(['plaintext-channel', 'default']);
  for (const c of g.channels ?? []) if (c.mode === 'insecure') opts.push(['plaintext-channel', c.name]);
  opts.push(
    ['image-compression', g.image],
    ['jpeg-wan-compression', g.jpeg],
    ['zlib-glz-wan-compression', g.zlib],
    ['playback-compression', g.playback === undefined ? undefined : g.playback ? 'on' : 'off'],
    ['streaming-video', g.streaming],
    ['disable-copy-paste', g.copypaste === false ? 'on' : undefined],
    ['disable-agent-file-xfer', g.filetransfer === false ? 'on' : undefined],
  );
  if (g.gl) throw unsupported(`${where}: SPICE OpenGL needs a DRM render node; there is none on this host`);
  opts.push(['seamless-migration', 'on']);
  return keyValues(head, opts);
}

/** -vnc / -spice (with -k keymap) per graphics device; the display types QEMU cannot run here are refused. */
function displayArgs(dom: Domain, ctx: ArgvContext): ArgPair[] {
  const { graphics } = dom.devices;
  if (!graphics.length) return [['-display', 'none']];
  for (const type of ['vnc', 'spice'] as const) {
    if (graphics.filter((g) => g.type === type).length > 1) throw unsupported(`only one <graphics type='${type}'> device is supported`);
  }
  const args: ArgPair[] = [];
  graphics.forEach((g, i) => {
    if (g.type === 'vnc') args.push(['-vnc', vncArg(g, i, ctx, dom)]);
    else if (g.type === 'spice') args.push(['-spice', spiceArg(g, i, ctx)]);
    else if (g.type === 'sdl') throw unsupported(`graphics ${i}: SDL graphics need an X display; there is none for QEMU on this host`);
    else if (g.type === 'egl-headless') throw unsupported(`graphics ${i}: egl-headless graphics need a DRM render node (/dev/dri); there is none on this host`);
    else if (g.type === 'dbus') throw unsupported(`graphics ${i}: D-Bus graphics need a D-Bus daemon for QEMU; tsvirt does not run one`);
    else throw unsupported(`${g.type} graphics are not supported with this QEMU`);
    if (g.keymap) args.push(['-k', g.keymap]);
  });
  return args;
}

/** -audiodev, graphics (or -display none), video devices and sound cards, in libvirt's order. */
export function graphicsArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  const args: ArgPair[] = [...audiodevArgs(dom), ...displayArgs(dom, ctx)];
  dom.devices.videos.forEach((v, i) => {
    const props = videoDeviceProps(v, i, dom, caps);
    if (props) args.push(jsonArg('-device', props));
  });
  return [...args, ...soundArgs(dom, caps)];
}
