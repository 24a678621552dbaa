// libvirt's <domainsnapshot> XML (formatsnapshot.html): parse, format, validate. Pure data.
// The embedded <domain> is the definition at snapshot time, read and written by the domain model.
import type { Domain } from './domain-types.js';
import { parseXmlDocument, type XmlElement } from '../util/xml-reader.js';
import { el, renderXml, textEl, type XmlChild } from '../util/xml-writer.js';
import { XmlError } from '../util/errors.js';
import { formatDomainNode, parseDomainElement } from './domain-xml.js';

export const SNAPSHOT_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended', 'disk-snapshot'] as const;
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];
export const MEMORY_MODES = ['no', 'internal', 'external'] as const;
export const DISK_MODES = ['no', 'internal', 'external', 'manual'] as const;
export type DiskSnapshotMode = (typeof DISK_MODES)[number];

export interface SnapshotDisk {
  /** the target (vda) or source path naming the domain's disk */
  name: string;
  snapshot?: DiskSnapshotMode;
  /** external: the overlay image */
  type?: 'file' | 'block';
  driverType?: string;
  sourceFile?: string;
}

export interface DomainSnapshot {
  name?: string;
  description?: string;
  state?: SnapshotState;
  /** seconds since the epoch */
  creationTime?: number;
  parent?: string;
  memory?: { snapshot: (typeof MEMORY_MODES)[number]; file?: string };
  disks: SnapshotDisk[];
  domain?: Domain;
  /** this is the domain's current snapshot (libvirt's <active> in its own copy of the file) */
  active?: boolean;
}

export function parseSnapshotXml(xml: string): DomainSnapshot {
  const x = parseXmlDocument(xml, 'domainsnapshot');
  const s: DomainSnapshot = { disks: [] };
  s.name = x.childText('name')?.trim() || undefined;
  s.description = x.childText('description');
  const state = x.childText('state')?.trim();
  if (state !== undefined) {
    if (!(SNAPSHOT_STATES as readonly string[]).includes(state)) throw x.error(`Invalid state '${state}' in domain snapshot XML`);
    s.state = state as SnapshotState;
  }
  const ct = x.child('creationTime');
  if (ct) {
    s.creationTime = ct.toInt(ct.text(), '<creationTime>', { min: 0 });
    ct.done();
  }
  const parent = x.child('parent');
  if (parent) {
    s.parent = parent.childText('name')?.trim();
    parent.done();
  }
  const mem = x.child('memory');
  if (mem) {
    const file = mem.attr('file');
    const snapshot = mem.enumAttr('snapshot', MEMORY_MODES) ?? (file ? 'external' : undefined);
    if (!snapshot) throw mem.error('memory snapshot mode is required');
    if (file && snapshot !== 'external') throw mem.error(`memory filename '${file}' requires external snapshot`);
    s.memory = { snapshot, ...(file ? { file } : {}) };
    mem.done();
  }
  const disks = x.child('disks');
  if (disks) {
    for (const d of disks.children('disk')) s.disks.push(parseDisk(d));
    disks.done();
  }
  const dom = x.child('domain');
  if (dom) {
    s.domain = parseDomainElement(dom);
    dom.done();
  }
  const active = x.childText('active');
  if (active !== undefined) s.active = active.trim() === '1';
  // libvirt keeps these (cookie from the driver, inactiveDomain of an offline snapshot): not made here
  x.done();
  validateSnapshot(s);
  return s;
}

function parseDisk(d: XmlElement): SnapshotDisk {
  const name = d.reqAttr('name');
  const disk: SnapshotDisk = { name };
  const type = d.enumAttr('type', ['file', 'block'] as const);
  const snapshot = d.enumAttr('snapshot', DISK_MODES);
  const driver = d.child('driver');
  if (driver) {
    disk.driverType = driver.attr('type');
    driver.done();
  }
  const src = d.child('source');
  if (src) {
    disk.sourceFile = src.attr(type === 'block' ? 'dev' : 'file');
    src.done();
  }
  // a disk with a source and no mode is external (virDomainSnapshotDiskDefParseXML)
  disk.snapshot = snapshot ?? (disk.sourceFile || disk.driverType ? 'external' : undefined);
  if (type) disk.type = type;
  else if (disk.snapshot === 'external') disk.type = 'file';
  d.done();
  return disk;
}

/** libvirt's checks of a snapshot definition that need no domain. */
export function validateSnapshot(s: DomainSnapshot): void {
  if (s.name !== undefined && s.name.includes('/')) throw new XmlError(`invalid snapshot name '${s.name}': name can't contain '/'`);
  const seen = new Set<string>();
  for (const d of s.disks) {
    if (seen.has(d.name)) throw new XmlError(`disk '${d.name}' specified twice`);
    seen.add(d.name);
    if (d.sourceFile && d.snapshot !== 'external') throw new XmlError(`file '${d.sourceFile}' for disk '${d.name}' requires use of external snapshot mode`);
  }
}

export interface SnapshotFormatOptions {
  /** write <active> = current (the daemon's own copy, libvirt's VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL) */
  internal?: boolean;
}

export function formatSnapshotXml(s: DomainSnapshot, o: SnapshotFormatOptions = {}): string {
  const disks: XmlChild[] = s.disks.map((d) => {
    const ext = d.snapshot === 'external';
    return el('disk', { name: d.name, snapshot: d.snapshot, type: ext ? d.type ?? 'file' : undefined }, ext ? [
      d.driverType ? el('driver', { type: d.driverType }) : undefined,
      d.sourceFile ? el('source', { [d.type === 'block' ? 'dev' : 'file']: d.sourceFile }) : undefined,
    ] : undefined);
  });
  return renderXml(el('domainsnapshot', {}, [
    textEl('name', s.name),
    textEl('description', s.description),
    textEl('state', s.state),
    s.parent !== undefined ? el('parent', {}, [textEl('name', s.parent)]) : undefined,
    textEl('creationTime', s.creationTime),
    s.memory ? el('memory', { snapshot: s.memory.snapshot, file: s.memory.file }) : undefined,
    s.disks.length ? el('disks', {}, disks) : undefined,
    s.domain ? formatDomainNode(s.domain, { inactive: false }) : undefined,
    o.internal ? textEl('active', s.active ? 1 : 0) : undefined,
  ]));
}

/** internal (memory or disks in the qcow2 files) or external (overlays, memory file), as virsh's --internal/--external */
export function snapshotLocation(s: DomainSnapshot): 'internal' | 'external' {
  if (s.memory?.snapshot === 'external') return 'external';
  return s.disks.some((d) => d.snapshot === 'external') ? 'external' : 'internal';
}

/** a disk-only snapshot (virsh --disk-only): no memory state */
export function isDiskOnly(s: DomainSnapshot): boolean {
  return s.state === 'disk-snapshot';
}
