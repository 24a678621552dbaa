// One device's XML (attach-device / detach-device / update-device FILE) as
// {kind, device}, reusing the <devices> child parsers, and the generic edits of a
// definition's device lists. A new device kind plugs in with one DEVICE_KINDS entry:
// where its devices live in DomainDevices, how its XML parses, and when two are "the same".
import type { DomainDevices, Domain, Disk, NetInterface, Hostdev, Controller, Input, Watchdog, Rng } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { parseXmlDocument, type XmlElement } from '../util/xml-reader.js';
import * as dev from './domain-devices-xml.js';
import { escapeXml } from '../util/xml-writer.js';

export interface DeviceKinds {
  disk: Disk;
  interface: NetInterface;
  hostdev: Hostdev;
  controller: Controller;
  input: Input;
  watchdog: Watchdog;
  rng: Rng;
}
export type DeviceKind = keyof DeviceKinds;
export type ParsedDevice = { [K in DeviceKind]: { kind: K; device: DeviceKinds[K] } }[DeviceKind];

interface KindDef<T> {
  parse(x: XmlElement): T;
  list(d: DomainDevices): T[];
  /** does `have` (in a definition) denote the device that `given` (from XML) names? */
  same(have: T, given: T): boolean;
  /** names it in messages */
  describe(d: T): string;
}

const pciEq = (a: Hostdev, b: Hostdev) => JSON.stringify(a.source) === JSON.stringify(b.source);

export const DEVICE_KINDS: { [K in DeviceKind]: KindDef<DeviceKinds[K]> } = {
  disk: { parse: dev.parseDisk, list: (d) => d.disks, same: (a, b) => a.target.dev === b.target.dev, describe: (d) => `disk '${d.target.dev}'` },
  interface: {
    parse: dev.parseInterface, list: (d) => d.interfaces,
    same: (a, b) => (b.mac ? a.mac?.toLowerCase() === b.mac.toLowerCase() : true),
    describe: (n) => `interface${n.mac ? ` '${n.mac}'` : ''}`,
  },
  hostdev: { parse: dev.parseHostdev, list: (d) => d.hostdevs, same: pciEq, describe: () => 'host device' },
  controller: { parse: dev.parseController, list: (d) => d.controllers, same: (a, b) => a.type === b.type && a.index === b.index, describe: (c) => `controller '${c.type}' index ${c.index}` },
  input: { parse: dev.parseInput, list: (d) => d.inputs, same: (a, b) => a.type === b.type && a.bus === b.bus, describe: (i) => `input '${i.type}'` },
  watchdog: { parse: dev.parseWatchdog, list: (d) => d.watchdogs, same: (a, b) => a.model === b.model, describe: (w) => `watchdog '${w.model}'` },
  rng: { parse: dev.parseRng, list: (d) => d.rngs, same: (a, b) => a.model === b.model, describe: () => 'rng' },
};

function kindDef(kind: DeviceKind): KindDef<unknown> {
  return DEVICE_KINDS[kind] as unknown as KindDef<unknown>;
}

/** Parses the XML of exactly one device. */
export function parseDeviceXml(xml: string): ParsedDevice {
  const x = parseXmlDocument(xml);
  if (!(x.name in DEVICE_KINDS)) {
    throw new TsvirtError('config-unsupported', `device <${x.name}> cannot be attached, detached or updated: supported are ${Object.keys(DEVICE_KINDS).join(', ')}`);
  }
  const kind = x.name as DeviceKind;
  const device = kindDef(kind).parse(x);
  x.done();
  return { kind, device } as ParsedDevice;
}

/** Index of the device in `def` that `p` names, or -1. */
export function findDevice(def: Domain, p: ParsedDevice): number {
  const k = kindDef(p.kind);
  return k.list(def.devices).findIndex((have) => k.same(have, p.device));
}

export function describeDevice(p: ParsedDevice): string {
  return kindDef(p.kind).describe(p.device);
}

/** Adds the device to a copy of `def`; a device that is already there is an error. */
export function withDeviceAdded(def: Domain, p: ParsedDevice): Domain {
  if (p.kind === 'disk' && findDevice(def, p) >= 0) {
    throw new TsvirtError('operation-failed', `target ${p.device.target.dev} already exists`);
  }
  const copy = structuredClone(def);
  // a disk goes where libvirt's virDomainDiskInsert puts it (by bus, then target), not at the end
  if (p.kind === 'disk') dev.insertDisk(copy.devices.disks, structuredClone(p.device));
  else kindDef(p.kind).list(copy.devices).push(structuredClone(p.device));
  return copy;
}

/** Removes the device from a copy of `def`; returns the copy and the removed device. */
export function withDeviceRemoved(def: Domain, p: ParsedDevice): { def: Domain; removed: ParsedDevice } {
  const i = findDevice(def, p);
  if (i < 0) throw new TsvirtError('operation-failed', `matching ${describeDevice(p)} not found`);
  const copy = structuredClone(def);
  const [removed] = kindDef(p.kind).list(copy.devices).splice(i, 1);
  return { def: copy, removed: { kind: p.kind, device: removed } as ParsedDevice };
}

/** Replaces the device in a copy of `def` (update-device). */
export function withDeviceReplaced(def: Domain, p: ParsedDevice): Domain {
  const i = findDevice(def, p);
  if (i < 0) throw new TsvirtError('operation-failed', `matching ${describeDevice(p)} not found`);
  const copy = structuredClone(def);
  kindDef(p.kind).list(copy.devices)[i] = structuredClone(p.device);
  return copy;
}

/** The device of kind `p.kind` in `def` that `p` names (e.g. after defaults filled its address). */
export function deviceIn(def: Domain, p: ParsedDevice): ParsedDevice {
  const i = findDevice(def, p);
  if (i < 0) throw new TsvirtError('internal-error', `${describeDevice(p)} vanished from the definition`);
  return { kind: p.kind, device: kindDef(p.kind).list(def.devices)[i] } as ParsedDevice;
}

/** How many devices of each kind a definition has (to see what defaults added besides the device). */
export function deviceCounts(def: Domain): Record<DeviceKind, number> {
  return Object.fromEntries(Object.keys(DEVICE_KINDS).map((k) => [k, kindDef(k as DeviceKind).list(def.devices).length])) as Record<DeviceKind, number>;
}

export interface DiskXmlOptions {
  sourceType: 'file' | 'block' | 'volume';
  /** a path, or for a volume POOL/VOLUME; absent: no medium (an empty CD-ROM) */
  source?: string;
  target: string;
  bus: string;
  device?: string;
  driver?: { name?: string; type?: string; cache?: string; io?: string };
  mode?: 'readonly' | 'shareable';
  serial?: string;
}

/** virsh attach-disk's options as one <disk> element (checked by parsing it back). */
export function buildDiskXml(o: DiskXmlOptions): string {
  let src: string | undefined;
  if (o.source === undefined) src = undefined;
  else if (o.sourceType === 'file') src = `<source file='${escapeXml(o.source)}'/>`;
  else if (o.sourceType === 'block') src = `<source dev='${escapeXml(o.source)}'/>`;
  else {
    const [pool, vol, ...rest] = o.source.split('/');
    if (!pool || !vol || rest.length) throw new TsvirtError('invalid-arg', `a volume source is written POOL/VOLUME, not '${o.source}'`);
    src = `<source pool='${escapeXml(pool)}' volume='${escapeXml(vol)}'/>`;
  }
  const driverAttrs = Object.entries(o.driver ?? {}).filter(([, v]) => v).map(([k, v]) => ` ${k}='${escapeXml(v!)}'`).join('');
  const xml = [
    `<disk type='${o.sourceType}' device='${escapeXml(o.device ?? 'disk')}'>`,
    driverAttrs ? `  <driver${driverAttrs}/>` : undefined,
    src && `  ${src}`,
    `  <target dev='${escapeXml(o.target)}' bus='${escapeXml(o.bus)}'/>`,
    o.mode === 'readonly' ? '  <readonly/>' : o.mode === 'shareable' ? '  <shareable/>' : undefined,
    o.serial ? `  <serial>${escapeXml(o.serial)}</serial>` : undefined,
    '</disk>',
  ].filter((l) => l).join('\n') + '\n';
  parseDeviceXml(xml);
  return xml;
}

/** What a disk's medium is, as virsh names it: a file, a block device or POOL/VOLUME; undefined when empty. */
export function diskSource(d: Disk): string | undefined {
  const s = d.source;
  return s?.file || s?.dev || (s?.volume ? `${s.pool}/${s.volume}` : undefined);
}

/** `<disk><target dev='..'/></disk>`: what detach-disk names. */
export function diskTargetXml(target: string): string {
  return `<disk>\n  <target dev='${escapeXml(target)}'/>\n</disk>\n`;
}
