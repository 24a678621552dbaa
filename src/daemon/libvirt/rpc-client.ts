// A client of libvirt's REMOTE program, on the same XDR and framing code as the server, so
// calls are typed by the same procedure table. It connects as virsh does (unix socket, TCP,
// TLS with libvirt's x509 files and its one-byte confirmation after the handshake, or ssh
// running nc on the other host: rpc-ssh.ts), then
// AUTH_LIST and CONNECT_OPEN; replies are matched to calls by serial, keepalive pings are
// answered, and error replies become TsvirtError with the remote code and message.
// tsvirtd uses it to call another daemon (peer-to-peer migration).
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { XdrReader } from '../../protocol/libvirt/xdr.js';
import {
  FrameReader, HEADER_LEN, KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, LEN_LEN,
  MessageError, MsgStatus, MsgType, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, decodeHeader, frame, type Header,
} from '../../protocol/libvirt/wire.js';
import { remoteProcs, type RemoteProcName } from '../../protocol/libvirt/procs-table.js';
import type { ArgsOf, ProcDef, RetOf } from '../../protocol/libvirt/procs.js';
import { LIBVIRT_TCP_PORT, LIBVIRT_TLS_PORT, parseLibvirtUri, resolveUri } from '../../protocol/uri.js';
import { LIBVIRT_ERROR_NUMBER, TsvirtError, type ErrorCode } from '../../util/errors.js';
import { loadTlsFiles, type TlsFiles } from '../tls-files.js';
import { sshTunnel } from './rpc-ssh.js';

export interface RpcClientOptions {
  /** client certificate files for qemu+tls:// when the URI has no pkipath */
  tls?: TlsFiles;
  /** for connecting and the opening calls (default 30 s) */
  timeoutMs?: number;
}

interface Pending {
  def: ProcDef;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const AUTH_NONE = 0;
const CODE_OF = new Map<number, ErrorCode>(Object.entries(LIBVIRT_ERROR_NUMBER).map(([c, n]) => [n, c as ErrorCode]));

/** a libvirt error reply as TsvirtError: the remote code (when tsvirt has it) and message */
export function fromMessageError(e: MessageError): TsvirtError {
  return new TsvirtError(CODE_OF.get(e.code) ?? 'internal-error', e.message ?? 'unknown error');
}

function closedError(): TsvirtError {
  return new TsvirtError('internal-error', 'client socket is closed');
}

export class RpcClient {
  /** the daemon's own client certificate (tsvirtd --tls-dir), for qemu+tls:// URIs without pkipath */
  static defaultTls: TlsFiles | undefined;
  private serial = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly frames = new FrameReader(MsgType.REPLY_WITH_FDS);
  private closed = false;
  private closing: Promise<void> | null = null;

  private constructor(private readonly socket: Duplex, readonly uri: string, private readonly why: () => string) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClosed());
    socket.resume(); // openSocket leaves it paused so no byte is missed
  }

  /** connects to uri, then AUTH_LIST (auth none) and CONNECT_OPEN with the URI's name, as virsh does */
  static async connect(uri: string, o: RpcClientOptions = {}): Promise<RpcClient> {
    const u = parseLibvirtUri(uri);
    const timeoutMs = o.timeoutMs ?? 30000;
    const { stream, why } = await openSocket(u, o, timeoutMs);
    const client = new RpcClient(stream, uri, why);
    try {
      await withTimeout((async () => {
        const auth = await client.call('AUTH_LIST', undefined);
        if (!auth.types.includes(AUTH_NONE)) throw new TsvirtError('auth-failed', `the server at ${uri} needs an authentication tsvirt does not have (types ${auth.types.join(', ')})`);
        await client.call('CONNECT_OPEN', { name: u.name, flags: 0 });
      })(), timeoutMs, `opening ${uri}`);
    } catch (e) {
      client.socket.destroy();
      throw e;
    }
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** one call of the REMOTE program; resolves with its typed return value */
  call<N extends RemoteProcName>(name: N, args: ArgsOf<(typeof remoteProcs)[N]>): Promise<RetOf<(typeof remoteProcs)[N]>> {
    const def = remoteProcs[name] as ProcDef;
    if (this.closed || this.closing) return Promise.reject(closedError());
    const serial = this.serial++;
    const h: Header = { prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc: def.num, type: MsgType.CALL, serial, status: MsgStatus.OK };
    let buf: Buffer;
    try {
      buf = frame(h, (w) => def.args.encode(w, args));
    } catch (e) {
      return Promise.reject(new TsvirtError('invalid-arg', `cannot encode ${name}: ${(e as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(serial, { def, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(buf);
    });
  }

  /** CONNECT_CLOSE, then the socket; a second close waits for the first */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.closed) return Promise.resolve();
    const p = this.call('CONNECT_CLOSE', undefined);
    const closing = withTimeout(p, 5000, 'closing').then(() => undefined, () => undefined).finally(() => {
      this.socket.destroy();
      this.onClosed();
    });
    this.closing = closing;
    return closing;
  }

  private onData(d: Buffer): void {
    let got: Buffer[];
    try {
      got = this.frames.push(d);
    } catch {
      // an impossible frame: nothing after it can be read
      this.socket.destroy();
      return;
    }
    for (const f of got) this.onFrame(f);
  }

  private onFrame(f: Buffer): void {
    const h = decodeHeader(f);
    const body = f.subarray(LEN_LEN + HEADER_LEN);
    if (h.prog === KEEPALIVE_PROGRAM && h.proc === KEEPALIVE_PROC_PING) {
      this.socket.write(frame({ prog: KEEPALIVE_PROGRAM, vers: KEEPALIVE_PROTOCOL_VERSION, proc: KEEPALIVE_PROC_PONG, type: MsgType.MESSAGE, serial: 0, status: MsgStatus.OK }));
      return;
    }
    if (h.prog !== REMOTE_PROGRAM || (h.type !== MsgType.REPLY && h.type !== MsgType.REPLY_WITH_FDS)) return; // events, streams: not used here
    const p = this.pending.get(h.serial);
    if (!p) return;
    this.pending.delete(h.serial);
    try {
      const r = new XdrReader(body);
      if (h.status === MsgStatus.ERROR) return p.reject(fromMessageError(MessageError.decode(r)));
      if (h.type === MsgType.REPLY_WITH_FDS) r.u32(); // descriptors cannot come over this socket
      p.resolve(p.def.ret.decode(r));
    } catch (e) {
      p.reject(new TsvirtError('internal-error', `Unable to decode message payload: ${(e as Error).message}`));
    }
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    const why = this.why();
    for (const p of this.pending.values()) p.reject(new TsvirtError('internal-error', `End of file while reading data: ${why ? `${why}: ` : ''}Input/output error`));
    this.pending.clear();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TsvirtError('operation-timeout', `${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** the connection to the daemon, given up after timeoutMs (TLS: once the server has taken our certificate) */
function openSocket(u: ReturnType<typeof parseLibvirtUri>, o: RpcClientOptions, timeoutMs: number): Promise<{ stream: Duplex; why: () => string }> {
  if (u.transport === 'ssh') {
    const t = sshTunnel(u);
    t.stream.pause();
    return Promise.resolve(t);
  }
  return new Promise<net.Socket>((resolve, reject) => {
    const fail = (e: Error) => reject(new TsvirtError('system-error', `unable to connect to server at '${u.host ? `${u.host}:${port}` : socketPath}': ${e.message}`));
    let port = 0;
    let socketPath = '';
    const limit = (s: net.Socket) => s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    const done = (s: net.Socket) => {
      s.setTimeout(0);
      s.pause();
      resolve(s);
    };
    if (u.transport === 'unix') {
      socketPath = u.params.get('socket') ?? resolveUri(`${u.driver}:///${u.path}`, u.params.get('mode') === 'ro').socket;
      const s = net.createConnection(socketPath, () => { s.off('error', fail); done(s); });
      s.once('error', fail);
      limit(s);
    } else if (u.transport === 'tcp') {
      port = u.port ?? LIBVIRT_TCP_PORT;
      const s = net.createConnection({ host: u.host, port }, () => { s.off('error', fail); done(s); });
      s.once('error', fail);
      limit(s);
    } else if (u.transport === 'tls') {
      port = u.port ?? LIBVIRT_TLS_PORT;
      let files: TlsFiles;
      try {
        const dir = u.params.get('pkipath');
        const given = o.tls ?? RpcClient.defaultTls;
        files = dir || !given ? loadTlsFiles('client', dir ?? undefined) : given;
      } catch (e) {
        return reject(e);
      }
      const s = tls.connect({ host: u.host, port, ca: files.ca, cert: files.cert, key: files.key, servername: net.isIP(u.host) ? undefined : u.host });
      s.once('error', fail);
      limit(s);
      // after the handshake the server checks our certificate and sends one byte: 1 when it takes us
      s.once('secureConnect', () => {
        s.once('data', (d: Buffer) => {
          s.off('error', fail);
          if (d[0] !== 1) {
            s.destroy();
            return reject(new TsvirtError('internal-error', 'server verification (of our certificate or IP address) failed'));
          }
          s.pause();
          if (d.length > 1) s.unshift(d.subarray(1));
          done(s);
        });
      });
      s.once('close', () => reject(new TsvirtError('internal-error', 'server verification (of our certificate or IP address) failed')));
    } else {
      reject(new TsvirtError('no-support', `transport '${u.transport}' is not supported by tsvirt's RPC client`));
    }
  }).then((stream) => ({ stream, why: () => '' }));
}
