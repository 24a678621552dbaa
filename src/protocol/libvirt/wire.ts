// libvirt's RPC framing (src/rpc/virnetprotocol.x): every message is a 4-byte big-endian
// length (counting itself), a 24-byte header, and an XDR body.
import { XdrError, XdrReader, XdrWriter, hyper, int, optional, string, struct, fixedOpaque, type Infer } from './xdr.js';

export const MESSAGE_MAX = 33554432; // VIR_NET_MESSAGE_MAX, the whole frame
export const HEADER_LEN = 24;
export const LEN_LEN = 4;
export const PAYLOAD_MAX = MESSAGE_MAX - HEADER_LEN - LEN_LEN;
export const NET_STRING_MAX = 4194304;

export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROGRAM = 0x6b656570;
export const KEEPALIVE_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROC_PING = 1;
export const KEEPALIVE_PROC_PONG = 2;

export const MsgType = { CALL: 0, REPLY: 1, MESSAGE: 2, STREAM: 3, CALL_WITH_FDS: 4, REPLY_WITH_FDS: 5, STREAM_HOLE: 6 } as const;
export const MsgStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

export interface Header {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

const NonnullString = string(NET_STRING_MAX);
const OptString = optional(NonnullString);
const Uuid = fixedOpaque(16);

/** virNetMessageError: the body of every error reply */
export const MessageError = struct('virNetMessageError', {
  code: int,
  domain: int,
  message: OptString,
  level: int,
  dom: optional(struct('virNetMessageNonnullDomain', { name: NonnullString, uuid: Uuid, id: int })),
  str1: OptString,
  str2: OptString,
  str3: OptString,
  int1: int,
  int2: int,
  net: optional(struct('virNetMessageNonnullNetwork', { name: NonnullString, uuid: Uuid })),
});
export type MessageError = Infer<typeof MessageError>;

/** virStreamHole: a STREAM_HOLE body */
export const StreamHole = struct('virNetStreamHole', { length: hyper, flags: int });

export function decodeHeader(frame: Buffer): Header {
  const r = new XdrReader(frame.subarray(LEN_LEN, LEN_LEN + HEADER_LEN));
  return { prog: r.u32(), vers: r.u32(), proc: r.i32(), type: r.i32(), serial: r.u32(), status: r.i32() };
}

/** A whole frame: length, header, then the body that encodeBody writes. */
export function frame(h: Header, encodeBody?: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter(128);
  w.u32(0);
  w.u32(h.prog);
  w.u32(h.vers);
  w.i32(h.proc);
  w.i32(h.type);
  w.u32(h.serial);
  w.i32(h.status);
  encodeBody?.(w);
  if (w.length > MESSAGE_MAX) throw new XdrError(`message of ${w.length} bytes is over libvirt's limit of ${MESSAGE_MAX}`);
  w.setU32(0, w.length);
  return w.result();
}

/**
 * Splits a byte stream into frames. A length below the header's or above MESSAGE_MAX
 * cannot be resynchronised: the caller drops the connection, as libvirtd does.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private want = 0;

  /** feeds bytes; returns the complete frames, throws XdrError on an impossible length */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.have += data.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.want === 0) {
        if (this.have < LEN_LEN) break;
        const len = this.peekLength();
        if (len < LEN_LEN + HEADER_LEN || len > MESSAGE_MAX) {
          throw new XdrError(`packet ${len} bytes received from client is ${len > MESSAGE_MAX ? 'too large' : 'too small'}`);
        }
        this.want = len;
      }
      if (this.have < this.want) break;
      out.push(this.take(this.want));
      this.want = 0;
    }
    return out;
  }

  /** bytes waiting for the rest of their frame */
  get buffered(): number {
    return this.have;
  }

  private peekLength(): number {
    const head = this.chunks[0].length >= LEN_LEN ? this.chunks[0] : Buffer.concat(this.chunks);
    return head.readUInt32BE(0);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const f = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    return f;
  }
}
