import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebAuth, SESSION_COOKIE, cookieValue } from './web-auth.js';
import { parseListenAddress } from './web-server.js';

test('a login token is refused until the web listener is up', () => {
  assert.throws(() => new WebAuth().createLogin(), /--listen-http/);
});

test('a login token opens one session, once, within its lifetime', () => {
  let now = 1_000_000;
  const auth = new WebAuth(() => now);
  auth.baseUrl = 'http://127.0.0.1:8080';
  const { token, url } = auth.createLogin();
  assert.equal(url, `http://127.0.0.1:8080/login?token=${token}`);
  const session = auth.redeem(token);
  assert.ok(session);
  assert.equal(auth.redeem(token), undefined, 'used twice');
  const cookie = auth.sessionCookie(session);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.ok(auth.hasSession(`other=1; ${SESSION_COOKIE}=${session}`));
  assert.ok(!auth.hasSession(`${SESSION_COOKIE}=forged`));
  assert.ok(!auth.hasSession(undefined));
  const late = auth.createLogin().token;
  now += 6 * 60_000;
  assert.equal(auth.redeem(late), undefined, 'expired token');
  now += 13 * 3600_000;
  assert.ok(!auth.hasSession(`${SESSION_COOKIE}=${session}`), 'expired session');
});

test('logout ends the session', () => {
  const auth = new WebAuth();
  auth.baseUrl = 'http://x:1';
  const s = auth.redeem(auth.createLogin().token)!;
  auth.logout(`${SESSION_COOKIE}=${s}`);
  assert.ok(!auth.hasSession(`${SESSION_COOKIE}=${s}`));
});

test('cookieValue and parseListenAddress', () => {
  assert.equal(cookieValue('a=1; b = 2', 'b'), '2');
  assert.equal(cookieValue('a=1', 'b'), undefined);
  assert.deepEqual(parseListenAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListenAddress('8080'), /HOST:PORT/);
  assert.throws(() => parseListenAddress('h:99999'), /HOST:PORT/);
});

test('each session has its own CSRF token; a request needs the one of its session', () => {
  const auth = new WebAuth();
  auth.baseUrl = 'http://127.0.0.1:8080';
  const a = auth.redeem(auth.createLogin().token)!;
  const b = auth.redeem(auth.createLogin().token)!;
  const tokenOf = (s: string) => /tsvirt_csrf=([^;]+)/.exec(auth.csrfCookie(s))![1];
  assert.notEqual(tokenOf(a), tokenOf(b));
  assert.doesNotMatch(auth.csrfCookie(a), /HttpOnly/, 'the page must read it');
  assert.ok(auth.csrfOk(`${SESSION_COOKIE}=${a}`, tokenOf(a)));
  assert.ok(!auth.csrfOk(`${SESSION_COOKIE}=${a}`, tokenOf(b)), "another session's token");
  assert.ok(!auth.csrfOk(`${SESSION_COOKIE}=${a}`, undefined));
  assert.ok(!auth.csrfOk(undefined, tokenOf(a)));
});

test('a listen address names the option it came from', () => {
  assert.throws(() => parseListenAddress('nope', '--listen-metrics'), /^TsvirtError: --listen-metrics 'nope': expected HOST:PORT/);
  assert.deepEqual(parseListenAddress('127.0.0.1:9177', '--listen-metrics'), { host: '127.0.0.1', port: 9177 });
});
