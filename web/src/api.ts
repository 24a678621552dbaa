// The browser's client of tsvirtd: the same /v1/<method> calls, /v1/events and
// /v1/console WebSockets as src/client (which needs node's unix socket), over fetch.
// The session cookie rides along on same-origin requests.
import type { MethodName, ParamsOf, ResultOf } from '../../src/protocol/methods.js';
import type { TsvirtEvent } from '../../src/protocol/types.js';

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

export async function call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  let res: Response;
  try {
    res = await fetch(`/v1/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...csrfHeader() },
      body: JSON.stringify(params ?? {}),
    });
  } catch {
    throw new ApiError('no-connect', 'cannot reach tsvirtd', 0);
  }
  const body = await res.json().catch(() => undefined);
  if (res.ok) return body as ResultOf<M>;
  if (res.status === 401) onLoggedOut();
  throw new ApiError(body?.error?.code ?? 'internal-error', body?.error?.message ?? `HTTP ${res.status}`, res.status);
}

/** the session's CSRF token (the tsvirt_csrf cookie, set at login), sent with every request that changes something */
export function csrfHeader(): Record<string, string> {
  const m = /(?:^|;\s*)tsvirt_csrf=([^;]*)/.exec(document.cookie);
  return m ? { 'x-tsvirt-csrf': decodeURIComponent(m[1]) } : {};
}

let loggedOutHandler: () => void = () => undefined;
function onLoggedOut(): void {
  loggedOutHandler();
}
export function setLoggedOutHandler(fn: () => void): void {
  loggedOutHandler = fn;
}

/** Methods the daemon offers (from its OpenAPI document): pages light up as their APIs land. */
export async function availableMethods(): Promise<Set<string>> {
  const res = await fetch('/v1/openapi.json');
  if (res.status === 401) onLoggedOut();
  if (!res.ok) return new Set();
  const doc = (await res.json()) as { paths?: Record<string, unknown> };
  return new Set(Object.keys(doc.paths ?? {}).map((p) => p.replace(/^\/v1\//, '')));
}

export function wsUrl(pathAndQuery: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${pathAndQuery}`;
}

/**
 * Subscribes to the daemon's events; reconnects with back-off when the socket drops,
 * and calls onReconnect so the page reloads what it may have missed.
 */
export function subscribeEvents(onEvent: (ev: TsvirtEvent) => void, onStatus: (connected: boolean) => void): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    ws = new WebSocket(wsUrl('/v1/events'));
    ws.onopen = () => {
      delay = 500;
      onStatus(true);
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as TsvirtEvent);
      } catch {
        // not an event: ignore
      }
    };
    ws.onclose = () => {
      onStatus(false);
      if (stopped) return;
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
