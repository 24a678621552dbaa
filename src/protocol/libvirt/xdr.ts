// XDR (RFC 4506) as libvirt's RPC uses it: types are declared once with the builders below
// (int, string(max), struct({...}), ...) and each declaration carries its own encoder and
// decoder, so a procedure's wire format is written in one place and cannot drift.
// Decoding checks every length against the buffer and the declared limit before it
// allocates, so a hostile message costs at most its own size.
import { isUtf8 } from 'node:buffer';

export class XdrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XdrError';
  }
}

export class XdrWriter {
  private buf: Buffer;
  private len = 0;
  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32BE(v | 0, this.len);
    this.len += 4;
  }
  i64(v: bigint): void {
    this.room(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.len);
    this.len += 8;
  }
  u64(v: bigint): void {
    this.room(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleBE(v, this.len);
    this.len += 8;
  }
  /** bytes plus zero padding to a multiple of 4 */
  bytes(b: Uint8Array): void {
    const pad = (4 - (b.length % 4)) % 4;
    this.room(b.length + pad);
    this.buf.set(b, this.len);
    this.len += b.length;
    for (let i = 0; i < pad; i++) this.buf[this.len++] = 0;
  }
  /** bytes as they are, no length and no padding (stream data) */
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** patch a u32 written earlier (the frame length) */
  setU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }
  get length(): number {
    return this.len;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class XdrReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new XdrError(`truncated message: ${what} needs ${n} bytes, ${this.buf.length - this.pos} left`);
  }
  u32(): number {
    this.need(4, 'unsigned int');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8, 'hyper');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    this.need(8, 'unsigned hyper');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  f64(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    const padded = n + ((4 - (n % 4)) % 4);
    this.need(padded, `${n} bytes of data`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += padded;
    return out;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
}

/** A declared XDR type: its encoder and decoder, derived from the declaration. */
export interface XdrType<T> {
  readonly name: string;
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
}
export type Infer<X> = X extends XdrType<infer T> ? T : never;

function type<T>(name: string, encode: (w: XdrWriter, v: T) => void, decode: (r: XdrReader) => T): XdrType<T> {
  return { name, encode, decode };
}

export const int = type<number>('int', (w, v) => w.i32(v), (r) => r.i32());
export const uint = type<number>('unsigned int', (w, v) => w.u32(v), (r) => r.u32());
export const hyper = type<bigint>('hyper', (w, v) => w.i64(v), (r) => r.i64());
export const uhyper = type<bigint>('unsigned hyper', (w, v) => w.u64(v), (r) => r.u64());
export const double = type<number>('double', (w, v) => w.f64(v), (r) => r.f64());
/** XDR bool: an int that is 0 or 1 (libvirt's C code often says int for flags) */
export const bool = type<boolean>('bool', (w, v) => w.i32(v ? 1 : 0), (r) => r.i32() !== 0);
export const voidType = type<undefined>('void', () => undefined, () => undefined);

/** string<max>: UTF-8, length-prefixed; longer than max is an error both ways */
export function string(max: number): XdrType<string> {
  return type<string>(
    `string<${max}>`,
    (w, v) => {
      const b = Buffer.from(v, 'utf8');
      if (b.length > max) throw new XdrError(`string of ${b.length} bytes is over its limit of ${max}`);
      w.u32(b.length);
      w.bytes(b);
    },
    (r) => {
      const n = r.u32();
      if (n > max) throw new XdrError(`string of ${n} bytes is over its limit of ${max}`);
      const b = r.bytes(n);
      // invalid bytes would become U+FFFD unseen (and XML with them well-formed)
      if (!isUtf8(b)) throw new XdrError(`string of ${n} bytes is not valid UTF-8`);
      return b.toString('utf8');
    },
  );
}

/** opaque[n]: fixed size */
export function fixedOpaque(n: number): XdrType<Buffer> {
  return type<Buffer>(
    `opaque[${n}]`,
    (w, v) => {
      if (v.length !== n) throw new XdrError(`opaque[${n}] given ${v.length} bytes`);
      w.bytes(v);
    },
    (r) => Buffer.from(r.bytes(n)),
  );
}

/** opaque<max>: length-prefixed bytes */
export function opaque(max: number): XdrType<Buffer> {
  return type<Buffer>(
    `opaque<${max}>`,
    (w, v) => {
      if (v.length > max) throw new XdrError(`opaque of ${v.length} bytes is over its limit of ${max}`);
      w.u32(v.length);
      w.bytes(v);
    },
    (r) => {
      const n = r.u32();
      if (n > max) throw new XdrError(`opaque of ${n} bytes is over its limit of ${max}`);
      return Buffer.from(r.bytes(n));
    },
  );
}

/** char name[n] of libvirt (fixed bytes, NUL padded) as a string */
export function fixedChars(n: number): XdrType<string> {
  return type<string>(
    `char[${n}]`,
    (w, v) => {
      const b = Buffer.alloc(n);
      // at most n - 1 bytes (never half a character): the C side reads it as a NUL-terminated string
      b.write(v, 0, n - 1, 'utf8');
      // libvirt encodes char[n] as n separate XDR chars, 4 bytes each
      for (const c of b) w.i32(c);
    },
    (r) => {
      const chars: number[] = [];
      for (let i = 0; i < n; i++) chars.push(r.i32() & 0xff);
      const end = chars.indexOf(0);
      return Buffer.from(end < 0 ? chars : chars.slice(0, end)).toString('utf8');
    },
  );
}

/** T<max>: variable-length array */
export function array<T>(of: XdrType<T>, max: number): XdrType<T[]> {
  return type<T[]>(
    `${of.name}<${max}>`,
    (w, v) => {
      if (v.length > max) throw new XdrError(`array of ${v.length} is over its limit of ${max}`);
      w.u32(v.length);
      for (const x of v) of.encode(w, x);
    },
    (r) => {
      const n = r.u32();
      if (n > max) throw new XdrError(`array of ${n} is over its limit of ${max}`);
      // every element takes at least 4 bytes: refuse a count the message cannot hold
      if (n * 4 > r.remaining) throw new XdrError(`truncated message: array of ${n} in ${r.remaining} bytes`);
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = of.decode(r);
      return out;
    },
  );
}

/** *T: optional data (XDR pointer) */
export function optional<T>(of: XdrType<T>): XdrType<T | null> {
  return type<T | null>(
    `*${of.name}`,
    (w, v) => {
      if (v === null || v === undefined) return w.u32(0);
      w.u32(1);
      of.encode(w, v);
    },
    (r) => {
      const present = r.u32();
      if (present > 1) throw new XdrError(`bad optional-data flag ${present}`);
      return present ? of.decode(r) : null;
    },
  );
}

type Fields = Record<string, XdrType<any>>;
export type StructOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** struct { ... }: fields in declaration order */
export function struct<F extends Fields>(name: string, fields: F): XdrType<StructOf<F>> {
  const entries = Object.entries(fields);
  return type<StructOf<F>>(
    name,
    (w, v) => {
      for (const [k, t] of entries) {
        const x = (v as Record<string, unknown>)[k];
        try {
          t.encode(w, x);
        } catch (e) {
          throw new XdrError(`${name}.${k}: ${(e as Error).message}`);
        }
      }
    },
    (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, t] of entries) out[k] = t.decode(r);
      return out as StructOf<F>;
    },
  );
}

/** union switch (int discriminant) { case N: T; ... }: values are { type: N, value } */
export function union<C extends Record<number, XdrType<any>>>(name: string, cases: C): XdrType<{ [N in keyof C]: { type: N; value: Infer<C[N]> } }[keyof C]> {
  type U = { [N in keyof C]: { type: N; value: Infer<C[N]> } }[keyof C];
  return type<U>(
    name,
    (w, u) => {
      const v = u as { type: number; value: unknown };
      const t = cases[v.type];
      if (!t) throw new XdrError(`${name}: no case ${v.type}`);
      w.i32(v.type);
      t.encode(w, v.value);
    },
    (r) => {
      const d = r.i32();
      const t = cases[d];
      if (!t) throw new XdrError(`${name}: unknown discriminant ${d}`);
      return { type: d, value: t.decode(r) } as U;
    },
  );
}

export function encode<T>(t: XdrType<T>, v: T, w = new XdrWriter()): Buffer {
  t.encode(w, v);
  return w.result();
}

/** decodes a whole body: bytes left over are an error, as in libvirt */
export function decode<T>(t: XdrType<T>, buf: Buffer): T {
  const r = new XdrReader(buf);
  const v = t.decode(r);
  if (r.remaining !== 0) throw new XdrError(`${r.remaining} bytes left over after ${t.name}`);
  return v;
}
