// Character devices: serial and parallel ports, consoles and channels. QEMU 7.2 has no JSON
// -chardev, so the backend is written in key=value syntax as libvirt's qemuBuildChardevStr does
// (chardev-add over QMP takes a different shape; the driver maps CharBackend to it). Serial ports
// and consoles without a <log> log to ctx.logDir, as libvirt's virtlogd does, so the guest's
// console output is on disk.
import { TsvirtError } from '../util/errors.js';
import type { CharDevice, DeviceAddress, Domain } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, keyValues, pciProps, requireDevice, usbProps } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/**
 * Chardev backends of QEMU 7.2 as Debian builds it. `-chardev help` lists only the built-in ones:
 * spicevmc and spiceport come from the chardev-spice module, dbus from ui-dbus (both shipped in
 * qemu-system-modules-spice / qemu-system-gui; QEMU loads them on first use).
 */
const QEMU_CHARDEV_BACKENDS = new Set(['stdio', 'pipe', 'qemu-vdagent', 'null', 'socket', 'vc', 'parallel', 'udp', 'file', 'serial', 'pty', 'spicevmc', 'spiceport', 'dbus']);

/** Device ids (libvirt aliases) serial0, parallel0, console1, channel0; the chardev id is 'char' + alias. */
export const charAlias = (kind: 'serial' | 'parallel' | 'console' | 'channel', index: number) => `${kind}${index}`;

type Pairs = Array<[string, string | number | undefined]>;

function reconnectPairs(dev: CharDevice): Pairs {
  const r = dev.source?.reconnect;
  if (!r) return [];
  return [['reconnect', r.enabled ? r.timeout ?? 0 : 0]];
}

/** The -chardev value for a character device; `defaultPath` is used by unix sockets without a path. */
export function chardevArg(dev: CharDevice, id: string, where: string, opts: { defaultLog?: string; defaultPath?: string; spicevmcName?: string } = {}): string {
  const s = dev.source ?? {};
  const log = dev.log ? { file: dev.log.file, append: dev.log.append } : opts.defaultLog ? { file: opts.defaultLog, append: true } : undefined;
  const logPairs: Pairs = log ? [['logfile', log.file], ['logappend', log.append === undefined ? undefined : log.append ? 'on' : 'off']] : [];
  const need = (v: string | undefined, what: string): string => {
    if (v === undefined) throw unsupported(`${where}: type='${dev.type}' needs <source ${what}=...>`);
    return v;
  };
  let backend: string;
  let pairs: Pairs;
  switch (dev.type) {
    case 'pty': case 'null': case 'stdio': case 'vc':
      backend = dev.type;
      pairs = [];
      break;
    case 'file':
      backend = 'file';
      pairs = [['path', need(s.path, 'path')], ['append', s.append === undefined ? undefined : s.append ? 'on' : 'off']];
      break;
    case 'pipe':
      backend = 'pipe';
      pairs = [['path', need(s.path, 'path')]];
      break;
    case 'dev':
      // a host parallel port for <parallel>, a host serial (tty) device otherwise
      backend = id.startsWith('charparallel') ? 'parallel' : 'serial';
      pairs = [['path', need(s.path, 'path')]];
      break;
    case 'unix': {
      const p = s.path ?? opts.defaultPath;
      if (!p) throw unsupported(`${where}: type='unix' needs <source path=...>`);
      const server = (s.mode ?? (s.path === undefined ? 'bind' : 'connect')) === 'bind';
      backend = 'socket';
      pairs = [['path', p], ['server', server ? 'on' : undefined], ['wait', server ? 'off' : undefined], ...reconnectPairs(dev)];
      break;
    }
    case 'tcp': {
      if (s.tls) throw unsupported(`${where}: TLS for TCP character devices needs x509 certificates (chardev_tls), which tsvirt does not set up`);
      const server = s.mode === 'bind';
      backend = 'socket';
      pairs = [
        ['host', need(s.host, 'host')], ['port', need(s.service, 'service')], ['telnet', dev.protocol === 'telnet' ? 'on' : undefined],
        ['server', server ? 'on' : undefined], ['wait', server ? 'off' : undefined], ...reconnectPairs(dev),
      ];
      break;
    }
    case 'udp':
      backend = 'udp';
      pairs = [['host', s.connectHost ?? ''], ['port', need(s.connectService, 'service')], ['localaddr', s.bindHost ?? ''], ['localport', s.bindService ?? '0']];
      break;
    case 'spicevmc':
      backend = 'spicevmc';
      // the SPICE channel the device speaks: vdagent for channels, usbredir / smartcard for those devices
      pairs = [['name', opts.spicevmcName ?? 'vdagent']];
      break;
    case 'spiceport': case 'dbus':
      backend = dev.type;
      pairs = [['name', need(s.channel, 'channel')]];
      break;
    case 'qemu-vdagent':
      backend = 'qemu-vdagent';
      pairs = [
        ['name', 'vdagent'], ['clipboard', s.clipboard === undefined ? undefined : s.clipboard ? 'on' : 'off'],
        ['mouse', s.mouse === undefined ? undefined : s.mouse === 'client' ? 'on' : 'off'],
      ];
      break;
    default:
      throw unsupported(`${where}: character device type '${dev.type}' is not supported by QEMU`);
  }
  if (!QEMU_CHARDEV_BACKENDS.has(backend)) {
    throw unsupported(`${where}: chardev '${dev.type}' not supported in this QEMU binary`);
  }
  return keyValues(backend, [['id', id], ...pairs, ...logPairs]);
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

function isaProps(address: DeviceAddress | undefined): Props {
  if (address?.type !== 'isa') return {};
  const p: Props = {};
  if (address.iobase !== undefined) p.iobase = address.iobase;
  if (address.irq !== undefined) p.irq = address.irq;
  return p;
}

/** The guest-side -device body of a serial port (its <target><model name>). */
export function serialDeviceProps(dev: CharDevice, index: number, dom: Domain, caps: QemuCaps): Props {
  const where = `serial ${index}`;
  const driver = dev.target?.model ?? dev.target?.type ?? 'isa-serial';
  const base: Props = { driver, chardev: `char${charAlias('serial', index)}`, id: charAlias('serial', index) };
  let props: Props;
  if (driver === 'isa-serial') props = { ...base, index: dev.target?.port ?? index, ...isaProps(dev.address) };
  else if (driver === 'isa-debugcon') props = { ...base, ...isaProps(dev.address) };
  else if (driver === 'pci-serial') props = { ...base, ...pciProps(dom, dev.address, where) };
  else if (driver === 'usb-serial') props = { ...base, ...usbProps(dom, dev.address, where) };
  else throw unsupported(`${where}: target model '${driver}' is not supported on x86 (isa-serial, pci-serial, usb-serial, isa-debugcon)`);
  if (!caps.devices.includes(driver)) throw unsupported(`'${driver}' is not supported in this QEMU binary`);
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
    if (dev.target?.type && dev.target.type !== 'virtio') throw unsupported(`${where}: target type '${dev.target.type}' is not supported (virtio, guestfwd)`);
    if (dev.type === 'spicevmc' && dev.target?.name && dev.target.name !== 'com.redhat.spice.0') {
      throw unsupported(`Unsupported spicevmc target name '${dev.target.name}'`);
    }
    const name = dev.target?.name ?? (dev.type === 'spicevmc' ? 'com.redhat.spice.0' : undefined);
    if (name) props.name = name;
  }
  return props;
}

/** A guestfwd channel: the user-mode network forwards guest TCP connections to address:port to the chardev. */
function guestfwdArg(dev: CharDevice, index: number): ArgPair {
  const alias = charAlias('channel', index);
  return ['-netdev', keyValues('user', [['guestfwd', `tcp:${dev.target?.address}:${dev.target?.port}-chardev:char${alias}`], ['id', alias]])];
}

export function chardevArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  const args: ArgPair[] = [];
  const { serials, consoles, channels } = dom.devices;
  serials.forEach((dev, i) => {
    args.push(['-chardev', chardevArg(dev, `charserial${i}`, `serial ${i}`, { defaultLog: `${ctx.logDir}/serial${i}.log` })]);
    args.push(jsonArg('-device', serialDeviceProps(dev, i, dom, caps)));
  });
  (dom.devices.parallels ?? []).forEach((dev, i) => {
    const alias = charAlias('parallel', i);
    args.push(['-chardev', chardevArg(dev, `char${alias}`, `parallel ${i}`)]);
    requireDevice(caps, 'isa-parallel', `parallel ${i}`);
    args.push(jsonArg('-device', { driver: 'isa-parallel', chardev: `char${alias}`, id: alias }));
  });
  consoles.forEach((dev, i) => {
    const type = dev.target?.type ?? 'serial';
    if (type === 'serial') {
      // libvirt's console on a serial port is that <serial> itself: nothing more to start.
      if (serials.length === 0) throw unsupported(`console ${i} is on a serial port but the domain has no <serial>`);
      return;
    }
    if (type !== 'virtio') throw unsupported(`console ${i}: target type '${type}' is not supported (serial, virtio)`);
    args.push(['-chardev', chardevArg(dev, `charconsole${i}`, `console ${i}`, { defaultLog: `${ctx.logDir}/console${i}.log` })]);
    args.push(jsonArg('-device', virtioPortProps(dev, 'console', i, dom, caps)));
  });
  channels.forEach((dev, i) => {
    const name = dev.target?.name;
    const defaultPath = name ? `${ctx.channelDir}/${name}` : `${ctx.channelDir}/channel${i}`;
    args.push(['-chardev', chardevArg(dev, `charchannel${i}`, `channel ${i}`, { defaultPath })]);
    if (dev.target?.type === 'guestfwd') args.push(guestfwdArg(dev, i));
    else args.push(jsonArg('-device', virtioPortProps(dev, 'channel', i, dom, caps)));
  });
  return args;
}
