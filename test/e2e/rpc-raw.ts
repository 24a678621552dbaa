// A bare libvirt-protocol client for tests that send what no real client would: frames are
// written as given, replies are matched to calls by serial, and the harness can see when
// the daemon closes the connection.
import * as net from 'node:net';
import { FrameReader, HEADER_LEN, LEN_LEN, MessageError, MsgType, decodeHeader, frame, type Header } from '../../src/protocol/libvirt/wire.js';
import { decode } from '../../src/protocol/libvirt/xdr.js';

export interface Reply {
  h: Header;
  body: Buffer;
  /** the decoded error of a status ERROR reply */
  error?: MessageError;
}

/** a frame with the given header and body bytes (the length is computed) */
export function rawFrame(h: Header, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(frame(h, (w) => w.raw(body)));
}

interface Pending {
  h: Header;
  what: string;
  resolve(r: Reply): void;
}

export class RawConn {
  readonly sock: net.Socket;
  closed = false;
  readonly closedP: Promise<void>;
  /** problems seen while reading: replies nobody waited for, undecodable errors */
  readonly problems: string[] = [];
  private readonly frames = new FrameReader();
  private readonly pending = new Map<number, Pending[]>();

  private constructor(sock: net.Socket) {
    this.sock = sock;
    this.closedP = new Promise((r) => sock.once('close', () => { this.closed = true; r(); }));
    sock.on('error', () => { /* a reset by the daemon is seen as close */ });
    sock.on('data', (d: Buffer) => {
      let got: Buffer[];
      try { got = this.frames.push(d); } catch (e) { this.problems.push(`daemon sent a bad frame: ${(e as Error).message}`); return; }
      for (const f of got) this.onFrame(f);
    });
  }

  static open(path: string): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(path, () => { s.off('error', reject); resolve(new RawConn(s)); });
      s.once('error', reject);
    });
  }

  get waiting(): number {
    let n = 0;
    for (const l of this.pending.values()) n += l.length;
    return n;
  }

  /** registers that a REPLY with h's serial (and prog, vers, proc) must come */
  expect(h: Header, what: string): Promise<Reply> {
    return new Promise((resolve) => {
      const l = this.pending.get(h.serial) ?? [];
      l.push({ h, what, resolve });
      this.pending.set(h.serial, l);
    });
  }

  write(b: Buffer): void {
    if (!this.closed) this.sock.write(b);
  }

  /** what is still waiting for its reply */
  waitingFor(): string[] {
    return [...this.pending.values()].flat().map((p) => `${p.what} (serial ${p.h.serial}, proc ${p.h.proc})`);
  }

  close(): void {
    this.sock.destroy();
  }

  private onFrame(f: Buffer): void {
    const h = decodeHeader(f);
    if (h.type !== MsgType.REPLY) return; // keepalive pongs, events
    const body = f.subarray(LEN_LEN + HEADER_LEN);
    const l = this.pending.get(h.serial);
    const i = l?.findIndex((p) => p.h.prog === h.prog && p.h.vers === h.vers && p.h.proc === h.proc) ?? -1;
    if (!l || i < 0) {
      this.problems.push(`a reply nobody asked for: serial ${h.serial} prog ${h.prog} proc ${h.proc} status ${h.status}`);
      return;
    }
    const [p] = l.splice(i, 1);
    if (l.length === 0) this.pending.delete(h.serial);
    const r: Reply = { h, body };
    if (h.status === 1) {
      try { r.error = decode(MessageError, body); } catch (e) { this.problems.push(`${p!.what}: undecodable error body: ${(e as Error).message}`); }
    }
    p!.resolve(r);
  }
}
