// MAC addresses: parsing/normalising as libvirt does (virMacAddrParse) and
// generating QEMU-style 52:54:00:xx:xx:xx addresses.
import { randomBytes } from 'node:crypto';

export const QEMU_MAC_PREFIX = '52:54:00';

/** Normalised lower-case 'aa:bb:cc:dd:ee:ff', or undefined when `text` is not a MAC. */
export function parseMac(text: string): string | undefined {
  const parts = text.trim().split(':');
  if (parts.length !== 6) return undefined;
  if (!parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join(':');
}

/** True when the group (multicast) bit of the first octet is set: not valid for a NIC. */
export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** A random MAC with `prefix` (three octets); `exclude` holds addresses already in use. */
export function generateMac(prefix = QEMU_MAC_PREFIX, exclude: ReadonlySet<string> = new Set()): string {
  for (;;) {
    const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const mac = `${prefix}:${tail}`;
    if (!exclude.has(mac)) return mac;
  }
}
