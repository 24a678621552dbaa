// The messages of the RPC fuzz test (rpc-fuzz.test.ts): valid calls, and every way of
// getting them wrong, each with what the daemon must answer. A seeded generator makes a
// failing run repeatable (the seed is in the test's failure message).
import { MESSAGE_MAX, MsgType, REMOTE_PROGRAM, KEEPALIVE_PROGRAM, QEMU_PROGRAM, type Header } from '../../src/protocol/libvirt/wire.js';
import { encode } from '../../src/protocol/libvirt/xdr.js';
import { remoteProcs } from '../../src/protocol/libvirt/procs-table.js';
import { REMOTE_PROC_NAMES } from '../../src/protocol/libvirt/proc-names.js';
import { STRING_MAX } from '../../src/protocol/libvirt/remote-types.js';
import { remoteImpls } from '../../src/daemon/libvirt/impls.js';
import { apiName } from '../../src/daemon/libvirt/rpc-errors.js';
import { rawFrame, type Reply } from './rpc-raw.js';

export const VIR_ERR_RPC = 39;
const VIR_ERR_NO_SUPPORT = 3;
const VIR_ERR_NO_DOMAIN = 42;

export type Rand = () => number;
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** one message: its bytes (written one chunk at a time), and the reply it must get, if any */
export interface Msg {
  what: string;
  chunks: Buffer[];
  header?: Header;
  /** undefined: no reply may be awaited; else returns a problem, or undefined when the reply is right */
  check?: (r: Reply) => string | undefined;
}

export class Gen {
  private serial = 1;
  constructor(readonly rnd: Rand) {}

  int(n: number): number { return Math.floor(this.rnd() * n); }
  pick<T>(l: readonly T[]): T { return l[this.int(l.length)]!; }
  bytes(n: number): Buffer { return Buffer.from(Array.from({ length: n }, () => this.int(256))); }
  u32(): number { return this.int(0x100000000); }

  header(proc: number, over: Partial<Header> = {}): Header {
    return { prog: REMOTE_PROGRAM, vers: 1, proc, type: MsgType.CALL, serial: this.serial++, status: 0, ...over };
  }

  garbageXml(): string {
    switch (this.int(7)) {
      case 0: return this.bytes(this.int(2000)).toString('latin1');
      case 1: return `<domain type='qemu'><name>${this.bytes(8).toString('hex')}</name>`;
      case 2: return '<a>'.repeat(2000); // deep nesting (much deeper is slow: see the report on xml-parse)
      case 3: return `<!DOCTYPE d [<!ENTITY a "${'a'.repeat(1000)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><domain>&b;&b;&b;</domain>`;
      case 4: return `<domain type='qemu'><name>x</name><memory>${'9'.repeat(400)}</memory></domain>`;
      case 5: return '';
      default: return `<domain type='${this.bytes(4).toString('hex')}'><name>\u0000</name><os><type>hvm</type></os></domain>`;
    }
  }

  /** a correct call: procedure, body, and the check of its reply */
  valid(): { name: string; proc: number; body: Buffer; check: (r: Reply) => string | undefined } {
    const ok = (r: Reply) => (r.h.status === 0 ? undefined : `want OK, got error ${r.error?.code} ${r.error?.message}`);
    const err = (code: number) => (r: Reply) => (r.h.status === 1 && r.error?.code === code ? undefined : `want error ${code}, got status ${r.h.status} ${r.error?.code} ${r.error?.message}`);
    const dom = () => ({ name: `fuzz-${this.bytes(4).toString('hex')}`, uuid: this.bytes(16), id: -1 });
    const cases = [
      () => ({ name: 'CONNECT_OPEN', args: { name: 'qemu:///system', flags: 0 }, check: ok }),
      () => ({ name: 'AUTH_LIST', args: undefined, check: ok }),
      () => ({ name: 'CONNECT_SUPPORTS_FEATURE', args: { feature: this.int(40) - 5 }, check: ok }),
      () => ({ name: 'CONNECT_GET_TYPE', args: undefined, check: ok }),
      () => ({ name: 'CONNECT_LIST_ALL_DOMAINS', args: { need_results: 1, flags: 0 }, check: (r: Reply) => ok(r) ?? (r.body.readUInt32BE(0) === 0 ? undefined : 'fuzzing defined a domain') }),
      () => ({ name: 'DOMAIN_LOOKUP_BY_NAME', args: { name: dom().name }, check: err(VIR_ERR_NO_DOMAIN) }),
      () => ({ name: 'DOMAIN_GET_INFO', args: { dom: dom() }, check: err(VIR_ERR_NO_DOMAIN) }),
      () => ({
        name: 'DOMAIN_DEFINE_XML', args: { xml: this.garbageXml() },
        // decoded, then refused by the API: any error but a protocol one
        check: (r: Reply) => (r.h.status === 1 && r.error && r.error.code !== VIR_ERR_RPC && r.error.message ? undefined : `garbage XML: got status ${r.h.status} ${r.error?.code} ${r.error?.message}`),
      }),
    ];
    const c = this.pick(cases)();
    const p = (remoteProcs as Record<string, { num: number; args: { encode: (w: never, v: never) => void } }>)[c.name]!;
    return { name: c.name, proc: p.num, body: Buffer.from(encode(p.args as never, c.args as never)), check: c.check };
  }

  private rpcError(re: RegExp | string) {
    return (r: Reply) => {
      const m = r.error?.message ?? '';
      const good = r.h.status === 1 && r.error?.code === VIR_ERR_RPC && (typeof re === 'string' ? m === re : re.test(m));
      return good ? undefined : `want VIR_ERR_RPC ${re}, got status ${r.h.status} ${r.error?.code} ${m}`;
    };
  }

  private call(what: string, h: Header, body: Buffer, check: Msg['check']): Msg {
    return { what, header: h, chunks: [rawFrame(h, body)], check };
  }

  /** a well-framed message whose answer is known exactly */
  exact(): Msg {
    const v = this.valid();
    const decodeErr = this.rpcError(/^Unable to decode message payload/);
    switch (this.int(13)) {
      case 0: case 1: return this.call(`valid ${v.name}`, this.header(v.proc), v.body, v.check);
      case 2: {
        const n = this.pick([0, -1, 444, 445, 1000, 0x7fffffff, -0x80000000, this.u32() | 0].filter((x) => !REMOTE_PROC_NAMES[x]));
        return this.call(`unknown procedure ${n}`, this.header(n), this.bytes(this.int(40)), this.rpcError(`unknown procedure: ${n}`));
      }
      case 3: {
        const names = REMOTE_PROC_NAMES.map((n, i) => [n, i] as const).filter(([n]) => n && !(n in remoteImpls));
        const [name, num] = this.pick(names);
        return this.call(`unimplemented ${name}`, this.header(num), this.bytes(this.int(40)), (r) =>
          r.error?.code === VIR_ERR_NO_SUPPORT && r.error.message === `this function is not supported by the connection driver: ${apiName(name)}`
            ? undefined : `want not supported, got ${r.error?.code} ${r.error?.message}`);
      }
      case 4: {
        // (REMOTE_PROGRAM + 1 is libvirt's QEMU program, which tsvirtd serves)
        const prog = this.pick([0, 1, QEMU_PROGRAM + 1, KEEPALIVE_PROGRAM, this.u32()]);
        const vers = prog === REMOTE_PROGRAM ? 2 : this.pick([0, 1, 2, this.u32()]);
        const h = this.header(v.proc, { prog, vers });
        return this.call(`program ${prog} version ${vers}`, h, v.body, this.rpcError(`Cannot find program ${prog | 0} version ${vers | 0}`));
      }
      case 5: {
        const status = this.pick([1, 2, 3, this.u32() | 0].filter((s) => s !== 0));
        return this.call(`status ${status}`, this.header(v.proc, { status }), v.body, this.rpcError(`Unexpected message status ${status >>> 0}`));
      }
      case 6: {
        const cut = this.int(v.body.length); // a void body cannot be cut: this is a valid call again
        return this.call(`${v.name} cut to ${cut} of ${v.body.length}`, this.header(v.proc), v.body.subarray(0, cut), v.body.length ? decodeErr : v.check);
      }
      case 7: return this.call(`${v.name} with bytes after it`, this.header(v.proc), Buffer.concat([v.body, this.bytes(1 + this.int(64))]), decodeErr);
      case 8: {
        const len = this.pick([0xffffffff, STRING_MAX + 1, STRING_MAX, 0x80000000, 1000]);
        const body = Buffer.alloc(8 + this.int(16));
        body.writeUInt32BE(len, 0);
        const name = this.pick(['DOMAIN_LOOKUP_BY_NAME', 'DOMAIN_DEFINE_XML'] as const);
        return this.call(`${name} string length ${len}`, this.header(remoteProcs[name].num), body, decodeErr);
      }
      case 9: {
        const type = this.pick([MsgType.REPLY, MsgType.MESSAGE, MsgType.STREAM, MsgType.STREAM_HOLE, MsgType.REPLY_WITH_FDS, 7, 255, this.u32() | 0]);
        return { what: `type ${type}`, chunks: [rawFrame(this.header(v.proc, { type, status: this.int(3) }), this.bytes(this.int(64)))] };
      }
      case 10: return { what: 'keepalive ping', chunks: [rawFrame(this.header(1, { prog: KEEPALIVE_PROGRAM, type: MsgType.MESSAGE, serial: 0 }))] };
      case 11: {
        // one frame in many writes, down to one byte each: the reader must join them
        const h = this.header(v.proc);
        const f = rawFrame(h, v.body);
        const chunks: Buffer[] = [];
        for (let i = 0; i < f.length;) { const n = 1 + this.int(7); chunks.push(f.subarray(i, i + n)); i += n; }
        return { what: `valid ${v.name} in ${chunks.length} writes`, header: h, chunks, check: v.check };
      }
      default: {
        // a procedure with a body of random bytes: any reply, but one
        const h = this.header(1 + this.int(REMOTE_PROC_NAMES.length - 1));
        return this.call(`procedure ${h.proc} with random body`, h, this.bytes(this.int(200)), () => undefined);
      }
    }
  }

  /** a valid call, mutated: bit flips, cuts, extensions, interesting words; still well framed */
  mutated(): Msg {
    const v = this.valid();
    const h0 = this.header(v.proc);
    let b = Buffer.from(rawFrame(h0, v.body).subarray(4));
    const what: string[] = [];
    for (let k = 1 + this.int(3); k > 0; k--) {
      const op = this.int(4);
      if (op === 0) {
        for (let i = 1 + this.int(8); i > 0; i--) { const at = this.int(b.length * 8); b[at >> 3] ^= 1 << (at & 7); }
        what.push('flips');
      } else if (op === 1 && b.length > 24) {
        b = b.subarray(0, 24 + this.int(b.length - 24));
        what.push('cut');
      } else if (op === 2) {
        b = Buffer.concat([b, this.bytes(1 + this.int(100))]);
        what.push('extended');
      } else if (b.length >= 4) {
        const at = this.int(b.length - 3) & ~3;
        b.writeUInt32BE(this.pick([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, STRING_MAX, STRING_MAX + 1, 16384, 16385]), at);
        what.push(`word@${at}`);
      }
    }
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length + 4);
    const f = Buffer.concat([len, b]);
    const h: Header = { prog: f.readUInt32BE(4), vers: f.readUInt32BE(8), proc: f.readInt32BE(12), type: f.readInt32BE(16), serial: f.readUInt32BE(20), status: f.readInt32BE(24) };
    const isCall = h.type === MsgType.CALL || h.type === MsgType.CALL_WITH_FDS;
    return { what: `${v.name} ${what.join('+')}`, header: h, chunks: [f], check: isCall ? () => undefined : undefined };
  }

  /** a length the daemon cannot frame: it must close this connection (and only it) */
  badLength(): Msg {
    const len = this.pick([0, 3, 27, MESSAGE_MAX + 1, 0xffffffff, MESSAGE_MAX + 1 + this.int(0xffffffff - MESSAGE_MAX - 1)]);
    const b = Buffer.alloc(4 + this.int(40));
    b.writeUInt32BE(len, 0);
    return { what: `length ${len}`, chunks: [b] };
  }
}
