// Pieces shared by pool and volume XML: sizes (<capacity unit='..'>), <permissions>,
// <format type='..'/>, and the name rule (no '/', no '..', no leading '.').
import { TsvirtError } from '../util/errors.js';
import { parseScaledBytes } from '../util/units.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, type XmlNode } from '../util/xml-writer.js';

export interface StoragePermissions {
  mode?: string;
  owner?: number;
  group?: number;
  label?: string;
}

/** A pool or volume name must be a single path component: used as a file name. */
export function checkStorageName(name: string, what: 'pool' | 'volume'): string {
  if (name === '' || name.includes('/') || name === '.' || name === '..' || name.includes('\0') || name.startsWith('.')) {
    throw new TsvirtError('invalid-arg', `invalid ${what} name '${name}': it must not be empty, contain '/' or start with '.'`);
  }
  if (name.length > 255) throw new TsvirtError('invalid-arg', `invalid ${what} name: longer than 255 characters`);
  return name;
}

/** A size element in bytes (unit attribute as libvirt's virScaleInteger; default bytes). */
export function parseSizeEl(x: XmlElement | undefined, what: string): number | undefined {
  if (!x) return undefined;
  const unit = x.attr('unit');
  const text = x.text();
  x.done();
  let bytes: bigint;
  try {
    bytes = parseScaledBytes(text, unit, `<${what}>`, 'bytes');
  } catch (e) {
    throw x.error((e as Error).message);
  }
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw x.error(`<${what}> of ${bytes} bytes is too large`);
  return Number(bytes);
}

export function sizeEl(name: string, bytes: number | undefined): XmlNode | undefined {
  return textEl(name, bytes, { unit: 'bytes' });
}

export function parsePermissions(x: XmlElement | undefined): StoragePermissions | undefined {
  if (!x) return undefined;
  const p: StoragePermissions = {};
  const mode = x.childText('mode');
  if (mode !== undefined) {
    if (!/^[0-7]{1,4}$/.test(mode.trim())) throw x.error(`invalid permissions mode '${mode}': expected octal`);
    p.mode = mode.trim().padStart(4, '0');
  }
  const num = (n: string) => {
    const t = x.childText(n);
    if (t === undefined) return undefined;
    if (!/^-?\d+$/.test(t.trim())) throw x.error(`invalid permissions ${n} '${t}'`);
    return Number(t);
  };
  p.owner = num('owner');
  p.group = num('group');
  p.label = x.childText('label');
  x.done();
  return p;
}

export function permissionsEl(p: StoragePermissions | undefined): XmlNode | undefined {
  if (!p) return undefined;
  return el('permissions', {}, [textEl('mode', p.mode), textEl('owner', p.owner), textEl('group', p.group), textEl('label', p.label)]);
}

/** <format type='..'/> child's type, restricted to `allowed`. */
export function parseFormat<T extends string>(parent: XmlElement, allowed: readonly T[]): T | undefined {
  const f = parent.child('format');
  if (!f) return undefined;
  const t = f.reqEnumAttr('type', allowed);
  f.done();
  return t;
}

/** virsh's scaled size argument ("10G", "512M", "4096"; default unit bytes) to bytes. */
export function parseSizeArg(text: string, what: string): number {
  const m = /^\s*([0-9]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  let bytes: bigint;
  try {
    if (!m) throw new Error();
    bytes = parseScaledBytes(m[1]!, m[2] || undefined, what, 'bytes');
  } catch {
    throw new TsvirtError('invalid-arg', `malformed size '${text}' for ${what}: expected an integer with an optional unit (K, M, G, T, KiB, MB, ...)`);
  }
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new TsvirtError('invalid-arg', `size '${text}' for ${what} is too large`);
  return Number(bytes);
}
