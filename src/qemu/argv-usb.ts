// USB hubs, the CCID controller with its smartcard, and USB redirection: -device usb-hub,
// usb-ccid + ccid-card-emulated/ccid-card-passthru, and usb-redir with its chardev, in libvirt's
// order (qemuBuildHubCommandLine, qemuBuildControllersByTypeCommandLine for CCID,
// qemuBuildSmartcardCommandLine; redirdevs come later in libvirt, but only need their bus).
import { TsvirtError } from '../util/errors.js';
import type { CharDevice, Domain, Redirdev, Smartcard, UsbCharSource } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, requireDevice, usbProps } from './argv-common.js';
import { chardevArg } from './argv-chardev.js';

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

export const hubAlias = (i: number) => `hub${i}`;
export const redirAlias = (i: number) => `redir${i}`;

/** The -chardev of a redirdev/smartcard source, through the shared chardev builder. */
export function usbChardevArg(src: UsbCharSource, id: string, where: string, spicevmcName: 'usbredir' | 'smartcard'): string {
  const dev = {
    type: src.type,
    source: { mode: src.mode, host: src.host, service: src.service, path: src.path, tls: src.tls, reconnect: src.reconnect, channel: src.channel },
    protocol: src.protocol,
  } as unknown as CharDevice;
  return chardevArg(dev, id, where, { spicevmcName });
}

export function hubDeviceProps(dom: Domain, i: number, caps: QemuCaps): Props {
  const where = `hub ${i}`;
  requireDevice(caps, 'usb-hub', where);
  return { driver: 'usb-hub', id: hubAlias(i), ...usbProps(dom, dom.devices.hubs![i].address, where) };
}

export function redirdevDeviceProps(dom: Domain, r: Redirdev, i: number, caps: QemuCaps, filter = redirFilterProp(dom)): Props {
  const where = `redirdev ${i}`;
  requireDevice(caps, 'usb-redir', where);
  const props: Props = { driver: 'usb-redir', chardev: `char${redirAlias(i)}`, id: redirAlias(i) };
  if (filter !== undefined) props.filter = filter;
  if (r.boot) props.bootindex = r.boot.order;
  return { ...props, ...usbProps(dom, r.address, where) };
}

/** usb-redir's filter: "class:vendor:product:version:allow|..." with -1 for "any" (qemuBuildRedirdevDevProps). */
function redirFilterProp(dom: Domain): string | undefined {
  const rules = dom.devices.redirfilters?.[0];
  if (!rules?.length) return undefined;
  const hex = (n: number | undefined, w = 4) => (n === undefined ? '-1' : `0x${n.toString(16).toUpperCase().padStart(w, '0')}`);
  return rules.map((r) => {
    const version = r.version === undefined ? '-1' : (() => {
      const [maj, min] = r.version.split('.').map(Number);
      const bcd = (n: number) => (Math.floor(n / 10) << 4) | (n % 10);
      return hex((bcd(maj) << 8) | bcd(min));
    })();
    return [hex(r.class, 2), hex(r.vendor), hex(r.product), version, r.allow ? '1' : '0'].join(':');
  }).join('|');
}

function smartcardArgs(dom: Domain, sc: Smartcard, i: number, caps: QemuCaps): ArgPair[] {
  const where = `smartcard ${i}`;
  const bus = `ccid${sc.ccid?.controller ?? 0}.0`;
  const id = `smartcard${i}`;
  if (sc.mode === 'passthrough') {
    requireDevice(caps, 'ccid-card-passthru', where);
    return [['-chardev', usbChardevArg(sc.source!, `char${id}`, where, 'smartcard')], jsonArg('-device', { driver: 'ccid-card-passthru', chardev: `char${id}`, id, bus })];
  }
  requireDevice(caps, 'ccid-card-emulated', where);
  if (sc.mode === 'host') return [jsonArg('-device', { driver: 'ccid-card-emulated', backend: 'nss-emulated', id, bus })];
  const [c1, c2, c3] = sc.certificates ?? [];
  const props: Props = { driver: 'ccid-card-emulated', backend: 'certificates', cert1: c1, cert2: c2, cert3: c3 };
  if (sc.database) props.db = sc.database;
  return [jsonArg('-device', { ...props, id, bus })];
}

/** Hubs, CCID controllers, smartcards and redirected USB devices, after the USB controllers. */
export function usbDeviceArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const d = dom.devices;
  const args: ArgPair[] = [];
  (d.hubs ?? []).forEach((_, i) => args.push(jsonArg('-device', hubDeviceProps(dom, i, caps))));
  for (const c of d.controllers.filter((x) => x.type === 'ccid')) {
    requireDevice(caps, 'usb-ccid', `controller ccid ${c.index}`);
    args.push(jsonArg('-device', { driver: 'usb-ccid', id: `ccid${c.index}`, ...usbProps(dom, c.address, `controller ccid ${c.index}`) }));
  }
  (d.smartcards ?? []).forEach((sc, i) => args.push(...smartcardArgs(dom, sc, i, caps)));
  const filter = redirFilterProp(dom);
  (d.redirdevs ?? []).forEach((r, i) => {
    args.push(['-chardev', usbChardevArg(r.source, `char${redirAlias(i)}`, `redirdev ${i}`, 'usbredir')]);
    args.push(jsonArg('-device', redirdevDeviceProps(dom, r, i, caps, filter)));
  });
  return args;
}
