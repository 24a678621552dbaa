// USB devices of the host, read (never written) from /sys/bus/usb/devices through a HostRoot,
// so tests point it at a fake tree. Used to resolve <hostdev type='usb'> at domain start the
// way libvirt's virUSBDeviceFind* do, with libvirt's messages.
import type { HostRoot } from './host-root.js';
import { TsvirtError } from '../util/errors.js';

export interface HostUsbDevice {
  /** sysfs name, e.g. "1-1.2" */
  name: string;
  vendor: number;
  product: number;
  bus: number;
  device: number;
}

const SYSFS = '/sys/bus/usb/devices';

/** Every USB device (not interface: names with ':' are interfaces; usbN root hubs count, as in libvirt). */
export async function listUsbDevices(root: HostRoot): Promise<HostUsbDevice[]> {
  const out: HostUsbDevice[] = [];
  for (const name of await root.list(SYSFS)) {
    if (name.includes(':')) continue;
    const read = async (f: string, radix: number) => {
      const t = await root.readText(`${SYSFS}/${name}/${f}`);
      const n = t === undefined ? NaN : parseInt(t, radix);
      return Number.isNaN(n) ? undefined : n;
    };
    const [vendor, product, bus, device] = [await read('idVendor', 16), await read('idProduct', 16), await read('busnum', 10), await read('devnum', 10)];
    if (vendor === undefined || product === undefined || bus === undefined || device === undefined) continue;
    out.push({ name, vendor, product, bus, device });
  }
  return out;
}

export interface UsbMatch { vendor?: number; product?: number; bus?: number; device?: number }

const h4 = (n: number) => n.toString(16).padStart(4, '0');

/** The one host device matching `m`, or undefined when there is none; several matches by vendor only are an error. */
export async function findUsbDevice(root: HostRoot, m: UsbMatch): Promise<HostUsbDevice | undefined> {
  const byId = m.vendor !== undefined;
  const byAddr = m.bus !== undefined && m.device !== undefined;
  const found = (await listUsbDevices(root)).filter((d) =>
    (!byId || (d.vendor === m.vendor && d.product === m.product)) && (!byAddr || (d.bus === m.bus && d.device === m.device)));
  if (byId && !byAddr && found.length > 1) {
    throw new TsvirtError('operation-failed', `Multiple USB devices for ${h4(m.vendor!)}:${h4(m.product!)}, use <address> to specify one`);
  }
  return found[0];
}

/** libvirt's message for a USB device that is not on the host. */
export function usbNotFoundMessage(m: UsbMatch): string {
  const byId = m.vendor !== undefined;
  const byAddr = m.bus !== undefined && m.device !== undefined;
  if (byId && byAddr) return `Did not find matching USB device: vid:${h4(m.vendor!)}, pid:${h4(m.product!)}, bus:${m.bus}, device:${m.device}`;
  if (byId) return `Did not find USB device ${h4(m.vendor!)}:${h4(m.product!)}`;
  return `Did not find USB device bus:${m.bus} device:${m.device}`;
}

/** /dev/bus/usb/BBB/DDD, the node QEMU's usb-host opens. */
export function usbDevicePath(bus: number, device: number): string {
  return `/dev/bus/usb/${String(bus).padStart(3, '0')}/${String(device).padStart(3, '0')}`;
}
