// libvirt's RPC framing (src/rpc/virnetprotocol.x): every message is a 4-byte big-endian
// length (counting itself), a 24-byte header, and an XDR body.
import { XdrError, XdrReader, XdrWriter, hyper, int, optional, string, struct, fixedOpaque, type Infer } from './xdr.js';

export const MESSAGE_MAX = 33554432; // VIR_NET_MESSAGE_MAX, the whole frame
export const HEADER_LEN = 24;
export const LEN_LEN = 4;
export const PAYLOAD_MAX = MESSAGE_MAX - HEADER_LEN - LEN_LEN;
export const NET_STRING_MAX = 4194304;
export const NUM_FDS_MAX = 32; // VIR_NET_MESSAGE_NUM_FDS_MAX

export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
/** libvirt-qemu's program (qemu_protocol.x): qemu-agent-command, qemu-monitor-command */
export const QEMU_PROGRAM = 0x20008087;
export const QEMU_PROTOCOL_VERSION = 1;
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

/** An impossible frame length; `frames` are the whole frames that came before it. */
export class FrameError extends XdrError {
  constructor(message: string, readonly frames: Buffer[]) {
    super(message);
    this.name = 'FrameError';
  }
}

/** bytes of a frame's length, program and version */
const FRAME_START = 12;

/** whether a frame header can start at `at`: a length libvirt takes, a known program, version 1 */
function frameStart(b: Buffer, at: number): boolean {
  const len = b.readUInt32BE(at);
  const prog = b.readUInt32BE(at + 4);
  return len >= LEN_LEN + HEADER_LEN && len <= MESSAGE_MAX && (prog === REMOTE_PROGRAM || prog === KEEPALIVE_PROGRAM || prog === QEMU_PROGRAM) && b.readUInt32BE(at + 8) === 1;
}

/**
 * Splits a byte stream into frames. A length below the header's or above MESSAGE_MAX
 * cannot be resynchronised: the caller drops the connection, as libvirtd does (after
 * answering the frames before it, which the FrameError carries).
 * A frame of type `fdType` (its body starts with its number of descriptors, N) is followed by
 * N zero bytes that carried the descriptors (SCM_RIGHTS; read without ancillary data, the
 * kernel closes them): they are skipped. They are told from a client that names descriptors
 * it never sends (a fuzzer) by what follows: a frame header right after the frame, or only
 * after N zero bytes. Nothing is closed for it; the call's reply says what is wrong.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private want = 0;
  /** descriptor bytes that may follow the last frame: decided once the next header is in */
  private fdBytes = 0;

  constructor(private readonly fdType: number = MsgType.CALL_WITH_FDS) {}

  /** feeds bytes; returns the complete frames, throws FrameError on an impossible length */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.have += data.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.fdBytes > 0) {
        const n = this.fdBytes;
        if (this.have < n + FRAME_START) break;
        const head = this.peek(n + FRAME_START);
        if (head.subarray(0, n).every((b) => b === 0) && !frameStart(head, 0) && frameStart(head, n)) this.take(n);
        this.fdBytes = 0;
      }
      if (this.want === 0) {
        if (this.have < LEN_LEN) break;
        const len = this.peekLength();
        if (len < LEN_LEN + HEADER_LEN || len > MESSAGE_MAX) {
          throw new FrameError(`packet ${len} bytes received from client is ${len > MESSAGE_MAX ? 'too large' : 'too small'}`, out);
        }
        this.want = len;
      }
      if (this.have < this.want) break;
      const f = this.take(this.want);
      out.push(f);
      this.want = 0;
      if (f.readInt32BE(LEN_LEN + 12) === this.fdType && f.length >= LEN_LEN + HEADER_LEN + 4) {
        const fds = f.readUInt32BE(LEN_LEN + HEADER_LEN);
        if (fds <= NUM_FDS_MAX) this.fdBytes = fds;
      }
    }
    return out;
  }

  /** bytes waiting for the rest of their frame */
  get buffered(): number {
    return this.have;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
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
