// UUIDs as libvirt accepts them (virUUIDParse): 32 hex digits, dashes allowed
// between digit pairs; always stored lower-case in RFC 4122 text form.
import { randomUUID } from 'node:crypto';

/** Normalised form of `text`, or undefined when it is not a UUID. */
export function parseUuid(text: string): string | undefined {
  const t = text.trim();
  if (!/^[0-9a-fA-F-]+$/.test(t) || t.startsWith('-') || t.endsWith('-') || t.includes('--')) return undefined;
  const hex = t.replace(/-/g, '').toLowerCase();
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isUuid(text: string): boolean {
  return parseUuid(text) !== undefined;
}

/** A random (version 4) UUID. */
export function generateUuid(): string {
  return randomUUID();
}
