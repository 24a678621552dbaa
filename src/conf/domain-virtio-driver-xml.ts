// The virtio options every virtio device takes on its <driver> element (libvirt's
// virDomainVirtioOptions): iommu, ats, packed, page_per_vq, each on/off. Shared by disk,
// interface, filesystem, controller, video, input, rng, memballoon and others.
import type { XmlElement } from '../util/xml-reader.js';
import { onOff } from '../util/xml-writer.js';

export interface VirtioDriverOptions {
  iommu?: boolean;
  ats?: boolean;
  packed?: boolean;
  page_per_vq?: boolean;
}

const NAMES = ['iommu', 'ats', 'packed', 'page_per_vq'] as const;


/** Reads iommu/ats/packed/page_per_vq of a <driver> element; undefined when none is set (or no element). */
export function parseVirtioDriverOptions(driver: XmlElement | undefined): VirtioDriverOptions | undefined {
  if (!driver) return undefined;
  const out: VirtioDriverOptions = {};
  for (const n of NAMES) {
    const v = driver.switchAttr(n);
    if (v !== undefined) out[n] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The attributes in libvirt's order, to spread into a <driver> attribute record after the device's own ones. */
export function virtioDriverAttrs(o: VirtioDriverOptions | undefined): Record<string, string | undefined> {
  return { iommu: onOff(o?.iommu), ats: onOff(o?.ats), packed: onOff(o?.packed), page_per_vq: onOff(o?.page_per_vq) };
}

/** True when any option is set (a <driver> element must then be written). */
export function hasVirtioDriverOptions(o: VirtioDriverOptions | undefined): boolean {
  return !!o && NAMES.some((n) => o[n] !== undefined);
}
