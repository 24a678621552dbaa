// Video devices (libvirt's qemuDeviceVideoGetModel + qemuBuildDeviceVideoCmd): the primary card
// takes the VGA-compatible variant of its model; sizes are KiB in the XML.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Video } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type Props, pciProps, requireDevice } from './argv-common.js';
import { virtioDriverProps } from './argv-virtio-driver.js';
import { userAliasOr } from './argv-user-alias.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

export const videoAlias = (index: number) => `video${index}`;

/** QEMU device of a video model, or undefined for 'none'. */
function videoDriver(v: Video, primary: boolean, caps: QemuCaps): string | undefined {
  const gl = v.model.acceleration?.accel3d === true;
  switch (v.model.type) {
    case 'vga': return primary ? 'VGA' : undefined;
    case 'cirrus': return primary ? 'cirrus-vga' : undefined;
    case 'vmvga': return primary ? 'vmware-svga' : undefined;
    case 'qxl': return primary ? 'qxl-vga' : 'qxl';
    case 'virtio':
      if (v.driver?.name === 'vhostuser') return primary ? 'vhost-user-vga' : 'vhost-user-gpu-pci';
      if (primary) return gl && caps.devices.includes('virtio-vga-gl') ? 'virtio-vga-gl' : 'virtio-vga';
      return gl ? 'virtio-gpu-gl-pci' : 'virtio-gpu-pci';
    case 'bochs': return 'bochs-display';
    case 'ramfb': return 'ramfb';
    case 'none': return undefined;
    default: throw unsupported(`video model '${String(v.model.type)}' is not supported`);
  }
}

/** The -device body of a video card (undefined for model 'none'). */
export function videoDeviceProps(v: Video, index: number, dom: Domain, caps: QemuCaps): Props | undefined {
  const where = `video ${index}`;
  const m = v.model;
  if (m.type === 'none') return undefined;
  const primary = m.primary ?? index === 0;
  const driver = videoDriver(v, primary, caps);
  if (!driver) throw unsupported(`${where}: video type '${m.type}' is only valid as primary video device`);
  if (v.driver?.name === 'vhostuser') throw unsupported(`${where}: a vhost-user video device needs a vhost-user-gpu backend, which tsvirt does not start`);
  requireDevice(caps, driver, where);
  const props: Props = { driver };
  if (m.type === 'virtio') Object.assign(props, virtioDriverProps(v.driver?.virtio));
  props.id = userAliasOr(v, videoAlias(index));
  // (libvirt adds virgl= only when virtio-gpu-pci has that property, which QEMU 7.2 here has not: the -gl devices carry it)
  if ((m.type === 'qxl' || m.type === 'virtio') && m.heads) props.max_outputs = m.heads;
  if (m.type === 'qxl') {
    if (m.ram) props.ram_size = m.ram * 1024;
    if (m.vram) props.vram_size = m.vram * 1024;
    props.vram64_size_mb = Math.floor((m.vram64 ?? 0) / 1024);
    props.vgamem_mb = Math.floor((m.vgamem ?? 0) / 1024);
  } else if ((m.type === 'vga' || m.type === 'vmvga') && m.vram) {
    props.vgamem_mb = Math.floor(m.vram / 1024);
  } else if (m.type === 'bochs' && m.vram) {
    props.vgamem = m.vram * 1024;
  }
  if (m.resolution) Object.assign(props, { xres: m.resolution.x, yres: m.resolution.y });
  // ramfb sits on the system bus: no PCI address
  return driver === 'ramfb' ? props : { ...props, ...pciProps(dom, v.address, where) };
}
