// libvirt's scaled integers (virScaleInteger): unit suffixes are case-insensitive;
// 'b'/'byte'/'bytes' = 1, a bare letter or '<letter>iB' = powers of 1024,
// '<letter>B' = powers of 1000. Memory is kept in KiB, rounded up like libvirt.
import { TsvirtError } from './errors.js';

const LETTERS = ['k', 'm', 'g', 't', 'p', 'e'];

/** Bytes per unit, or undefined when the unit is not one libvirt knows. */
export function unitScale(unit: string): bigint | undefined {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = LETTERS.indexOf(u[0] ?? '') + 1;
  if (power === 0) return undefined;
  const rest = u.slice(1);
  const base = rest === '' || rest === 'ib' ? 1024n : rest === 'b' ? 1000n : undefined;
  return base === undefined ? undefined : base ** BigInt(power);
}

/** The largest value libvirt accepts (unsigned long long). */
export const MAX_SCALED = 2n ** 64n - 1n;

/**
 * Parses `value` (a non-negative decimal integer) in `unit` (default `defaultUnit`) to bytes.
 * `what` names the element in error messages.
 */
export function parseScaledBytes(value: string, unit: string | undefined, what: string, defaultUnit = 'KiB'): bigint {
  const u = unit ?? defaultUnit;
  const scale = unitScale(u);
  if (scale === undefined) throw new TsvirtError('xml-error', `unknown unit '${u}' for ${what}`);
  const t = value.trim();
  if (!/^[0-9]+$/.test(t)) throw new TsvirtError('xml-error', `invalid value '${value}' for ${what}: expected a non-negative integer`);
  const bytes = BigInt(t) * scale;
  if (bytes > MAX_SCALED) throw new TsvirtError('xml-error', `value '${value} ${u}' for ${what} is too large`);
  return bytes;
}

/** Bytes to KiB, rounded up (VIR_DIV_UP as libvirt does for memory). */
export function bytesToKiB(bytes: bigint, what = 'size'): number {
  const kib = (bytes + 1023n) / 1024n;
  if (kib > BigInt(Number.MAX_SAFE_INTEGER)) throw new TsvirtError('xml-error', `${what} of ${bytes} bytes is too large`);
  return Number(kib);
}

/** Parses a scaled memory size to KiB. */
export function parseSizeKiB(value: string, unit: string | undefined, what: string, defaultUnit = 'KiB'): number {
  return bytesToKiB(parseScaledBytes(value, unit, what, defaultUnit), what);
}

/** Human readable size from KiB ("1.5 GiB"), for messages. */
export function formatKiB(kib: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = kib;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(2)} ${units[i]}`;
}
