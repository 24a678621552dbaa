// <disk>: parse and format, each mirroring the other in libvirt's order.
import type { Disk } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, flagEl, hex, onOff, textEl, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, parsePciAddress, pciAddressAttrs, type FormatOptions } from './domain-address-xml.js';
import { assignDefined } from './xml-assign.js';

export const DISK_BUSES = ['virtio', 'sata', 'scsi', 'ide', 'usb', 'fdc'] as const;

// ---- disk
export function parseDisk(x: XmlElement): Disk {
  const targetEl = x.child('target');
  if (!targetEl) throw x.error('missing <target> in <disk>');
  const disk: Disk = {
    type: x.enumAttr('type', ['file', 'block', 'volume'] as const) ?? 'file',
    device: x.enumAttr('device', ['disk', 'cdrom', 'floppy', 'lun'] as const) ?? 'disk',
    target: assignDefined({ dev: targetEl.reqAttr('dev') } as Disk['target'], { bus: targetEl.enumAttr('bus', DISK_BUSES) }),
  };
  const d = x.child('driver');
  if (d) {
    disk.driver = assignDefined({}, {
      name: d.enumAttr('name', ['qemu'] as const),
      type: d.enumAttr('type', ['raw', 'qcow2'] as const),
      cache: d.enumAttr('cache', ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe']),
      io: d.enumAttr('io', ['threads', 'native', 'io_uring']),
      discard: d.enumAttr('discard', ['ignore', 'unmap']),
    });
  }
  const s = x.child('source');
  if (s) {
    const attrs = { file: ['file'], block: ['dev'], volume: ['pool', 'volume'] }[disk.type];
    disk.source = {};
    for (const a of attrs) {
      const v = s.attr(a);
      if (v !== undefined) (disk.source as Record<string, string>)[a] = v;
    }
  }
  if (x.child('readonly')) disk.readonly = true;
  if (x.child('shareable')) disk.shareable = true;
  const serial = x.childText('serial');
  if (serial !== undefined) disk.serial = serial;
  parseDeviceInfo(x, disk, true);
  return disk;
}

export function formatDisk(d: Disk, opts: FormatOptions): XmlNode {
  return el('disk', { type: d.type, device: d.device }, [
    d.driver && el('driver', { name: d.driver.name, type: d.driver.type, cache: d.driver.cache, io: d.driver.io, discard: d.driver.discard }),
    d.source && el('source', { file: d.source.file, dev: d.source.dev, pool: d.source.pool, volume: d.source.volume }),
    el('target', { dev: d.target.dev, bus: d.target.bus }),
    flagEl('readonly', d.readonly),
    flagEl('shareable', d.shareable),
    textEl('serial', d.serial),
    ...formatDeviceInfo(d, opts),
  ]);
}

