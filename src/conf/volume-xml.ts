// <volume> XML (libvirt's storagevol.rng): a file in a dir pool or an LV of a logical pool,
// with capacity/allocation in bytes, target format and an optional qcow2 backing store.
import { parseXmlDocument } from '../util/xml-reader.js';
import { el, renderXml, textEl } from '../util/xml-writer.js';
import {
  checkStorageName, parseFormat, parsePermissions, parseSizeEl, permissionsEl, sizeEl, type StoragePermissions,
} from './storage-common-xml.js';

/** Image formats qemu-img writes for us. */
export const VOLUME_FORMATS = ['raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc'] as const;
export type VolumeFormat = (typeof VOLUME_FORMATS)[number];

export interface StorageVolume {
  type: 'file' | 'block';
  name: string;
  /** filled by the driver: the path for dir pools, the LV path for logical ones */
  key?: string;
  capacity: number;
  /** bytes to preallocate at create; reported as used bytes in live XML */
  allocation?: number;
  physical?: number;
  target: {
    path?: string; format?: VolumeFormat; permissions?: StoragePermissions;
    /** qcow2 only: the image version ('0.10' or '1.1') and its lazy refcounts (virt-install asks for them) */
    compat?: string; lazyRefcounts?: boolean;
  };
  backingStore?: { path: string; format?: VolumeFormat };
}

export function parseVolumeXml(xml: string): StorageVolume {
  const x = parseXmlDocument(xml, 'volume');
  const type = x.enumAttr('type', ['file', 'block'] as const) ?? 'file';
  const nameText = x.childText('name');
  if (nameText === undefined) throw x.error('missing <name> in <volume>');
  const name = checkStorageName(nameText.trim(), 'volume');
  const key = x.childText('key')?.trim();
  const capacity = parseSizeEl(x.child('capacity'), 'capacity');
  if (capacity === undefined) throw x.error('missing <capacity> in <volume>');
  const vol: StorageVolume = {
    type, name, key, capacity,
    allocation: parseSizeEl(x.child('allocation'), 'allocation'),
    physical: parseSizeEl(x.child('physical'), 'physical'),
    target: {},
  };
  const src = x.child('source');
  src?.done();
  const tgt = x.child('target');
  if (tgt) {
    vol.target.path = tgt.childText('path')?.trim();
    vol.target.format = parseFormat(tgt, VOLUME_FORMATS);
    vol.target.permissions = parsePermissions(tgt.child('permissions'));
    const compat = tgt.childText('compat')?.trim();
    if (compat !== undefined && !/^(0\.10|1\.1)$/.test(compat)) throw tgt.error(`unsupported qcow2 compat '${compat}' in <target> (0.10 or 1.1)`);
    vol.target.compat = compat;
    const features = tgt.child('features');
    if (features) {
      const lazy = features.child('lazy_refcounts');
      lazy?.done();
      features.done();
      vol.target.lazyRefcounts = lazy !== undefined;
    }
    if ((compat || vol.target.lazyRefcounts) && vol.target.format !== 'qcow2') throw tgt.error('<compat> and <features> apply to qcow2 volumes only');
    // libvirt: lazy refcounts need the 1.1 image version, which is its default with them
    if (vol.target.lazyRefcounts && compat === '0.10') throw tgt.error('lazy_refcounts need qcow2 compat 1.1');
    tgt.done();
  }
  const bs = x.child('backingStore');
  if (bs) {
    const path = bs.childText('path')?.trim();
    if (!path) throw bs.error('missing <path> in <backingStore>');
    vol.backingStore = { path, format: parseFormat(bs, VOLUME_FORMATS) };
    bs.done();
  }
  x.done();
  return vol;
}

export function formatVolumeXml(vol: StorageVolume): string {
  return renderXml(el('volume', { type: vol.type }, [
    textEl('name', vol.name),
    textEl('key', vol.key),
    el('source'),
    sizeEl('capacity', vol.capacity),
    sizeEl('allocation', vol.allocation ?? 0),
    sizeEl('physical', vol.physical),
    el('target', {}, [
      textEl('path', vol.target.path),
      vol.target.format && el('format', { type: vol.target.format }),
      permissionsEl(vol.target.permissions),
      textEl('compat', vol.target.compat ?? (vol.target.lazyRefcounts ? '1.1' : undefined)),
      vol.target.lazyRefcounts && el('features', {}, [el('lazy_refcounts')]),
    ]),
    vol.backingStore && el('backingStore', {}, [
      textEl('path', vol.backingStore.path),
      vol.backingStore.format && el('format', { type: vol.backingStore.format }),
    ]),
  ]));
}
