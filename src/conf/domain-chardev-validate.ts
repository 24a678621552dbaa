// Checks on character devices, as libvirt 9.0's virDomainChrSourceDefValidate and
// qemuValidateDomainChrDef do them (messages are libvirt's).
import type { CharDevice, Domain } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';

const SERIAL_CHANNEL_NAME = /^[a-zA-Z0-9_.-]*$/;
const fail = (code: 'internal-error' | 'config-unsupported' | 'invalid-arg', msg: string) => new TsvirtError(code, msg);

/** The <source> half (shared with smartcard passthrough and redirdev). `channelAutoPath`: a virtio channel may leave a unix path out. */
export function validateCharSource(dev: CharDevice, dom: Domain, channelAutoPath = false): void {
  const s = dev.source ?? {};
  switch (dev.type) {
    case 'file': case 'dev': case 'pipe':
      if (!s.path) throw fail('internal-error', 'Missing source path attribute for char device');
      break;
    case 'nmdm':
      if ((s.master === undefined) !== (s.slave === undefined)) throw fail('internal-error', 'Should define both master and slave path attributes for nmdm device');
      break;
    case 'tcp':
      if (s.host === undefined) throw fail('internal-error', 'Missing source host attribute for char device');
      if (s.service === undefined) throw fail('internal-error', 'Missing source service attribute for char device');
      if (s.mode === 'bind' && s.reconnect?.enabled) throw fail('internal-error', 'chardev reconnect is possible only for connect mode');
      break;
    case 'udp':
      if (s.connectService === undefined) throw fail('internal-error', 'Missing source service attribute for char device');
      break;
    case 'unix':
      if (s.path === undefined && !channelAutoPath) throw fail('internal-error', 'Missing source path attribute for char device');
      if (s.mode === 'bind' && s.reconnect?.enabled) throw fail('internal-error', 'chardev reconnect is possible only for connect mode');
      break;
    case 'spiceport': case 'dbus':
      if (s.channel === undefined) throw fail('config-unsupported', 'Missing source channel attribute for char device');
      if (!SERIAL_CHANNEL_NAME.test(s.channel)) throw fail('invalid-arg', 'Invalid character in source channel for char device');
      break;
    default:
      break;
  }
  if ((dev.type === 'tcp' || dev.type === 'unix') && s.reconnect?.enabled && !s.reconnect.timeout) {
    throw fail('invalid-arg', "chardev reconnect source timeout cannot be '0'");
  }
  if ((dev.type === 'spicevmc' || dev.type === 'spiceport') && !dom.devices.graphics.some((g) => (g.type as string) === 'spice')) {
    throw fail('config-unsupported', `chardev '${dev.type}' not supported without spice graphics`);
  }
}

const SERIAL_ADDRESS: Record<string, string> = { 'isa-serial': 'isa', 'isa-debug': 'isa', 'usb-serial': 'usb', 'pci-serial': 'pci', 'spapr-vio-serial': 'spapr-vio' };
const MODEL_TARGET: Record<string, string> = {
  'isa-serial': 'isa-serial', 'usb-serial': 'usb-serial', 'pci-serial': 'pci-serial', 'spapr-vty': 'spapr-vio-serial', pl011: 'system-serial',
  '16550a': 'system-serial', sclpconsole: 'sclp-serial', sclplmconsole: 'sclp-serial', 'isa-debugcon': 'isa-debug',
};
/** Target types and models that exist only on other architectures (pSeries, ARM/RISC-V virt, s390). */
const NOT_X86 = new Set(['spapr-vio-serial', 'system-serial', 'sclp-serial', 'spapr-vty', 'pl011', '16550a', 'sclpconsole', 'sclplmconsole']);

function validateSerialTarget(dev: CharDevice): void {
  const type = dev.target?.type ?? 'isa-serial';
  const model = dev.target?.model;
  const want = SERIAL_ADDRESS[type];
  if (want && dev.address && dev.address.type !== want) throw fail('config-unsupported', `Target type '${type}' requires address type '${want}'`);
  if ((type === 'system-serial' || type === 'sclp-serial') && dev.address) {
    throw fail('config-unsupported', `Target type '${type}' cannot have an associated address`);
  }
  if (model !== undefined && MODEL_TARGET[model] !== type) {
    throw fail('config-unsupported', `Target model '${model}' requires target type '${MODEL_TARGET[model]}'`);
  }
  if (NOT_X86.has(type) || (model !== undefined && NOT_X86.has(model))) {
    throw fail('config-unsupported', `Serial device with target type '${type}' and target model '${model ?? 'none'}' not compatible with guest architecture or machine type`);
  }
}

export function validateCharDevices(dom: Domain): void {
  const d = dom.devices;
  const all: Array<[string, CharDevice]> = [
    ...d.serials.map((c): [string, CharDevice] => ['serial', c]),
    ...(d.parallels ?? []).map((c): [string, CharDevice] => ['parallel', c]),
    ...d.consoles.map((c): [string, CharDevice] => ['console', c]),
    ...d.channels.map((c): [string, CharDevice] => ['channel', c]),
  ];
  for (const [kind, c] of all) {
    const autoPath = kind === 'channel' && (c.target?.type === 'virtio' || c.target?.type === 'xen');
    // a console on a serial port has its source on that <serial>
    if (!(kind === 'console' && (c.target?.type ?? 'serial') === 'serial')) validateCharSource(c, dom, autoPath);
    if (kind === 'serial') validateSerialTarget(c);
  }
}
