// virsh capabilities / domcapabilities: the host and QEMU facts in libvirt's XML.
import type { QemuCaps } from '../qemu/caps-types.js';
import { TsvirtError } from '../util/errors.js';

export function capabilitiesXml(_caps: QemuCaps): string {
  throw new TsvirtError('no-support', 'capabilities: not wired yet');
}

export function domainCapabilitiesXml(_caps: QemuCaps, _opts: { arch?: string; machine?: string; virttype?: string }): string {
  throw new TsvirtError('no-support', 'domcapabilities: not wired yet');
}
