// Character devices: serial ports, consoles and channels. QEMU 7.2 has no JSON -chardev, so the
// backend is written in key=value syntax (chardev-add over QMP takes a different shape; the driver
// maps CharBackend to it). Serial ports and consoles always log to ctx.logDir, as libvirt's
// virtlogd does, so the guest's console output is on disk.
import { TsvirtError } from '../util/errors.js';
import type { CharDevice, DeviceAddress, Domain } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, keyValues, pciProps, requireDevice, usbProps } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** Device ids (libvirt aliases) serial0, console1, channel0; the chardev id is 'char' + alias. */
export const charAlias = (kind: 'serial' | 'console' | 'channel', index: number) => `${kind}${index}`;

/** The -chardev value for a character device; `defaultPath` is used by unix sockets without a path. */
export function chardevArg(dev: CharDevice, id: string, where: string, opts: { defaultLog?: string; defaultPath?: string } = {}): string {
  const log = dev.log ? { file: dev.log.file, append: dev.log.append ?? false } : opts.defaultLog ? { file: opts.defaultLog, append: true } : undefined;
  const logPairs: Array<[string, string | undefined]> = log
    ? [['logfile', log.file], ['logappend', log.append ? 'on' : 'off']]
    : [];
  const path = dev.source?.path;
  switch (dev.type) {
    case 'pty':
    case 'null':
    case 'stdio':
      return keyValues(dev.type, [['id', id], ...logPairs]);
    case 'file':
      if (!path) throw unsupported(`${where}: type='file' needs <source path=...>`);
      return keyValues('file', [['id', id], ['path', path], ...logPairs]);
    case 'unix': {
      const p = path ?? opts.defaultPath;
      if (!p) throw unsupported(`${where}: type='unix' needs <source path=...>`);
      const server = (dev.source?.mode ?? 'bind') === 'bind';
      return keyValues('socket', [['id', id], ['path', p], ['server', server ? 'on' : undefined], ['wait', server ? 'off' : undefined], ...logPairs]);
    }
    default:
      throw unsupported(`${where}: character device type '${String(dev.type)}' is not supported`);
  }
}

function virtioSerialProps(address: DeviceAddress | undefined, where: string): Props {
  if (!address) return {};
  if (address.type !== 'virtio-serial') throw unsupported(`${where} needs a virtio-serial address, not type '${address.type}'`);
  return { bus: `virtio-serial${address.controller}.${address.bus}`, nr: address.port };
}

function requireVirtioSerial(dom: Domain, where: string): void {
  if (!dom.devices.controllers.some((c) => c.type === 'virtio-serial')) {
    throw unsupported(`${where} needs a <controller type='virtio-serial'>`);
  }
}

/** The guest-side -device body of a serial port. */
export function serialDeviceProps(dev: CharDevice, index: number, dom: Domain, caps: QemuCaps): Props {
  const where = `serial ${index}`;
  const driver = dev.target?.model ?? dev.target?.type ?? 'isa-serial';
  const base: Props = { driver, chardev: `char${charAlias('serial', index)}`, id: charAlias('serial', index) };
  let props: Props;
  if (driver === 'isa-serial') props = { ...base, index: dev.target?.port ?? index };
  else if (driver === 'pci-serial') props = { ...base, ...pciProps(dom, dev.address, where) };
  else if (driver === 'usb-serial') props = { ...base, ...usbProps(dom, dev.address, where) };
  else throw unsupported(`${where}: target type '${driver}' is not supported (isa-serial, pci-serial, usb-serial)`);
  requireDevice(caps, driver, where);
  return props;
}

/** A virtio console (virtconsole) or channel (virtserialport) -device body. */
export function virtioPortProps(
  dev: CharDevice, kind: 'console' | 'channel', index: number, dom: Domain, caps: QemuCaps,
): Props {
  const where = `${kind} ${index}`;
  requireVirtioSerial(dom, where);
  const driver = kind === 'console' ? 'virtconsole' : 'virtserialport';
  requireDevice(caps, driver, where);
  const props: Props = { driver, ...virtioSerialProps(dev.address, where), chardev: `char${charAlias(kind, index)}`, id: charAlias(kind, index) };
  if (kind === 'channel') {
    if (dev.target?.type && dev.target.type !== 'virtio') throw unsupported(`${where}: target type '${dev.target.type}' is not supported (only virtio)`);
    if (dev.target?.name) props.name = dev.target.name;
  }
  return props;
}

export function chardevArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  const args: ArgPair[] = [];
  const { serials, consoles, channels } = dom.devices;
  serials.forEach((dev, i) => {
    args.push(['-chardev', chardevArg(dev, `charserial${i}`, `serial ${i}`, { defaultLog: `${ctx.logDir}/serial${i}.log` })]);
    args.push(jsonArg('-device', serialDeviceProps(dev, i, dom, caps)));
  });
  consoles.forEach((dev, i) => {
    const type = dev.target?.type ?? 'serial';
    if (type === 'serial') {
      // libvirt's console on a serial port is that <serial> itself: nothing more to start.
      const port = dev.target?.port ?? 0;
      if (!serials.some((s, si) => (s.target?.port ?? si) === port)) {
        throw unsupported(`console ${i} is on serial port ${port} but the domain has no such <serial>`);
      }
      return;
    }
    if (type !== 'virtio') throw unsupported(`console ${i}: target type '${type}' is not supported (serial, virtio)`);
    args.push(['-chardev', chardevArg(dev, `charconsole${i}`, `console ${i}`, { defaultLog: `${ctx.logDir}/console${i}.log` })]);
    args.push(jsonArg('-device', virtioPortProps(dev, 'console', i, dom, caps)));
  });
  channels.forEach((dev, i) => {
    const name = dev.target?.name;
    const defaultPath = name ? `${ctx.channelDir}/${name}` : undefined;
    args.push(['-chardev', chardevArg(dev, `charchannel${i}`, `channel ${i}`, { defaultPath })]);
    args.push(jsonArg('-device', virtioPortProps(dev, 'channel', i, dom, caps)));
  });
  return args;
}
