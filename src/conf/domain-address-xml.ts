// Device addresses and the per-device info block libvirt writes after a
// device's own children: <boot order/>, <alias name/>, <address .../>.
import type { BootOrder, DeviceAddress, DeviceCommon, PciAddress } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, hex, type XmlNode } from '../util/xml-writer.js';

export interface FormatOptions {
  /** write live-only data (id, aliases, pty paths, ports) when present; the default */
  live?: boolean;
  /** leave out live-only data (what `virsh dumpxml --inactive` shows) */
  inactive?: boolean;
  /** write secrets such as the VNC password (default true) */
  secure?: boolean;
}

export const ADDRESS_TYPES = ['pci', 'drive', 'virtio-serial', 'usb', 'isa'] as const;

/** An all-zero PCI address (or none) asks for one to be assigned. */
export function pciAddressWanted(a: DeviceAddress | undefined): boolean {
  return !a || (a.type === 'pci' && a.domain === 0 && a.bus === 0 && a.slot === 0 && a.function === 0);
}

/** Parses a PCI address element (also used for hostdev sources, where type= is optional). */
export function parsePciAddress(x: XmlElement): PciAddress {
  const addr: PciAddress = {
    type: 'pci',
    domain: x.intAttr('domain', { min: 0, max: 0xffff }) ?? 0,
    // all optional as in libvirt: an all-zero address means "assign one" (virDeviceInfoPCIAddressIsWanted)
    bus: x.intAttr('bus', { min: 0, max: 0xff }) ?? 0,
    slot: x.intAttr('slot', { min: 0, max: 0x1f }) ?? 0,
    function: x.intAttr('function', { min: 0, max: 7 }) ?? 0,
  };
  const mf = x.boolAttr('multifunction');
  if (mf !== undefined) addr.multifunction = mf;
  return addr;
}

export function parseAddress(x: XmlElement): DeviceAddress {
  const type = x.reqEnumAttr('type', ADDRESS_TYPES);
  const int = (n: string) => x.intAttr(n, { min: 0 }) ?? 0;
  switch (type) {
    case 'pci':
      return parsePciAddress(x);
    case 'drive':
      return { type, controller: int('controller'), bus: int('bus'), target: int('target'), unit: int('unit') };
    case 'virtio-serial':
      return { type, controller: int('controller'), bus: int('bus'), port: int('port') };
    case 'usb':
      // no port: one is assigned like for a device without an address ('' until then)
      return { type, bus: int('bus'), port: x.attr('port') ?? '' };
    case 'isa': {
      const a: DeviceAddress = { type };
      const iobase = x.intAttr('iobase', { min: 0 });
      const irq = x.intAttr('irq', { min: 0 });
      if (iobase !== undefined) a.iobase = iobase;
      if (irq !== undefined) a.irq = irq;
      return a;
    }
  }
}

/** PCI address attributes in libvirt's hex form. */
export function pciAddressAttrs(a: PciAddress, withType: boolean): Record<string, string | undefined> {
  return {
    type: withType ? 'pci' : undefined,
    domain: hex(a.domain, 4),
    bus: hex(a.bus, 2),
    slot: hex(a.slot, 2),
    function: hex(a.function, 1),
    multifunction: a.multifunction === undefined ? undefined : a.multifunction ? 'on' : 'off',
  };
}

export function formatAddress(a: DeviceAddress): XmlNode {
  switch (a.type) {
    case 'pci':
      return el('address', pciAddressAttrs(a, true));
    case 'drive':
      return el('address', { type: a.type, controller: a.controller, bus: a.bus, target: a.target, unit: a.unit });
    case 'virtio-serial':
      return el('address', { type: a.type, controller: a.controller, bus: a.bus, port: a.port });
    case 'usb':
      return el('address', { type: a.type, bus: a.bus, port: a.port });
    case 'isa':
      return el('address', { type: a.type, iobase: hex(a.iobase), irq: hex(a.irq) });
  }
}

/**
 * Reads <boot>, <alias> and <address> of a device into `dev`. An address of type `special` (one
 * that only this device kind has, e.g. a hostdev's 'unassigned' or a smartcard's 'ccid') is not
 * parsed but handed back for the caller to read.
 */
export function parseDeviceInfo(x: XmlElement, dev: DeviceCommon & { boot?: BootOrder }, allowBoot = false, special?: string): XmlElement | undefined {
  if (allowBoot) {
    const b = x.child('boot');
    if (b) dev.boot = { order: b.reqIntAttr('order', { min: 1 }) };
  }
  const alias = x.child('alias');
  if (alias) {
    const name = alias.reqAttr('name');
    // libvirt keeps only user aliases from a definition; they must be valid QEMU ids
    if (name.startsWith('ua-') && !/^ua-[A-Za-z0-9_-]+$/.test(name)) throw alias.error(`Alias '${name}' has invalid characters`);
    dev.alias = name;
  }
  const addr = x.child('address');
  if (special !== undefined && addr?.attr('type') === special) return addr;
  if (addr) dev.address = parseAddress(addr);
  return undefined;
}

/** A user alias ('ua-' + letters, digits, '_' or '-'): kept in the definition and used as the QEMU id. */
export function isUserAlias(alias: string | undefined): alias is string {
  return alias !== undefined && alias.startsWith('ua-');
}

/** Writes <boot>, <alias> (unless inactive and not a user alias), `afterAlias` (e.g. <master>) and
 *  <address>, in libvirt's order (virDomainDeviceInfoFormat). */
export function formatDeviceInfo(dev: DeviceCommon & { boot?: BootOrder }, opts: FormatOptions, afterAlias?: XmlNode | false): XmlNode[] {
  const out: XmlNode[] = [];
  if (dev.boot) out.push(el('boot', { order: dev.boot.order }));
  if (dev.alias && (!opts.inactive || isUserAlias(dev.alias))) out.push(el('alias', { name: dev.alias }));
  if (afterAlias) out.push(afterAlias);
  if (dev.address) out.push(formatAddress(dev.address));
  return out;
}

export function sameAddress(a: DeviceAddress, b: DeviceAddress): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'pci': {
      const p = b as PciAddress;
      return a.domain === p.domain && a.bus === p.bus && a.slot === p.slot && a.function === p.function;
    }
    case 'drive': {
      const d = b as typeof a;
      return a.controller === d.controller && a.bus === d.bus && a.target === d.target && a.unit === d.unit;
    }
    case 'virtio-serial': {
      const v = b as typeof a;
      return a.controller === v.controller && a.bus === v.bus && a.port === v.port;
    }
    case 'usb':
      return a.bus === (b as typeof a).bus && a.port === (b as typeof a).port;
    case 'isa':
      return a.iobase === (b as typeof a).iobase && a.irq === (b as typeof a).irq;
  }
}

export function describeAddress(a: DeviceAddress): string {
  switch (a.type) {
    case 'pci':
      return `PCI ${a.domain.toString(16).padStart(4, '0')}:${a.bus.toString(16).padStart(2, '0')}:${a.slot.toString(16).padStart(2, '0')}.${a.function}`;
    case 'drive':
      return `drive ${a.controller}:${a.bus}:${a.target}:${a.unit}`;
    case 'virtio-serial':
      return `virtio-serial ${a.controller}:${a.bus}:${a.port}`;
    case 'usb':
      return `USB ${a.bus}:${a.port}`;
    case 'isa':
      return `ISA iobase ${a.iobase ?? '-'} irq ${a.irq ?? '-'}`;
  }
}
