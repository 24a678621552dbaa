// Post-parse defaults and checks of the host-facing devices: <hostdev>, the USB devices
// (<redirdev>, <smartcard>, <hub>), <tpm>, <shmem>, <iommu>, <vsock> and <lease>, in one place so
// domain-defaults.ts and domain-validate.ts each call a single function.
import type { Domain } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { hostdevDefaults, validateHostdevs } from './domain-hostdev-xml.js';
import { tpmDefaults, validateTpms } from './domain-tpm-xml.js';
import { shmemDefaults, validatePlatformDevices } from './domain-platform-devices-xml.js';

/** Runs before the implicit controllers are added: a SCSI hostdev's controller comes first, as in libvirt. */
export function passthroughDefaults(dom: Domain): void {
  hostdevDefaults(dom);
  tpmDefaults(dom);
  shmemDefaults(dom);
  scsiHostdevAddresses(dom);
  // qemuDomainRedirdevDefPostParse: a D-Bus redirdev talks on libvirt's well-known channel
  for (const r of dom.devices.redirdevs ?? []) if (r.source.type === 'dbus') r.source.channel ??= 'org.qemu.usbredir';
}

/** QEMU's narrow SCSI bus: units 0..6 per controller (libvirt's SCSI_NARROW_BUS_MAX_CONT_UNIT). */
const SCSI_MAX_UNIT = 7;

/**
 * virDomainHostdevAssignAddress: bus 0, target 0, the first unit of the first controller that
 * has one free (disks and other SCSI hostdevs count); then the controllers up to the highest one
 * used, with the model of the one the last hostdev found (virDomainDefMaybeAddHostdevSCSIcontroller).
 */
function scsiHostdevAddresses(dom: Domain): void {
  const d = dom.devices;
  const scsi = d.hostdevs.filter((h) => h.type === 'scsi');
  if (scsi.length === 0) return;
  const key = (a: { controller: number; bus: number; target: number; unit: number }) => `${a.controller}:${a.bus}:${a.target}:${a.unit}`;
  const used = new Set<string>();
  for (const x of [...d.disks.filter((k) => k.target.bus === 'scsi'), ...scsi]) if (x.address?.type === 'drive') used.add(key(x.address));
  for (const h of scsi) {
    if (h.address) continue;
    for (let controller = 0; !h.address; controller++) {
      for (let unit = 0; unit < SCSI_MAX_UNIT; unit++) {
        const a = { type: 'drive' as const, controller, bus: 0, target: 0, unit };
        if (used.has(key(a))) continue;
        h.address = a;
        used.add(key(a));
        break;
      }
    }
  }
  let max = -1;
  let model: string | undefined;
  for (const h of scsi) {
    const c = h.address?.type === 'drive' ? h.address.controller : 0;
    if (c <= max) continue;
    max = c;
    const found = d.controllers.find((x) => x.type === 'scsi' && x.index === c);
    if (found?.model) model = found.model;
  }
  for (let i = 0; i <= max; i++) {
    if (d.controllers.some((c) => c.type === 'scsi' && c.index === i)) continue;
    d.controllers.push(model ? { type: 'scsi', index: i, model } : { type: 'scsi', index: i });
  }
}

export function validatePassthrough(dom: Domain): void {
  validateHostdevs(dom);
  validateTpms(dom);
  validatePlatformDevices(dom);
  const d = dom.devices;
  for (const r of d.redirdevs ?? []) {
    if (r.source.type === 'spicevmc' && !d.graphics.some((g) => (g.type as string) === 'spice')) {
      throw new TsvirtError('config-unsupported', "chardev 'spicevmc' not supported without spice graphics");
    }
    if (r.address && r.address.type !== 'usb') throw new TsvirtError('config-unsupported', `redirdev needs a USB address, not type '${r.address.type}'`);
  }
  if ((d.redirfilters?.length ?? 0) > 1) throw new TsvirtError('xml-error', 'only one <redirfilter> is allowed');
  if ((d.smartcards?.length ?? 0) > 1) throw new TsvirtError('config-unsupported', 'this QEMU binary lacks multiple smartcard support');
  for (const sc of d.smartcards ?? []) {
    if (sc.source?.type === 'spicevmc' && !d.graphics.some((g) => (g.type as string) === 'spice')) {
      throw new TsvirtError('config-unsupported', "chardev 'spicevmc' not supported without spice graphics");
    }
  }
}
