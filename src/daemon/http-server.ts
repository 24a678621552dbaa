// The HTTP + WebSocket transport on a unix socket. Thin: it reads a request, makes
// one dispatch() call, and writes the result or the error. Events and consoles are
// WebSockets on the same socket.
import * as http from 'node:http';
import * as net from 'node:net';
import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_PREFIX, CONSOLE_PATH, EVENTS_PATH, METRICS_PATH, OPENAPI_PATH } from '../protocol/methods.js';
import { httpStatusOf } from '../protocol/http-status.js';
import { buildOpenApi } from '../protocol/openapi.js';
import { LIBVIRT_ERROR_NUMBER, TsvirtError, toTsvirtError } from '../util/errors.js';
import { dispatch, type Handlers } from './dispatch.js';
import type { EventBus } from './event-bus.js';

export interface ServerDeps {
  handlers: Handlers;
  events: EventBus;
  /** attaches a WebSocket to a domain's character device */
  openConsole: (ws: WebSocket, domain: string, dev: string | undefined, force: boolean) => void;
  version: string;
  /** byte-stream routes beside the JSON API (volume upload/download); true when handled */
  streams?: (req: http.IncomingMessage, res: http.ServerResponse, readonly: boolean) => Promise<boolean>;
  /** the Prometheus exposition of GET /metrics (metrics.ts) */
  metrics?: () => Promise<string>;
}

/** GET /metrics, on every listener that offers it */
export async function sendMetrics(deps: Pick<ServerDeps, 'metrics'>, res: http.ServerResponse): Promise<void> {
  if (!deps.metrics) throw new TsvirtError('no-support', 'no metrics on this daemon');
  const text = await deps.metrics();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const MAX_BODY = 16 * 1024 * 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function errorBody(e: TsvirtError): unknown {
  return { error: { code: e.code, number: LIBVIRT_ERROR_NUMBER[e.code] ?? 1, message: e.message } };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new TsvirtError('invalid-arg', 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      // JSON is UTF-8: bytes that are not would turn into U+FFFD unseen
      try {
        resolve(UTF8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new TsvirtError('invalid-arg', 'request body is not valid UTF-8'));
      }
    });
    req.on('error', reject);
  });
}

/** The JSON API, the OpenAPI document and the byte streams: one request handler, shared by every transport. */
export function apiRequestHandler(deps: ServerDeps, readonly: boolean): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  let openapi: unknown;
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === OPENAPI_PATH) {
        openapi ??= buildOpenApi(deps.version);
        return sendJson(res, 200, openapi);
      }
      if (req.method === 'GET' && url.pathname === METRICS_PATH) return await sendMetrics(deps, res);
      if (deps.streams && (await deps.streams(req, res, readonly))) return;
      if (req.method !== 'POST' || !url.pathname.startsWith(API_PREFIX)) {
        throw new TsvirtError('no-support', `no API at ${req.method} ${url.pathname}`);
      }
      const text = await readBody(req);
      let params: unknown;
      try {
        params = text ? JSON.parse(text) : {};
      } catch {
        throw new TsvirtError('invalid-arg', 'request body is not JSON');
      }
      const result = await dispatch(deps.handlers, url.pathname.slice(API_PREFIX.length), params, { readonly });
      sendJson(res, 200, result ?? {});
    } catch (e) {
      const err = toTsvirtError(e);
      sendJson(res, err.code === 'no-support' && /no API at/.test(err.message) ? 404 : httpStatusOf(err.code), errorBody(err));
    }
  };
}

/** The event and console WebSockets, shared by every transport. */
export function apiUpgradeHandler(deps: ServerDeps, readonly: boolean, wss: WebSocketServer): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === EVENTS_PATH) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const unsubscribe = deps.events.subscribe((ev) => ws.send(JSON.stringify(ev)));
        ws.on('close', unsubscribe);
        ws.on('error', unsubscribe);
      });
    } else if (url.pathname === CONSOLE_PATH) {
      if (readonly) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        deps.openConsole(ws, url.searchParams.get('domain') ?? '', url.searchParams.get('dev') ?? undefined, url.searchParams.get('force') === '1');
      });
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    }
  };
}

/** True when something accepts connections on the unix socket (a tsvirtd already serving it). */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: socketPath });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function listenUnix(socketPath: string, readonly: boolean, deps: ServerDeps): Promise<http.Server> {
  const server = http.createServer(apiRequestHandler(deps, readonly));
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', apiUpgradeHandler(deps, readonly, new WebSocketServer({ noServer: true })));

  await listenOnPath(server, socketPath, readonly);
  return server;
}

/** Binds a server to a unix socket path: read-write for root only, read-only for everyone (as libvirtd's). */
export async function listenOnPath(server: net.Server, socketPath: string, readonly: boolean): Promise<void> {
  await fs.rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await fs.chmod(socketPath, readonly ? 0o666 : 0o600);
}
