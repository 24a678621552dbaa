// One client of the libvirt RPC listener: splits its bytes into frames, answers keepalive
// pings, runs each CALL through its procedure's implementation (calls run concurrently and
// replies carry the call's serial, as with libvirtd), and routes STREAM frames to the
// stream the call opened. A frame that is wrong gets libvirt's error; only an impossible
// length ends the connection, since the byte stream cannot be resynchronised after it.
import type * as net from 'node:net';
import { dispatch, type Handlers } from '../dispatch.js';
import type { EventBus } from '../event-bus.js';
import type { MethodName, ParamsOf, ResultOf } from '../../protocol/methods.js';
import { XdrError, XdrReader, type XdrType } from '../../protocol/libvirt/xdr.js';
import {
  FrameReader, HEADER_LEN, KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, LEN_LEN,
  MessageError, MsgStatus, MsgType, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, decodeHeader, frame, type Header,
} from '../../protocol/libvirt/wire.js';
import { procName, procsByNumber } from '../../protocol/libvirt/procs-table.js';
import { RpcError, apiName, notSupported, toMessageError } from './rpc-errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { TsvirtError } from '../../util/errors.js';

/** what the RPC transport needs from the daemon; stream and event families add theirs */
export interface RpcDeps {
  handlers: Handlers;
  events: EventBus;
  impls: Impls;
  /** everything else an implementation needs (console opener, volume streams), by name */
  extras: Record<string, unknown>;
}

/** receives the STREAM frames a client sends for one open stream */
export interface StreamSink {
  /** data (status CONTINUE), end (OK), abort (ERROR), hole (STREAM_HOLE) */
  onFrame(h: Header, body: Buffer): void;
  /** the connection went away */
  onClose(): void;
}

// calls that may come before CONNECT_OPEN (libvirt's remote driver sends them first)
const BEFORE_OPEN = new Set([1, 60, 66]);

export class RpcConnection {
  opened = false;
  uri = '';
  private readonly frames = new FrameReader();
  private readonly streams = new Map<number, StreamSink>();
  private readonly closeHooks: Array<() => void> = [];
  private closed = false;

  constructor(readonly socket: net.Socket, readonly deps: RpcDeps, readonly readonly: boolean) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHooks.push(fn);
  }

  /** routes the client's STREAM frames with this serial to sink until removed */
  addStream(serial: number, sink: StreamSink): void {
    this.streams.set(serial, sink);
  }
  removeStream(serial: number): void {
    this.streams.delete(serial);
  }

  send(buf: Buffer): boolean {
    if (this.closed) return false;
    return this.socket.write(buf);
  }

  /** an async message (events): type MESSAGE, serial 0 */
  sendMessage<T>(proc: number, t: XdrType<T>, value: T): void {
    this.send(frame({ prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc, type: MsgType.MESSAGE, serial: 0, status: MsgStatus.OK }, (w) => t.encode(w, value)));
  }

  /** a STREAM frame for the stream opened by call (proc, serial) */
  sendStream(proc: number, serial: number, status: number, body?: Buffer | MessageError, type: number = MsgType.STREAM): boolean {
    return this.send(frame({ prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc, type, serial, status }, (w) => {
      if (Buffer.isBuffer(body)) w.raw(body); // stream data goes raw: no length, no padding
      else if (body) MessageError.encode(w, body);
    }));
  }

  private onData(d: Buffer): void {
    let got: Buffer[];
    try {
      got = this.frames.push(d);
    } catch {
      // a length libvirt refuses too: nothing after it can be framed again
      this.socket.destroy();
      return;
    }
    for (const f of got) this.onFrame(f);
  }

  private onFrame(f: Buffer): void {
    const h = decodeHeader(f);
    const body = f.subarray(LEN_LEN + HEADER_LEN);
    if (h.prog === KEEPALIVE_PROGRAM && h.vers === KEEPALIVE_PROTOCOL_VERSION) {
      if (h.type === MsgType.MESSAGE && h.proc === KEEPALIVE_PROC_PING) {
        this.send(frame({ prog: KEEPALIVE_PROGRAM, vers: KEEPALIVE_PROTOCOL_VERSION, proc: KEEPALIVE_PROC_PONG, type: MsgType.MESSAGE, serial: 0, status: MsgStatus.OK }));
      }
      return;
    }
    const isCall = h.type === MsgType.CALL || h.type === MsgType.CALL_WITH_FDS;
    if (h.prog !== REMOTE_PROGRAM || h.vers !== REMOTE_PROTOCOL_VERSION) {
      if (isCall) this.replyError(h, new RpcError(`Cannot find program ${h.prog} version ${h.vers}`));
      return;
    }
    if (h.type === MsgType.STREAM || h.type === MsgType.STREAM_HOLE) {
      // data for a stream that has ended is dropped, as libvirtd does
      this.streams.get(h.serial)?.onFrame(h, body);
      return;
    }
    if (!isCall) return;
    void this.onCall(h, body);
  }

  private async onCall(h: Header, body: Buffer): Promise<void> {
    const after: Array<() => void> = [];
    try {
      if (h.status !== MsgStatus.OK) throw new RpcError(`Unexpected message status ${h.status}`);
      const def = procsByNumber.get(h.proc);
      const name = def?.name ?? procName(h.proc);
      if (!name) throw new RpcError(`unknown procedure: ${h.proc}`);
      const impl = def && (this.deps.impls as Record<string, ((a: unknown, c: RpcContext) => unknown) | undefined>)[name];
      if (!def || !impl) throw notSupported(name);
      if (!this.opened && !BEFORE_OPEN.has(h.proc)) throw new TsvirtError('internal-error', 'connection not open');
      let args: unknown;
      try {
        const r = new XdrReader(body);
        args = def.args.decode(r);
        if (r.remaining !== 0) throw new XdrError(`${r.remaining} bytes left over`);
      } catch (e) {
        throw new RpcError(`Unable to decode message payload: ${(e as Error).message}`);
      }
      const ctx: RpcContext = {
        conn: this,
        header: h,
        call: <M extends MethodName>(method: M, params: ParamsOf<M>) => this.callApi(name, method, params) as Promise<ResultOf<M>>,
        afterReply: (fn) => after.push(fn),
      };
      const ret = await impl(args, ctx);
      this.send(frame({ ...h, type: MsgType.REPLY, status: MsgStatus.OK }, (w) => def.ret.encode(w, ret)));
      for (const fn of after) fn();
    } catch (e) {
      this.replyError(h, e);
    }
  }

  /** one API call; the read-only refusal names libvirt's API, as libvirtd's does */
  private async callApi(proc: string, method: MethodName, params: unknown): Promise<unknown> {
    try {
      return await dispatch(this.deps.handlers, method, params, { readonly: this.readonly });
    } catch (e) {
      if (e instanceof TsvirtError && e.code === 'operation-denied' && this.readonly) {
        throw new TsvirtError('operation-denied', `read only access prevents ${apiName(proc)}`);
      }
      throw e;
    }
  }

  private replyError(h: Header, e: unknown): void {
    this.send(frame({ ...h, type: MsgType.REPLY, status: MsgStatus.ERROR }, (w) => MessageError.encode(w, toMessageError(e))));
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onClose();
    this.streams.clear();
    for (const fn of this.closeHooks.splice(0)) {
      try {
        fn();
      } catch {
        // one broken hook must not keep the others from running
      }
    }
  }
}
