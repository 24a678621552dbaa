// Helpers shared by the per-device-family argv modules: capability checks, PCI/USB bus
// properties, and the two serialisations QEMU 7.2 takes (JSON for -device/-blockdev/-netdev/
// -object, key=value for -chardev and the classic options).
import { TsvirtError } from '../util/errors.js';
import type { DeviceAddress, Domain } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';

/** A -device / -blockdev / -netdev / -object body; the same object goes to QMP for hot-plug. */
export type Props = Record<string, unknown>;

/** One argv option with its value, e.g. ['-device', '{"driver":...}'], or a flag alone (['-S']). */
export type ArgPair = [opt: string, value?: string];

/** Fails when the QEMU binary lacks a device model, before QEMU would fail with a vaguer message. */
export function requireDevice(caps: QemuCaps, driver: string, where: string): void {
  if (!caps.devices.includes(driver)) {
    throw new TsvirtError('config-unsupported', `this QEMU binary does not support device '${driver}' (needed by ${where})`);
  }
}

export { isQ35 } from '../conf/domain-addresses.js';
import { isQ35 } from '../conf/domain-addresses.js';

/** QEMU's id of PCI bus N: the root is pcie.0 on q35 and pci.0 on i440fx; other buses are
 *  the controllers' aliases pci.N. */
export function pciBusName(dom: Domain, bus: number): string {
  if (bus === 0) return isQ35(dom) ? 'pcie.0' : 'pci.0';
  return `pci.${bus}`;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/**
 * bus/addr (and multifunction) for a device with a PCI address; nothing when the address is
 * absent (QEMU then picks a free slot, which is what hot-plug without an address wants).
 * Other address types on a PCI device are a configuration error.
 */
export function pciProps(dom: Domain, address: DeviceAddress | undefined, where: string): Props {
  if (!address) return {};
  if (address.type !== 'pci') {
    throw new TsvirtError('config-unsupported', `${where} needs a PCI address, not type '${address.type}'`);
  }
  if (address.domain !== 0) {
    throw new TsvirtError('config-unsupported', `${where}: PCI domain ${address.domain} is not supported (only 0)`);
  }
  const props: Props = { bus: pciBusName(dom, address.bus) };
  if (address.multifunction) props.multifunction = true;
  props.addr = address.function ? `${hex(address.slot)}.${hex(address.function)}` : hex(address.slot);
  return props;
}

/** bus/port for a USB device; bus N is the controller with index N ("usb" for 0, "usbN" else). */
export function usbProps(dom: Domain, address: DeviceAddress | undefined, where: string): Props {
  if (!dom.devices.controllers.some((c) => c.type === 'usb' && c.model !== 'none')) {
    throw new TsvirtError('config-unsupported', `${where} is a USB device but the domain has no USB controller`);
  }
  if (!address) return { bus: 'usb.0' };
  if (address.type !== 'usb') {
    throw new TsvirtError('config-unsupported', `${where} needs a USB address, not type '${address.type}'`);
  }
  return { bus: `${usbControllerAlias(address.bus)}.0`, port: address.port };
}

export function usbControllerAlias(index: number): string {
  return index === 0 ? 'usb' : `usb${index}`;
}

export function jsonArg(opt: string, props: Props): ArgPair {
  return [opt, JSON.stringify(props)];
}

/** Escapes a value for QEMU's key=value option syntax, where a literal comma is written ",,". */
export function optValue(v: string | number): string {
  return String(v).replaceAll(',', ',,');
}

/** key=value,key=value with commas in values doubled; undefined values are left out. */
export function keyValues(head: string, pairs: Array<[string, string | number | undefined]>): string {
  const parts = [head];
  for (const [k, v] of pairs) if (v !== undefined) parts.push(`${k}=${optValue(v)}`);
  return parts.join(',');
}
