// Checks of controllers, video, input, rng, memballoon, watchdog and panic, as libvirt 9.0 makes
// them at define (domain_validate.c, qemu_validate.c), with libvirt's messages.
import type { Domain } from './domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { isQ35 } from './domain-addresses.js';

const xmlErr = (m: string) => new TsvirtError('xml-error', m);
const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

/** Video models the QEMU driver offers with QEMU 7.2 here (virQEMUCapsFillDomainDeviceVideoCaps). */
const QEMU_VIDEO_MODELS = new Set(['none', 'vga', 'cirrus', 'vmvga', 'qxl', 'virtio', 'bochs', 'ramfb']);

export function validateControllers(dom: Domain): void {
  const q35 = isQ35(dom);
  // virDomainDefControllersParse: model='none' disables USB, so it stands alone; some controller must be a master
  const usb = dom.devices.controllers.filter((c) => c.type === 'usb');
  const none = usb.filter((c) => c.model === 'none').length;
  for (const c of dom.devices.controllers) {
    if (c.type === 'pci' && (c.model === 'pci-root' || c.model === 'pcie-root') && c.address) {
      throw unsupported('pci-root and pcie-root controllers should not have an address');
    }
    if (c.master && !(c.type === 'usb' && /^ich9-uhci/.test(c.model ?? ''))) {
      throw xmlErr(`<master> fits only USB companion controllers (ich9-uhci1..3), not controller type '${c.type}' model '${c.model ?? ''}'`);
    }
    if (c.type === 'ide' && q35) throw unsupported('IDE controllers are unsupported for this QEMU binary or machine type');
    if (c.type === 'pci' && c.index === 0 && c.model && c.model !== (q35 ? 'pcie-root' : 'pci-root')) {
      throw unsupported(`PCI controller 0 must be '${q35 ? 'pcie-root' : 'pci-root'}' on this machine, not '${c.model}'`);
    }
    if (c.type === 'xenbus') throw unsupported("controller type 'xenbus' is not supported by the QEMU driver");
  }
  if (none > 1 || (none === 1 && usb.length > 1)) throw xmlErr("Can't add another USB controller: USB is disabled for this domain");
  if (none === 0 && usb.length > 0 && usb.every((c) => c.master)) throw xmlErr('No master USB controller specified');
}

export function validateVideos(dom: Domain): void {
  const videos = dom.devices.videos;
  if (videos.length > 1 && videos.some((v) => v.model.type === 'none')) {
    throw unsupported("a 'none' video type must be the only video device defined for the domain");
  }
  if (videos[0]?.model.primary && videos.slice(1).some((v) => v.model.primary)) throw unsupported('Only one primary video device is supported');
  for (const v of videos) {
    const m = v.model;
    if (m.type === 'none') continue;
    if (!QEMU_VIDEO_MODELS.has(m.type)) throw unsupported(`domain configuration does not support video model '${m.type}'`);
    if (m.type !== 'qxl' && m.type !== 'virtio') {
      if (!m.primary) throw unsupported(`video type '${m.type}' is only valid as primary video device`);
      if ((m.heads ?? 1) !== 1) throw unsupported(`video type '${m.type}' doesn't support multiple 'heads'`);
    }
    if (m.acceleration?.accel2d) throw unsupported('qemu does not support the accel2d setting');
    if (m.acceleration?.accel3d && m.type !== 'virtio') throw unsupported("3d acceleration is supported only with 'virtio' video device");
    if (m.type === 'qxl' && m.vgamem !== undefined) {
      if (m.vgamem < 1024) throw unsupported("value for 'vgamem' must be at least 1 MiB (1024 KiB)");
      if ((m.vgamem & (m.vgamem - 1)) !== 0) throw unsupported("value for 'vgamem' must be power of two");
    }
    if (m.resolution && !['vga', 'qxl', 'virtio', 'bochs'].includes(m.type)) throw xmlErr('model resolution is not supported');
    if ((m.type === 'vga' || m.type === 'vmvga') && m.vram && m.vram < 1024) throw unsupported("value for 'vram' must be at least 1 MiB (1024 KiB)");
    if (m.type === 'ramfb' && v.address) throw unsupported("'address' is not supported for 'ramfb' video devices");
  }
}

export function validateInputs(dom: Domain): void {
  for (const i of dom.devices.inputs) {
    if (i.bus === 'ps2' && i.type !== 'mouse' && i.type !== 'keyboard') throw new TsvirtError('internal-error', `ps2 bus does not support ${i.type} input device`);
    if (i.bus === 'xen') throw new TsvirtError('internal-error', `unsupported input bus ${i.bus}`);
    if (i.bus === 'virtio' && (i.model === 'virtio-transitional' || i.model === 'virtio-non-transitional')) {
      throw unsupported(`virtio (non-)transitional models are not supported for input type=${i.type}`);
    }
  }
}

export function validateWatchdogs(dom: Domain): void {
  const list = dom.devices.watchdogs;
  if (list.length > 1) throw xmlErr('only a single watchdog device is supported');
  for (const w of list) {
    if (w.model === 'i6300esb' && w.address && w.address.type !== 'pci') throw unsupported('i6300esb model of watchdog can go only on PCI bus');
    if (w.model === 'ib700' && w.address) throw unsupported('ib700 model of watchdog does not support configuring the address');
    if (w.model === 'diag288') {
      if (w.address) throw unsupported('diag288 model of watchdog is virtual and cannot go on any bus.');
      throw unsupported('diag288 model of watchdog is allowed for s390 and s390x only');
    }
  }
}
