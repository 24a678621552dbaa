// QEMU properties of the common virtio <driver> options (libvirt's qemuBuildVirtioDevProps):
// iommu -> iommu_platform, ats, packed, page_per_vq -> page-per-vq.
import type { VirtioDriverOptions } from '../conf/domain-virtio-driver-xml.js';
import type { Props } from './argv-common.js';

export function virtioDriverProps(o: VirtioDriverOptions | undefined): Props {
  const p: Props = {};
  if (!o) return p;
  if (o.iommu !== undefined) p.iommu_platform = o.iommu;
  if (o.ats !== undefined) p.ats = o.ats;
  if (o.packed !== undefined) p.packed = o.packed;
  if (o.page_per_vq !== undefined) p['page-per-vq'] = o.page_per_vq;
  return p;
}
