// <pool> XML (libvirt's storagepool.rng): the pool types tsvirt drives, 'dir' (a folder
// of image files) and 'logical' (an LVM volume group). parsePoolXml / formatPoolXml.
import { generateUuid, parseUuid } from '../util/uuid.js';
import { parseXmlDocument } from '../util/xml-reader.js';
import { el, renderXml, textEl } from '../util/xml-writer.js';
import {
  checkStorageName, parseFormat, parsePermissions, parseSizeEl, permissionsEl, sizeEl, type StoragePermissions,
} from './storage-common-xml.js';

export const POOL_TYPES = ['dir', 'logical'] as const;
export type PoolType = (typeof POOL_TYPES)[number];

export interface StoragePool {
  type: PoolType;
  name: string;
  uuid: string;
  /** bytes; filled by the driver for live XML */
  capacity?: number;
  allocation?: number;
  available?: number;
  source: {
    /** block devices of a logical pool (pool-build puts the volume group on them) */
    devices: string[];
    /** volume group name of a logical pool */
    name?: string;
    format?: 'lvm2' | 'auto';
  };
  target: { path: string; permissions?: StoragePermissions };
}

export function parsePoolXml(xml: string): StoragePool {
  const x = parseXmlDocument(xml, 'pool');
  const type = x.reqEnumAttr('type', POOL_TYPES);
  const nameText = x.childText('name');
  if (nameText === undefined) throw x.error('missing <name> in <pool>');
  const name = checkStorageName(nameText.trim(), 'pool');
  const uuidText = x.childText('uuid');
  let uuid = generateUuid();
  if (uuidText !== undefined) {
    const u = parseUuid(uuidText.trim());
    if (!u) throw x.error(`invalid <uuid> '${uuidText}'`);
    uuid = u;
  }
  const pool: StoragePool = {
    type, name, uuid,
    capacity: parseSizeEl(x.child('capacity'), 'capacity'),
    allocation: parseSizeEl(x.child('allocation'), 'allocation'),
    available: parseSizeEl(x.child('available'), 'available'),
    source: { devices: [] },
    target: { path: '' },
  };
  const src = x.child('source');
  if (src) {
    for (const d of src.children('device')) {
      pool.source.devices.push(d.reqAttr('path'));
      d.done();
    }
    pool.source.name = src.childText('name')?.trim();
    pool.source.format = parseFormat(src, ['lvm2', 'auto'] as const);
    src.done();
  }
  const tgt = x.child('target');
  const p = tgt?.childText('path')?.trim();
  if (tgt) {
    pool.target.permissions = parsePermissions(tgt.child('permissions'));
    tgt.done();
  }
  if (type === 'logical') {
    pool.source.name ??= name;
    pool.target.path = p || `/dev/${pool.source.name}`;
  } else {
    if (!p) throw x.error(`missing <target><path> in <pool type='${type}'>`);
    pool.target.path = p;
  }
  if (!pool.target.path.startsWith('/')) throw x.error(`pool target path '${pool.target.path}' must be absolute`);
  x.done();
  return pool;
}

export function formatPoolXml(pool: StoragePool, opts: { inactive?: boolean } = {}): string {
  const sizes = !opts.inactive;
  const source = pool.type === 'logical'
    ? [...pool.source.devices.map((d) => el('device', { path: d })), textEl('name', pool.source.name), el('format', { type: pool.source.format ?? 'lvm2' })]
    : [];
  return renderXml(el('pool', { type: pool.type }, [
    textEl('name', pool.name),
    textEl('uuid', pool.uuid),
    sizes && sizeEl('capacity', pool.capacity ?? 0),
    sizes && sizeEl('allocation', pool.allocation ?? 0),
    sizes && sizeEl('available', pool.available ?? 0),
    el('source', {}, source),
    el('target', {}, [textEl('path', pool.target.path), permissionsEl(pool.target.permissions)]),
  ]));
}

/** pool-define-as / pool-create-as fields as pool XML (checked by parsing it back). */
export function buildPoolXml(o: { type: string; name: string; devices?: string[]; sourceName?: string; sourceFormat?: string; target?: string }): string {
  const xml = renderXml(el('pool', { type: o.type }, [
    textEl('name', o.name),
    el('source', {}, [...(o.devices ?? []).map((d) => el('device', { path: d })), textEl('name', o.sourceName),
      o.sourceFormat ? el('format', { type: o.sourceFormat }) : undefined]),
    o.target ? el('target', {}, [textEl('path', o.target)]) : undefined,
  ]));
  parsePoolXml(xml);
  return xml;
}
