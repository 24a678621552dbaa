// The web UI's transport: HTTP on a TCP address (tsvirtd --listen-http). The same API
// (apiRequestHandler / apiUpgradeHandler of http-server.ts) behind a session cookie,
// plus the VNC proxy and the built UI (dist/web) as static files. Without a session only
// /login answers.
import * as http from 'node:http';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_PREFIX, METRICS_PATH } from '../protocol/methods.js';
import { TsvirtError } from '../util/errors.js';
import { apiRequestHandler, apiUpgradeHandler, errorBody, sendJson, type ServerDeps } from './http-server.js';
import { CSRF_HEADER, type WebAuth } from './web-auth.js';

export const VNC_PATH = '/v1/vnc';
/** where `npm run build:web` puts the UI */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

export interface WebDeps extends ServerDeps {
  auth: WebAuth;
  openVnc: (ws: WebSocket, domain: string) => void;
  staticDir?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};
/** static files that hold nothing about the host */
const PUBLIC_FILES = new Set(['/favicon.ico']);
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/** Parses "HOST:PORT" ("[::1]:PORT" for IPv6). */
export function parseListenAddress(text: string, option = '--listen-http'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new TsvirtError('invalid-arg', `${option} '${text}': expected HOST:PORT, e.g. 127.0.0.1:8080`);
  return { host: m[1] ?? m[2], port };
}

function loginPage(status: number, message: string): { status: number; body: string } {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>tsvirt: log in</title>
<style>body{font:15px system-ui,sans-serif;background:#eef1f5;color:#1d2733;display:flex;justify-content:center;padding-top:12vh}
main{background:#fff;border:1px solid #d0d7e0;border-radius:8px;padding:28px 36px;max-width:460px}h1{font-size:20px;margin:0 0 12px}
code{background:#eef1f5;padding:2px 6px;border-radius:4px}</style></head>
<body><main><h1>tsvirt web console</h1><p>${message}</p><p>Run <code>tsvirt ui</code> on the host and open the link it prints.</p></main></body></html>`;
  return { status, body };
}

function sendHtml(res: http.ServerResponse, page: { status: number; body: string }, headers: Record<string, string> = {}): void {
  res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(page.body);
}

async function serveStatic(dir: string, pathname: string, res: http.ServerResponse): Promise<void> {
  const rel = path.normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = path.join(dir, rel);
  if (!file.startsWith(dir + path.sep) && file !== dir) file = path.join(dir, 'index.html');
  let data: Buffer;
  try {
    if ((await fs.stat(file)).isDirectory()) file = path.join(file, 'index.html');
    data = await fs.readFile(file);
  } catch {
    // client-side routes (/vm/NAME) get the app; a missing asset is a 404
    if (path.extname(pathname)) return void sendHtml(res, { status: 404, body: 'not found' });
    file = path.join(dir, 'index.html');
    try {
      data = await fs.readFile(file);
    } catch {
      return void sendHtml(res, loginPage(503, 'The web UI is not built: run <code>npm run build:web</code>.'));
    }
  }
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, { 'content-type': type, 'content-length': data.length, 'cache-control': cache, ...SECURITY_HEADERS });
  res.end(data);
}

/** A WebSocket from another site's page must not ride on the cookie. */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function listenHttp(addr: { host: string; port: number }, deps: WebDeps): Promise<http.Server> {
  const api = apiRequestHandler(deps, false);
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false) });
  const upgradeApi = apiUpgradeHandler(deps, false, wss);
  const dir = deps.staticDir ?? WEB_DIST;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/login') {
      const token = url.searchParams.get('token');
      if (!token) return sendHtml(res, loginPage(401, 'You are not logged in.'));
      const session = deps.auth.redeem(token);
      if (!session) return sendHtml(res, loginPage(401, 'This login link is invalid, used or expired.'));
      res.writeHead(303, { location: '/', 'set-cookie': [deps.auth.sessionCookie(session), deps.auth.csrfCookie(session)], 'cache-control': 'no-store' });
      return void res.end();
    }
    // the icon browsers ask for on every page, the login page too, is served without a session
    if (!PUBLIC_FILES.has(url.pathname) && !deps.auth.hasSession(req.headers.cookie)) {
      if (url.pathname.startsWith(API_PREFIX)) {
        return sendJson(res, 401, errorBody(new TsvirtError('auth-failed', 'not logged in: open the link printed by `tsvirt ui`')));
      }
      return sendHtml(res, loginPage(401, 'You are not logged in.'));
    }
    if (url.pathname === '/logout') {
      deps.auth.logout(req.headers.cookie);
      return sendHtml(res, loginPage(200, 'You are logged out.'), { 'set-cookie': deps.auth.sessionCookie('x').replace(/Max-Age=\d+/, 'Max-Age=0') });
    }
    if (url.pathname.startsWith(API_PREFIX) || url.pathname === METRICS_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req)) {
        return sendJson(res, 403, errorBody(new TsvirtError('operation-denied', 'cross-origin request refused')));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD' && !deps.auth.csrfOk(req.headers.cookie, req.headers[CSRF_HEADER])) {
        return sendJson(res, 403, errorBody(new TsvirtError('operation-denied', `request refused: the session's CSRF token is missing from the ${CSRF_HEADER} header or wrong`)));
      }
      return api(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendHtml(res, { status: 405, body: 'method not allowed' });
    await serveStatic(dir, url.pathname, res).catch(() => sendHtml(res, { status: 500, body: 'cannot read the UI files' }));
  });
  server.keepAliveTimeout = 60_000;

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!deps.auth.hasSession(req.headers.cookie) || !sameOrigin(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === VNC_PATH) {
      wss.handleUpgrade(req, socket, head, (ws) => deps.openVnc(ws, url.searchParams.get('domain') ?? ''));
    } else {
      upgradeApi(req, socket, head);
    }
  });

  return listenTcp(server, addr);
}

/** Binds a server to HOST:PORT; a bind error (address in use) rejects. */
export async function listenTcp(server: http.Server, addr: { host: string; port: number }): Promise<http.Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The URL a browser uses to reach a listening server. */
export function serverUrl(server: http.Server): string {
  const a = server.address();
  if (!a || typeof a === 'string') throw new TsvirtError('internal-error', 'web listener has no TCP address');
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
