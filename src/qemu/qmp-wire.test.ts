// QMP framing over a real unix socket pair (a net server and a client); no QEMU needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, createConnection, type Socket, type Server } from 'node:net';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpWire, type QmpEvent, type QmpReply } from './qmp-wire.js';

interface Pair { wire: QmpWire; peer: Socket; client: Socket; server: Server; dir: string }

async function pair(t: { after(fn: () => Promise<void> | void): void }): Promise<Pair> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-qmp-wire-'));
  const path = join(dir, 's.sock');
  let peerResolve!: (s: Socket) => void;
  const peerP = new Promise<Socket>((r) => { peerResolve = r; });
  const server = createServer((s) => peerResolve(s));
  await new Promise<void>((r) => server.listen(path, r));
  const client = createConnection({ path });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const peer = await peerP;
  const wire = new QmpWire(client);
  t.after(async () => {
    client.destroy();
    peer.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await fs.rm(dir, { recursive: true, force: true });
  });
  return { wire, peer, client, server, dir };
}

/** Collects what the wire emits, in order. */
function record(wire: QmpWire): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  for (const name of ['greeting', 'reply', 'event', 'error']) wire.on(name, (x: unknown) => seen.push([name, x]));
  return seen;
}

function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error('condition not met in time'));
      else setTimeout(tick, 2);
    };
    tick();
  });
}

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian"}, "capabilities": ["oob"]}}';

test('several messages merged in one chunk come out one by one, in order, by kind', async (t) => {
  const { wire, peer } = await pair(t);
  const seen = record(wire);
  peer.write(GREETING + '\r\n{"return": {}, "id": 1}\n{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}\n' +
    '{"id": 2, "error": {"class": "GenericError", "desc": "nope"}}\n');
  await until(() => seen.length === 4);
  assert.deepEqual(seen.map((s) => s[0]), ['greeting', 'reply', 'event', 'reply']);
  assert.equal((seen[1][1] as QmpReply).id, 1);
  const ev = seen[2][1] as QmpEvent;
  assert.equal(ev.event, 'RESUME');
  assert.deepEqual(ev.timestamp, { seconds: 1, microseconds: 2 });
  assert.equal((seen[3][1] as QmpReply).error?.desc, 'nope');
});

test('a message split across chunks (even inside a UTF-8 character) is parsed once, whole', async (t) => {
  const { wire, peer } = await pair(t);
  const seen = record(wire);
  const bytes = Buffer.from('{"return": "h\u00e9llo \u2603", "id": 7}\n{"event": "STOP"}\n');
  const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of é
  for (const piece of [bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut, cut + 5), bytes.subarray(cut + 5)]) {
    peer.write(piece);
    await new Promise((r) => setTimeout(r, 5));
  }
  await until(() => seen.length === 2);
  assert.equal(seen[0][0], 'reply');
  assert.equal((seen[0][1] as QmpReply).return, 'h\u00e9llo \u2603');
  assert.equal((seen[1][1] as QmpEvent).event, 'STOP');
});

test('a malformed line is an error event; the lines after it still work', async (t) => {
  const { wire, peer } = await pair(t);
  const seen = record(wire);
  peer.write('{"return": {}, "id": 1\n[1,2]\n{"neither": 1}\n{"return": 5, "id": 3}\n');
  await until(() => seen.length === 4);
  assert.deepEqual(seen.map((s) => s[0]), ['error', 'error', 'error', 'reply']);
  const e = seen[0][1] as Error & { code?: string };
  assert.equal(e.name, 'TsvirtError');
  assert.equal(e.code, 'operation-failed');
  assert.match(e.message, /malformed QMP line/);
  assert.equal((seen[3][1] as QmpReply).return, 5);
});

test('without an error listener a malformed line does not crash', async (t) => {
  const { wire, peer } = await pair(t);
  const replies: QmpReply[] = [];
  wire.on('reply', (r: QmpReply) => replies.push(r));
  peer.write('garbage\n{"return": 1, "id": 1}\n');
  await until(() => replies.length === 1);
  assert.equal(replies[0].return, 1);
});

test('send writes one JSON object per line', async (t) => {
  const { wire, peer } = await pair(t);
  let got = '';
  peer.setEncoding('utf8');
  peer.on('data', (s: string) => { got += s; });
  assert.equal(wire.send({ execute: 'query-status', id: 1 }), true);
  assert.equal(wire.send({ execute: 'device_del', arguments: { id: 'a\nb' }, id: 2 }), true);
  await until(() => got.split('\n').length === 3);
  const lines = got.split('\n');
  assert.equal(lines[2], '');
  assert.deepEqual(JSON.parse(lines[0]), { execute: 'query-status', id: 1 });
  assert.deepEqual(JSON.parse(lines[1]), { execute: 'device_del', arguments: { id: 'a\nb' }, id: 2 });
});

test('close is emitted once when the peer goes away; send then returns false', async (t) => {
  const { wire, peer } = await pair(t);
  let closes = 0;
  wire.on('close', () => { closes++; });
  peer.destroy();
  await until(() => closes === 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closes, 1);
  assert.equal(wire.closed, true);
  assert.equal(wire.send({ execute: 'cont' }), false);
});

test('close() on our side emits close once', async (t) => {
  const { wire } = await pair(t);
  let closes = 0;
  wire.on('close', () => { closes++; });
  wire.close();
  wire.close();
  await until(() => closes === 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closes, 1);
});
