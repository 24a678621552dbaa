// Web UI login: `tsvirt ui` asks (on the read-write unix socket) for a one-time token;
// the browser trades it at /login for a session cookie. Both live in memory only, so a
// restarted tsvirtd forgets every session.
import { randomBytes } from 'node:crypto';
import { TsvirtError } from '../util/errors.js';

export const SESSION_COOKIE = 'tsvirt_session';
/** readable by the UI's script, which sends it back in CSRF_HEADER: a page of another site can do neither */
export const CSRF_COOKIE = 'tsvirt_csrf';
export const CSRF_HEADER = 'x-tsvirt-csrf';
const TOKEN_TTL_MS = 5 * 60_000;
const SESSION_TTL_MS = 12 * 3600_000;

export class WebAuth {
  /** http://ADDR:PORT once the web listener is up */
  baseUrl: string | undefined;
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, { expires: number; csrf: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  createLogin(): { token: string; url: string; expiresInSec: number } {
    if (!this.baseUrl) {
      throw new TsvirtError('operation-invalid', 'tsvirtd is not serving the web UI: start it with --listen-http 127.0.0.1:PORT');
    }
    this.prune();
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, this.now() + TOKEN_TTL_MS);
    return { token, url: `${this.baseUrl}/login?token=${token}`, expiresInSec: TOKEN_TTL_MS / 1000 };
  }

  /** Uses up a login token; returns a new session id, or undefined when the token is unknown or expired. */
  redeem(token: string): string | undefined {
    const expires = this.tokens.get(token);
    this.tokens.delete(token);
    if (expires === undefined || expires < this.now()) return undefined;
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(session, { expires: this.now() + SESSION_TTL_MS, csrf: randomBytes(24).toString('base64url') });
    return session;
  }

  /** True when the request's Cookie header carries a live session. */
  hasSession(cookieHeader: string | undefined): boolean {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id) return false;
    const s = this.sessions.get(id);
    if (s === undefined) return false;
    if (s.expires < this.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  /** True when a request that changes something carries its session's CSRF token in CSRF_HEADER. */
  csrfOk(cookieHeader: string | undefined, header: string | string[] | undefined): boolean {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    const s = id === undefined ? undefined : this.sessions.get(id);
    return s !== undefined && typeof header === 'string' && header === s.csrf;
  }

  logout(cookieHeader: string | undefined): void {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
  }

  sessionCookie(id: string): string {
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
  }

  /** the session's CSRF token as a cookie the UI's script reads (not HttpOnly) */
  csrfCookie(id: string): string {
    return `${CSRF_COOKIE}=${this.sessions.get(id)?.csrf ?? ''}; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
  }

  private prune(): void {
    const t = this.now();
    for (const [k, exp] of this.tokens) if (exp < t) this.tokens.delete(k);
    for (const [k, s] of this.sessions) if (s.expires < t) this.sessions.delete(k);
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
