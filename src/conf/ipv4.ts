// IPv4 arithmetic for network definitions: addresses as 32-bit unsigned numbers.
export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (Math.floor(n / 2 ** s) & 255).toString()).join('.');
}

/** Prefix length of a netmask like 255.255.255.0, or undefined when it is not contiguous. */
export function netmaskToPrefix(mask: string): number | undefined {
  const n = parseIpv4(mask);
  if (n === undefined) return undefined;
  for (let p = 0; p <= 32; p++) if (prefixToMask(p) === n) return p;
  return undefined;
}

export function prefixToMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1));
}

export function networkOf(addr: number, prefix: number): number {
  return addr - (addr % 2 ** (32 - prefix));
}

export function broadcastOf(addr: number, prefix: number): number {
  return networkOf(addr, prefix) + 2 ** (32 - prefix) - 1;
}

/** True when a/pa and b/pb share at least one address. */
export function subnetsOverlap(a: number, pa: number, b: number, pb: number): boolean {
  const p = Math.min(pa, pb);
  return networkOf(a, p) === networkOf(b, p);
}
