// One client of the libvirt RPC listener: splits its bytes into frames, answers keepalive
// pings, runs each CALL through its procedure's implementation (calls run concurrently and
// replies carry the call's serial, as with libvirtd), and routes STREAM frames to the
// stream the call opened. A frame that is wrong gets libvirt's error; only an impossible
// length ends the connection, since the byte stream cannot be resynchronised after it.
// A client that sends calls faster than it reads the replies is not read from until it
// catches up (as libvirtd's max_client_requests), so it cannot make the daemon buffer
// without bound.
// A reply that carries descriptors (REPLY_WITH_FDS) is followed by them, sent out of band
// (fd-pass.ts); every other frame is held back until they are out, since a client reads
// them right after that reply's last byte.
import type * as net from 'node:net';
import { dispatch, type Handlers } from '../dispatch.js';
import type { EventBus } from '../event-bus.js';
import type { MethodName, ParamsOf, ResultOf } from '../../protocol/methods.js';
import { XdrError, XdrReader, type XdrType } from '../../protocol/libvirt/xdr.js';
import {
  FrameError, FrameReader, HEADER_LEN, KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, LEN_LEN,
  MessageError, MsgStatus, MsgType, NUM_FDS_MAX, QEMU_PROGRAM, QEMU_PROTOCOL_VERSION, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, decodeHeader, frame, type Header,
} from '../../protocol/libvirt/wire.js';
import { procName, procsByNumber } from '../../protocol/libvirt/procs-table.js';
import { qemuProcName, qemuProcsByNumber } from '../../protocol/libvirt/procs-qemu.js';
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

/** descriptors a reply carries */
export interface ReplyFds {
  readonly count: number;
  /** sends them over the client's socket after the reply; lets go of them in the end, sent or not */
  send(socket: net.Socket): Promise<void>;
  /** the reply did not go out: lets go of them */
  drop(): void;
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
/** calls of one client running at once before its socket is no longer read */
const MAX_CALLS = 32;
/** bytes waiting to go to a client before its socket is no longer read */
const MAX_QUEUED = 8 * 1024 * 1024;
/** the longest text of an error reply: a message that quotes a huge argument is cut */
const ERROR_TEXT_MAX = 65536;

export class RpcConnection {
  opened = false;
  uri = '';
  private readonly frames = new FrameReader();
  private readonly streams = new Map<number, StreamSink>();
  private readonly closeHooks: Array<() => void> = [];
  private closed = false;
  /** an impossible length was read: answer what came before it, then close */
  private broken = false;
  private ending = false;
  private calls = 0;
  private paused = false;
  /** descriptors the replies of running calls carry (attachFds) */
  private readonly replyFds = new Map<Header, ReplyFds>();
  /** frames held back while a reply's descriptors go out (null: none are) */
  private held: Array<{ buf: Buffer; fds?: ReplyFds }> | null = null;

  constructor(readonly socket: net.Socket, readonly deps: RpcDeps, readonly readonly: boolean) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.throttle());
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
    if (this.held) {
      this.held.push({ buf });
      return true;
    }
    return this.socket.write(buf);
  }

  /** the reply to the call with this header carries these descriptors (an impl says so before it returns) */
  attachFds(call: Header, fds: ReplyFds): void {
    this.replyFds.get(call)?.drop();
    this.replyFds.set(call, fds);
  }

  private takeFds(call: Header): ReplyFds | undefined {
    const fds = this.replyFds.get(call);
    this.replyFds.delete(call);
    return fds;
  }

  /** writes a REPLY_WITH_FDS, then its descriptors, holding every later frame until they are out */
  private sendWithFds(buf: Buffer, fds: ReplyFds): void {
    if (this.closed) return fds.drop();
    if (this.held) return void this.held.push({ buf, fds });
    this.held = [];
    // the callback runs once the reply is in the kernel: the descriptors' bytes come after it
    this.socket.write(buf, (err) => {
      if (err) return fds.drop();
      // a client that misses its descriptors cannot read on: the connection ends
      fds.send(this.socket).then(() => this.release(), () => this.socket.destroy());
    });
  }

  private release(): void {
    const q = this.held ?? [];
    this.held = null;
    for (let i = 0; i < q.length; i++) {
      const { buf, fds } = q[i]!;
      if (this.closed) {
        fds?.drop();
      } else if (fds) {
        this.sendWithFds(buf, fds);
        this.held!.push(...q.slice(i + 1));
        return;
      } else {
        this.socket.write(buf);
      }
    }
    // a socket handed to a child process is no longer read (Node stops it): read it again
    if (!this.closed && !this.paused && !this.broken) this.socket.resume();
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
    if (this.broken) return;
    let got: Buffer[];
    try {
      got = this.frames.push(d);
    } catch (e) {
      // a length libvirt refuses too: nothing after it can be framed again
      this.broken = true;
      got = e instanceof FrameError ? e.frames : [];
    }
    for (const f of got) {
      try {
        this.onFrame(f);
      } catch {
        // a stream sink that throws must not take the daemon down; the stream's own end reports it
      }
    }
    this.throttle();
  }

  /** stops reading while the client has too much running or unread; ends a broken one when its calls are answered */
  private throttle(): void {
    if (this.closed) return;
    if (this.broken) {
      if (this.calls > 0) return void this.socket.pause();
      if (this.ending) return;
      this.ending = true;
      // the replies go out first; a client that does not read them is cut off soon after
      this.socket.end(() => this.socket.destroy());
      setTimeout(() => this.socket.destroy(), 5000).unref();
      return;
    }
    const busy = this.calls >= MAX_CALLS || this.socket.writableLength > MAX_QUEUED;
    if (busy && !this.paused) this.socket.pause();
    else if (!busy && this.paused) this.socket.resume();
    this.paused = busy;
  }

  private onFrame(f: Buffer): void {
    const h = decodeHeader(f);
    const body = f.subarray(LEN_LEN + HEADER_LEN);
    // keepalive is messages only; a CALL to its program is an unknown program, as in libvirtd
    if (h.prog === KEEPALIVE_PROGRAM && h.vers === KEEPALIVE_PROTOCOL_VERSION && h.type === MsgType.MESSAGE) {
      if (h.proc === KEEPALIVE_PROC_PING) {
        this.send(frame({ prog: KEEPALIVE_PROGRAM, vers: KEEPALIVE_PROTOCOL_VERSION, proc: KEEPALIVE_PROC_PONG, type: MsgType.MESSAGE, serial: 0, status: MsgStatus.OK }));
      }
      return;
    }
    const isCall = h.type === MsgType.CALL || h.type === MsgType.CALL_WITH_FDS;
    const qemuProgram = h.prog === QEMU_PROGRAM && h.vers === QEMU_PROTOCOL_VERSION; // calls only: it has no streams
    if (qemuProgram && isCall) {
      this.startCall(h, body);
      return;
    }
    if (h.prog !== REMOTE_PROGRAM || h.vers !== REMOTE_PROTOCOL_VERSION) {
      // libvirt prints both as signed ints
      if (isCall) this.replyError(h, new RpcError(`Cannot find program ${h.prog | 0} version ${h.vers | 0}`));
      return;
    }
    if (h.type === MsgType.STREAM || h.type === MsgType.STREAM_HOLE) {
      // data for a stream that has ended is dropped, as libvirtd does
      this.streams.get(h.serial)?.onFrame(h, body);
      return;
    }
    if (!isCall) return;
    this.startCall(h, body);
  }

  private startCall(h: Header, body: Buffer): void {
    this.calls++;
    void this.onCall(h, body).catch(() => undefined).finally(() => {
      this.calls--;
      this.throttle();
    });
  }

  private async onCall(h: Header, body: Buffer): Promise<void> {
    const after: Array<() => void> = [];
    let fds: ReplyFds | undefined;
    try {
      if (h.status !== MsgStatus.OK) throw new RpcError(`Unexpected message status ${h.status >>> 0}`);
      const qemu = h.prog === QEMU_PROGRAM;
      const def = (qemu ? qemuProcsByNumber : procsByNumber).get(h.proc);
      const name = def?.name ?? (qemu ? qemuProcName(h.proc) : procName(h.proc));
      if (!name) throw new RpcError(`unknown procedure: ${h.proc}`);
      const impl = def && (this.deps.impls as Record<string, ((a: unknown, c: RpcContext) => unknown) | undefined>)[name];
      if (!def || !impl) throw notSupported(name);
      if (!this.opened && (qemu || !BEFORE_OPEN.has(h.proc))) throw new TsvirtError('internal-error', 'connection not open');
      let args: unknown;
      try {
        const r = new XdrReader(body);
        if (h.type === MsgType.CALL_WITH_FDS) {
          const nfds = r.u32();
          if (nfds > NUM_FDS_MAX) throw new XdrError(`Received too many FDs ${nfds}, expected ${NUM_FDS_MAX} maximum`);
          // Node reads the socket without ancillary data: the kernel closed the descriptors
          if (nfds > 0) throw new TsvirtError('operation-unsupported', `tsvirtd cannot receive file descriptors (${apiName(name)})`);
        }
        args = def.args.decode(r);
        if (r.remaining !== 0) throw new XdrError(`${r.remaining} bytes left over`);
      } catch (e) {
        if (e instanceof TsvirtError) throw e;
        throw new RpcError(`Unable to decode message payload: ${(e as Error).message}`);
      }
      const ctx: RpcContext = {
        conn: this,
        header: h,
        call: <M extends MethodName>(method: M, params: ParamsOf<M>) => this.callApi(name, method, params) as Promise<ResultOf<M>>,
        afterReply: (fn) => after.push(fn),
      };
      const ret = await impl(args, ctx);
      fds = this.takeFds(h);
      const reply = frame({ ...h, type: fds ? MsgType.REPLY_WITH_FDS : MsgType.REPLY, status: MsgStatus.OK }, (w) => {
        if (fds) w.u32(fds.count); // the number of descriptors comes before the return value
        def.ret.encode(w, ret);
      });
      if (fds) this.sendWithFds(reply, fds);
      else this.send(reply);
    } catch (e) {
      (fds ?? this.takeFds(h))?.drop();
      this.replyError(h, e);
      return;
    }
    // after the one reply: a hook that fails must not send a second one for the same serial
    for (const fn of after) {
      try {
        fn();
      } catch {
        // the hook's stream reports its own failure
      }
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
    const err = toMessageError(e);
    const cut = (s: string | null) => (s !== null && s.length > ERROR_TEXT_MAX ? `${s.slice(0, ERROR_TEXT_MAX)}...` : s);
    const fitted = { ...err, message: cut(err.message), str1: cut(err.str1), str2: cut(err.str2), str3: cut(err.str3) };
    this.send(frame({ ...h, type: MsgType.REPLY, status: MsgStatus.ERROR }, (w) => MessageError.encode(w, fitted)));
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onClose();
    this.streams.clear();
    for (const { fds } of this.held?.splice(0) ?? []) fds?.drop();
    for (const fn of this.closeHooks.splice(0)) {
      try {
        fn();
      } catch {
        // one broken hook must not keep the others from running
      }
    }
  }
}
