// The server side of one libvirt stream (remote_daemon_stream.c's behaviour), opened by a
// call such as STORAGE_VOL_UPLOAD or DOMAIN_OPEN_CONSOLE and named by that call's proc and
// serial. Frames of type STREAM carry raw data with status CONTINUE; an empty CONTINUE
// from the daemon is end of data; the client's OK is its finish and its ERROR its abort,
// each answered with an empty OK once handled; a failure goes to the client as a STREAM
// frame with status ERROR and a remote_error body, which ends the stream. The client's
// data is handled in order, one frame at a time; while much of it waits, the connection
// stops reading (the client's sends then block, as against libvirtd). Data to the client
// waits for the socket to drain, so a slow client slows the producer.
import { MsgStatus, MsgType, StreamHole, type Header, type MessageError } from '../../protocol/libvirt/wire.js';
import { XdrReader } from '../../protocol/libvirt/xdr.js';
import type { RpcConnection } from './rpc-connection.js';
import { RpcError, toMessageError } from './rpc-errors.js';
import type { RpcContext } from './rpc-impl.js';

/** the largest data frame libvirtd sends (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX) */
export const STREAM_CHUNK = 262144;
/** client bytes waiting to be handled before the connection stops reading */
const RX_HIGH = 4 * 1024 * 1024;

export interface StreamHandler {
  /** the client's data, in order; the next frame waits for the returned promise */
  data?(chunk: Buffer): void | Promise<void>;
  /** a hole of `length` bytes (sparse streams only) */
  hole?(length: number): void | Promise<void>;
  /** the client's finish, after all its data: complete the work; a throw goes back to the client */
  finish?(): void | Promise<void>;
  /** the client's abort, the stream's failure, or the connection's end: stop and let go */
  abort?(): void;
}

/** streams of a connection that hold its reading paused */
const pausedBy = new WeakMap<RpcConnection, Set<RpcStream>>();

export class RpcStream {
  handler: StreamHandler = {};
  private readonly proc: number;
  private readonly serial: number;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;
  private started = false;
  private held: Array<[number, Buffer | MessageError]> = [];

  constructor(private readonly conn: RpcConnection, call: Header, private readonly holes = false) {
    this.proc = call.proc;
    this.serial = call.serial;
    conn.addStream(this.serial, { onFrame: (h, body) => this.onFrame(h, body), onClose: () => this.gone() });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** sends what was held back: data may only follow the reply of the opening call */
  start(): void {
    this.started = true;
    for (const [status, body] of this.held.splice(0)) this.conn.sendStream(this.proc, this.serial, status, body);
  }

  /** data to the client, in frames of at most STREAM_CHUNK; resolves once the socket took it */
  async send(data: Buffer): Promise<void> {
    for (let off = 0; off < data.length && !this.closed; off += STREAM_CHUNK) {
      const part = data.subarray(off, off + STREAM_CHUNK);
      if (!this.started) {
        this.held.push([MsgStatus.CONTINUE, part]);
        continue;
      }
      if (!this.conn.sendStream(this.proc, this.serial, MsgStatus.CONTINUE, part)) await this.drained();
    }
  }

  /** end of data (an empty CONTINUE, as libvirtd sends at EOF); the client then finishes */
  sendEof(): void {
    if (this.closed) return;
    if (this.started) this.conn.sendStream(this.proc, this.serial, MsgStatus.CONTINUE, Buffer.alloc(0));
    else this.held.push([MsgStatus.CONTINUE, Buffer.alloc(0)]);
  }

  /** ends the stream with an error the client reports (its next stream call fails with it) */
  fail(e: unknown): void {
    if (this.closed) return;
    // before the reply the error waits with the data, like everything else
    if (this.started) this.conn.sendStream(this.proc, this.serial, MsgStatus.ERROR, toMessageError(e));
    else this.held.push([MsgStatus.ERROR, toMessageError(e)]);
    this.close();
    this.handler.abort?.();
  }

  /** drops a stream whose opening call failed: nothing was sent, nothing will be */
  discard(): void {
    this.held = [];
    this.close();
  }

  private drained(): Promise<void> {
    const s = this.conn.socket;
    if (this.conn.isClosed || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  private onFrame(h: Header, body: Buffer): void {
    if (this.closed) return;
    if (h.type === MsgType.STREAM_HOLE) {
      if (!this.holes) return this.fail(new RpcError('Unexpected stream hole'));
      let length: bigint;
      try {
        const r = new XdrReader(body);
        length = StreamHole.decode(r).length;
      } catch (e) {
        return this.fail(new RpcError(`Unable to decode stream hole: ${(e as Error).message}`));
      }
      return this.enqueue(0, () => this.handler.hole?.(Number(length)));
    }
    if (h.status === MsgStatus.CONTINUE) {
      const chunk = Buffer.from(body); // a copy: the frame may be a view into a larger read kept alive by it
      return this.enqueue(chunk.length, () => this.handler.data?.(chunk));
    }
    if (h.status === MsgStatus.OK) {
      this.enqueue(0, async () => {
        await this.handler.finish?.();
        this.conn.sendStream(this.proc, this.serial, MsgStatus.OK);
        this.close();
      });
      return;
    }
    // ERROR is the client's abort, handled in order after the data before it (as libvirtd), then confirmed
    const unexpected = h.status !== MsgStatus.ERROR;
    this.enqueue(0, () => {
      this.close();
      this.handler.abort?.();
      if (unexpected) this.conn.sendStream(this.proc, this.serial, MsgStatus.ERROR, toMessageError(new RpcError(`stream aborted with unexpected status ${h.status}`)));
      else this.conn.sendStream(this.proc, this.serial, MsgStatus.OK);
    });
  }

  /** runs the client's frames one after the other; a failure ends the stream */
  private enqueue(bytes: number, job: () => void | Promise<void>): void {
    this.pending += bytes;
    if (this.pending > RX_HIGH) this.pause(true);
    this.queue = this.queue.then(async () => {
      try {
        if (this.closed) return;
        await job();
      } catch (e) {
        this.fail(e);
      } finally {
        this.pending -= bytes;
        if (this.pending <= RX_HIGH / 2) this.pause(false);
      }
    });
  }

  private pause(on: boolean): void {
    let set = pausedBy.get(this.conn);
    if (!set) pausedBy.set(this.conn, (set = new Set()));
    const had = set.size > 0;
    if (on) set.add(this);
    else set.delete(this);
    if (!had && set.size > 0) this.conn.socket.pause();
    if (had && set.size === 0) this.conn.socket.resume();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.removeStream(this.serial);
    this.pause(false);
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler.abort?.();
  }
}

/**
 * Opens the stream of the call being answered: its data starts flowing once the reply is
 * out. Create it last in an impl, when nothing can fail any more.
 */
export function openStream(ctx: RpcContext, opts: { holes?: boolean } = {}): RpcStream {
  const st = new RpcStream(ctx.conn, ctx.header, opts.holes);
  ctx.afterReply(() => st.start());
  return st;
}

