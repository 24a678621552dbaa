// Typed SDK over tsvirtd's API: one HTTP connection (kept alive) on the daemon's unix socket.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import type WebSocket from 'ws';
import type { MethodName, ParamsOf, ResultOf } from '../protocol/methods.js';
import { API_PREFIX, CONSOLE_PATH, EVENTS_PATH } from '../protocol/paths.js';
import { resolveUri, type ResolvedUri } from '../protocol/uri.js';
import { TsvirtError, type ErrorCode } from '../protocol/errors.js';
import type { TsvirtEvent } from '../protocol/types.js';

export interface ConnectOptions {
  uri?: string;
  readonly?: boolean;
}

export class Client {
  readonly target: ResolvedUri;
  private readonly agent: http.Agent;

  constructor(opts: ConnectOptions = {}) {
    this.target = resolveUri(opts.uri, opts.readonly);
    // calls in flight at once each get a connection (HTTP/1.1 answers one request per
    // connection at a time): a small cap would queue parallel starts behind each other
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 8 });
  }

  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const body = JSON.stringify(params ?? {});
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.target.socket,
          path: API_PREFIX + method,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let parsed: any;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString() || '{}');
            } catch {
              reject(new TsvirtError('internal-error', `malformed reply from tsvirtd (HTTP ${res.statusCode})`));
              return;
            }
            if (res.statusCode === 200) resolve(parsed as ResultOf<M>);
            else {
              const e = parsed?.error;
              reject(new TsvirtError((e?.code as ErrorCode) ?? 'internal-error', e?.message ?? `HTTP ${res.statusCode}`));
            }
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.connectError(e)));
      req.end(body);
    });
  }

  private connectError(e: NodeJS.ErrnoException): TsvirtError {
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
      return new TsvirtError('no-connect', `failed to connect to the hypervisor: cannot reach tsvirtd at '${this.target.socket}' (is tsvirtd running?)`);
    }
    if (e.code === 'EACCES') {
      return new TsvirtError('no-connect', `failed to connect to the hypervisor: permission denied on '${this.target.socket}'`);
    }
    return new TsvirtError('no-connect', `failed to connect to the hypervisor: ${e.message}`);
  }

  /** Opens a WebSocket on the daemon socket (events, console). */
  openSocket(pathAndQuery: string): WebSocket {
    // ws loads only when a socket is opened: most CLI commands never need it
    const WS = createRequire(import.meta.url)('ws') as typeof WebSocket;
    return new WS(`ws+unix://${this.target.socket}:${pathAndQuery}`);
  }

  /** Subscribes to events; resolves once the subscription is live. Call the returned close() to stop. */
  events(onEvent: (ev: TsvirtEvent) => void): Promise<{ close: () => void; closed: Promise<void> }> {
    const ws = this.openSocket(EVENTS_PATH);
    return new Promise((resolve, reject) => {
      let closedResolve!: () => void;
      const closed = new Promise<void>((r) => (closedResolve = r));
      ws.on('message', (data) => onEvent(JSON.parse(data.toString()) as TsvirtEvent));
      ws.once('open', () => resolve({ close: () => ws.close(), closed }));
      ws.on('close', () => closedResolve());
      ws.once('error', (e: NodeJS.ErrnoException) => reject(this.connectError(e)));
    });
  }

  /** Attaches to a domain's character device; bytes flow both ways over the returned socket. */
  console(domain: string, dev?: string, force?: boolean): WebSocket {
    const q = new URLSearchParams({ domain });
    if (dev) q.set('dev', dev);
    if (force) q.set('force', '1');
    return this.openSocket(`${CONSOLE_PATH}?${q}`);
  }

  close(): void {
    this.agent.destroy();
  }
}
