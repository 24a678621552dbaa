// Hostile API input: generated JSON parameters for every method of the API (on the read-only
// socket every method may be called: writes are refused before they act; on the read-write
// socket only parameters the method's own schema refuses, so nothing is ever done), request
// bodies that are not JSON or not UTF-8, malformed HTTP, and malformed WebSocket frames on the
// event stream. Afterwards tsvirtd must answer as before, every refusal must have been a JSON
// error with a code, and the memory it holds after a garbage collection within 10% of what it
// held after a warm-up round (its resident size is printed beside it: V8 keeps or returns heap
// pages as it likes, so RSS after the same work varies by a third). No network namespace: no
// call here may act (writes only on the read-only socket, or refused by their schema), and the
// daemon's inspector must be reachable on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { methods } from '../../src/protocol/methods.js';
import type { TestDaemon } from '../e2e/daemon.js';
import { heldMemory, startDaemonWithInspector } from '../e2e/daemon-heap.js';
import { mulberry32 } from '../e2e/rpc-fuzz-messages.js';
import { recordFigures } from './figures.js';

const COUNT = Number(process.env.FAULT_API_INPUTS ?? (process.env.FAULT_INPUTS ? 50_000 : 5_000));
const SEED = Number(process.env.FAULT_SEED ?? 20261206);
const INSPECTOR_PORT = 20_000 + ((process.pid + 7) % 20_000);
let d: TestDaemon;
const sock = (ro: boolean) => path.join(d.root, 'run/tsvirt', ro ? 'tsvirtd-ro.sock' : 'tsvirtd.sock');
const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.pid}/status`, 'utf8'))![1]);

const agent = (ro: boolean) => new http.Agent({ keepAlive: true, maxSockets: 4, socketPath: sock(ro) } as http.AgentOptions);

function post(a: http.Agent, ro: boolean, method: string, body: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: a, socketPath: sock(ro), method: 'POST', path: `/v1/${method}`, headers: { 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** raw bytes on a fresh connection; resolves with what came back (or '' when the daemon closed it) */
function raw(bytes: Buffer | string, waitMs = 200): Promise<string> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: sock(false) });
    let out = '';
    s.on('data', (c) => (out += c.toString('latin1')));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('connect', () => {
      s.write(bytes);
      setTimeout(() => s.destroy(), waitMs);
    });
  });
}

const HOSTILE_STRINGS = ['', 'x'.repeat(10_000), '../../etc/passwd', 'a/b', 'nul\u0000byte', 'line\nbreak', '<domain/>', '\ud800', '😀', ' ', '-1'];
const HOSTILE_VALUES: unknown[] = [null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, NaN, [], {}, [[[[[]]]]], { __proto__: { x: 1 } }, 'constructor'];

function value(r: () => number, depth = 0): unknown {
  const k = r();
  if (k < 0.35) return HOSTILE_STRINGS[Math.floor(r() * HOSTILE_STRINGS.length)];
  if (k < 0.7 || depth > 3) return HOSTILE_VALUES[Math.floor(r() * HOSTILE_VALUES.length)];
  if (k < 0.85) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [['domain', 'xml', 'pool', 'vol', 'name', 'flags', '__proto__', 'constructor'][Math.floor(r() * 8)] ?? `k${i}`, value(r, depth + 1)]));
}

/** parameters for a method: its own keys with hostile values, some dropped, some extra */
function params(r: () => number, m: keyof typeof methods): unknown {
  const shape = (methods[m].params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(shape)) if (r() < 0.8) out[k] = value(r);
  if (r() < 0.2) out[`extra${Math.floor(r() * 9)}`] = value(r);
  return r() < 0.05 ? value(r) : out;
}

before(async () => {
  d = await startDaemonWithInspector(INSPECTOR_PORT);
});

after(async () => {
  await d?.stop();
});

test(`${COUNT} hostile API calls (seed ${SEED}) and malformed HTTP and WebSocket input: clear errors, no crash, memory back`, async () => {
  const names = Object.keys(methods) as Array<keyof typeof methods>;
  const ro = agent(true), rw = agent(false);
  const listBefore = (await post(rw, false, 'domain.list', '{}')).body;
  let refused = 0, answered = 0, unclear = 0, rwCalls = 0;
  const unclearList: string[] = [];
  const round = async (r: () => number, n: number) => {
    for (let i = 0; i < n; i++) {
      const m = names[Math.floor(r() * names.length)]!;
      let body: string | Buffer = JSON.stringify(params(r, m)) ?? 'null';
      const twist = r();
      if (twist < 0.05) body = body.slice(0, Math.floor(r() * body.length));
      else if (twist < 0.08) body = Buffer.concat([Buffer.from(body), Buffer.from([0xc3, 0x28])]);
      else if (twist < 0.1) body = '['.repeat(5000) + ']'.repeat(5000);
      // the read-write socket only gets what the method's schema refuses: nothing there is carried out
      const onRw = r() < 0.3 && typeof body === 'string' && !methods[m].params.safeParse(safeJson(body)).success;
      if (onRw) rwCalls++;
      const res = await post(onRw ? rw : ro, !onRw, m, body);
      if (res.status === 200) { answered++; continue; }
      let code: unknown;
      try { code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code; } catch { code = undefined; }
      if (typeof code === 'string' && code) refused++;
      else { unclear++; if (unclearList.length < 5) unclearList.push(`${m} ${res.status}: ${res.body.slice(0, 100)}`); }
    }
  };
  // the warm-up (another seed) loads and jits every path; what the daemon holds then is the baseline
  await round(mulberry32(SEED + 1), Math.ceil(COUNT / 5));
  const heldBefore = await heldMemory(d.pid, INSPECTOR_PORT);
  const rssBefore = rssKiB();
  refused = answered = unclear = rwCalls = 0;
  const r = mulberry32(SEED);
  await round(r, COUNT);
  // malformed HTTP and WebSocket input on the read-write socket
  const malformed = [
    'GARBAGE\r\n\r\n', 'POST /v1/domain.list HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n{}',
    'POST /v1/domain.list HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`,
    `GET / HTTP/1.1\r\n${'X-H: v\r\n'.repeat(5000)}\r\n`, 'GET / HTTP/9.9\r\n\r\n', '\u0000\u0001\u0002\u00ff',
    'GET /v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13\r\n\r\n',
  ];
  const wsOpen = 'GET /v1/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  for (const frame of [[0x8f, 0x80, 1, 2, 3, 4], [0x81, 0x05, 0x41, 0x41, 0x41, 0x41, 0x41], [0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x89, 0xfe, 0xff, 0xff, 0, 0, 0, 0], [0x03, 0x80, 0, 0, 0, 0]]) {
    malformed.push(wsOpen + Buffer.from(frame).toString('latin1'));
  }
  for (const m of malformed) await raw(Buffer.from(m, 'latin1'));
  for (let i = 0; i < 200; i++) await raw(Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256))), 20);
  // the daemon answers as before, changed nothing, and holds what it held
  assert.equal((await post(rw, false, 'domain.list', '{}')).body, listBefore);
  ro.destroy(); rw.destroy();
  const heldAfter = await heldMemory(d.pid, INSPECTOR_PORT);
  const rssAfter = rssKiB();
  const kib = (b: number) => Math.round(b / 1024);
  recordFigures('api-fuzz', {
    seed: SEED, calls: COUNT, onReadWriteSocket: rwCalls, answered, refusedWithCode: refused, unclear, malformedHttpAndWs: malformed.length + 200,
    heldBeforeKiB: kib(heldBefore.held), heldAfterKiB: kib(heldAfter.held), rssBeforeKiB: rssBefore, rssAfterKiB: rssAfter,
  });
  assert.deepEqual(unclearList, [], `${unclear} refusals without a JSON error code`);
  assert.ok(refused > COUNT / 2, `most hostile calls are refused (${refused} of ${COUNT})`);
  assert.ok(heldAfter.held <= heldBefore.held * 1.1, `tsvirtd's live memory grew from ${kib(heldBefore.held)} to ${kib(heldAfter.held)} KiB`);
});

function safeJson(s: string): unknown {
  try { return JSON.parse(s); } catch { return undefined; }
}
