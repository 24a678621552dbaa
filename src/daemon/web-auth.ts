// Web UI login: `tsvirt ui` asks (on the read-write unix socket) for a one-time token;
// the browser trades it at /login for a session cookie. Both live in memory only, so a
// restarted tsvirtd forgets every session.
import { randomBytes } from 'node:crypto';
import { TsvirtError } from '../util/errors.js';

export const SESSION_COOKIE = 'tsvirt_session';
const TOKEN_TTL_MS = 5 * 60_000;
const SESSION_TTL_MS = 12 * 3600_000;

export class WebAuth {
  /** http://ADDR:PORT once the web listener is up */
  baseUrl: string | undefined;
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

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
    this.sessions.set(session, this.now() + SESSION_TTL_MS);
    return session;
  }

  /** True when the request's Cookie header carries a live session. */
  hasSession(cookieHeader: string | undefined): boolean {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires < this.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  logout(cookieHeader: string | undefined): void {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
  }

  sessionCookie(id: string): string {
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
  }

  private prune(): void {
    const t = this.now();
    for (const [k, exp] of this.tokens) if (exp < t) this.tokens.delete(k);
    for (const [k, exp] of this.sessions) if (exp < t) this.sessions.delete(k);
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
