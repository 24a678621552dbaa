// Graphics (VNC) and video devices. A VNC password is never on the command line: `password=on`
// makes QEMU refuse clients until the driver sets it with QMP `set_password` before `cont`.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Graphics, Video } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, keyValues, optValue, pciProps, requireDevice } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

export const videoAlias = (index: number) => `video${index}`;

/** The -vnc value: a unix socket, or host:display (display = port - 5900). */
export function vncArg(g: Graphics, index: number, ctx: ArgvContext): string {
  const where = `graphics ${index}`;
  if (g.type !== 'vnc') throw unsupported(`${where}: graphics type '${String(g.type)}' is not supported (only vnc)`);
  const listen = g.listens[0];
  let head: string;
  if (listen?.type === 'none') {
    head = 'none';
  } else if (listen?.type === 'socket') {
    head = `unix:${optValue(listen.socket ?? `${ctx.channelDir}/vnc${index}.sock`)}`;
  } else {
    const host = listen?.address ?? g.listen ?? '127.0.0.1';
    let display: number | undefined;
    if (g.autoport || g.port === undefined || g.port === -1) {
      display = ctx.vncPorts?.[index];
      if (display === undefined) {
        throw new TsvirtError('internal-error', `${where} has autoport but the driver chose no display for it (ArgvContext.vncPorts[${index}])`);
      }
    } else {
      if (g.port < 5900) throw unsupported(`${where}: VNC port ${g.port} is below 5900`);
      display = g.port - 5900;
    }
    head = `${host.includes(':') ? `[${host}]` : host}:${display}`;
  }
  // websocket: -1 means "pick one", which needs a port chosen by the driver; not supported yet.
  if (g.websocket !== undefined && g.websocket < 0) throw unsupported(`${where}: websocket='-1' (automatic) is not supported yet; give a port`);
  return keyValues(head, [['websocket', g.websocket], ['password', g.passwd !== undefined ? 'on' : undefined]]);
}

/** QEMU device of a video model; virtio and qxl have a VGA-compatible variant for the primary card. */
function videoDriver(v: Video, primary: boolean): string | undefined {
  switch (v.model.type) {
    case 'vga': return 'VGA';
    case 'cirrus': return 'cirrus-vga';
    case 'virtio': return primary ? 'virtio-vga' : 'virtio-gpu-pci';
    case 'qxl': return primary ? 'qxl-vga' : 'qxl';
    case 'bochs': return 'bochs-display';
    case 'ramfb': return 'ramfb';
    case 'none': return undefined;
    default: throw unsupported(`video model '${String(v.model.type)}' is not supported`);
  }
}

/** The -device body of a video card (undefined for model 'none'). vram is in KiB as in libvirt. */
export function videoDeviceProps(v: Video, index: number, dom: Domain, caps: QemuCaps): Props | undefined {
  const primary = v.model.primary ?? index === 0;
  const driver = videoDriver(v, primary);
  if (!driver) return undefined;
  const where = `video ${index}`;
  requireDevice(caps, driver, where);
  const props: Props = { driver, id: videoAlias(index) };
  const vram = v.model.vram;
  if (vram !== undefined) {
    if (driver === 'VGA' || driver === 'cirrus-vga') props.vgamem_mb = Math.max(1, Math.floor(vram / 1024));
    else if (driver.startsWith('qxl')) props.vram_size = vram * 1024;
    else if (driver === 'bochs-display') props.vgamem = vram * 1024;
  }
  if (v.model.heads !== undefined && v.model.heads > 1) {
    if (driver.startsWith('virtio')) props.max_outputs = v.model.heads;
    else if (driver.startsWith('qxl')) props.max_outputs = v.model.heads;
    else throw unsupported(`${where}: model '${v.model.type}' supports one head only`);
  }
  // ramfb sits on the system bus: no PCI address.
  return driver === 'ramfb' ? props : { ...props, ...pciProps(dom, v.address, where) };
}

/** -vnc (or -display none when there is no graphics) and video devices. */
export function graphicsArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  const { graphics, videos } = dom.devices;
  if (graphics.length > 1) throw unsupported('only one <graphics> device is supported');
  const args: ArgPair[] = graphics.length ? [['-vnc', vncArg(graphics[0], 0, ctx)]] : [['-display', 'none']];
  if (graphics[0]?.keymap) args.push(['-k', graphics[0].keymap]);
  videos.forEach((v, i) => {
    const props = videoDeviceProps(v, i, dom, caps);
    if (props) args.push(jsonArg('-device', props));
  });
  return args;
}
