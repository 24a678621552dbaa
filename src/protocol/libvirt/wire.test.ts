import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decode, encode, string } from './xdr.js';
import {
  FrameError, FrameReader, HEADER_LEN, LEN_LEN, MESSAGE_MAX, MessageError, MsgStatus, MsgType, REMOTE_PROGRAM,
  StreamHole, decodeHeader, frame, type Header,
} from './wire.js';

const h = (serial: number, over: Partial<Header> = {}): Header =>
  ({ prog: REMOTE_PROGRAM, vers: 1, proc: 23, type: MsgType.CALL, serial, status: MsgStatus.OK, ...over });
const withBody = (hd: Header, body: string) => frame(hd, (w) => string(1000).encode(w, body));

test('a frame is its length (counting itself), the 24-byte header, then the body', () => {
  const f = withBody(h(7), 'vm1');
  assert.equal(f.readUInt32BE(0), f.length);
  assert.equal(f.length, LEN_LEN + HEADER_LEN + 8);
  assert.equal(f.subarray(4, 28).toString('hex'), '20008086' + '00000001' + '00000017' + '00000000' + '00000007' + '00000000');
  assert.deepEqual(decodeHeader(f), h(7));
  assert.equal(decode(string(1000), f.subarray(28)), 'vm1');
  // the header's ints as libvirt declares them: proc, type and status signed, the rest unsigned
  const odd = h(0xffffffff, { prog: 0xfffffffe, proc: -5, type: -1, status: -2 });
  assert.deepEqual(decodeHeader(frame(odd)), odd);
});

test('a frame over libvirt\'s 32 MiB is refused when it is built', () => {
  const big = Buffer.alloc(MESSAGE_MAX - LEN_LEN - HEADER_LEN);
  assert.equal(frame(h(1), (w) => w.raw(big)).length, MESSAGE_MAX);
  assert.throws(() => frame(h(1), (w) => w.raw(Buffer.concat([big, Buffer.alloc(1)]))), /message of 33554433 bytes is over libvirt's limit of 33554432/);
});

test('frames come out whole however the stream is cut: byte by byte, in random pieces, many per chunk', () => {
  const frames = Array.from({ length: 20 }, (_, i) => withBody(h(i + 1), 'x'.repeat(i * 13)));
  const all = Buffer.concat(frames);
  const split = (sizes: () => number) => {
    const r = new FrameReader();
    const got: Buffer[] = [];
    for (let i = 0; i < all.length;) {
      const n = sizes();
      got.push(...r.push(all.subarray(i, i + n)));
      i += n;
    }
    assert.equal(r.buffered, 0);
    return got;
  };
  assert.deepEqual(split(() => 1), frames);
  let seed = 7;
  assert.deepEqual(split(() => 1 + ((seed = (seed * 1103515245 + 12345) % 2147483648) % 50)), frames);
  assert.deepEqual(split(() => all.length), frames);
  // the length word itself split in two
  const r = new FrameReader();
  assert.deepEqual(r.push(frames[0]!.subarray(0, 2)), []);
  assert.equal(r.buffered, 2);
  assert.deepEqual(r.push(frames[0]!.subarray(2)), [frames[0]]);
});

test('a header-only frame (28 bytes) is a frame; a partial one waits for the rest', () => {
  const r = new FrameReader();
  const f = frame(h(3));
  assert.equal(f.length, 28);
  assert.deepEqual(r.push(Buffer.concat([f, f.subarray(0, 10)])), [f]);
  assert.equal(r.buffered, 10);
  assert.deepEqual(r.push(f.subarray(10)), [f]);
});

test('an impossible length is a FrameError that carries the frames before it', () => {
  for (const [len, word] of [[0, 'too small'], [3, 'too small'], [27, 'too small'], [MESSAGE_MAX + 1, 'too large'], [0xffffffff, 'too large']] as const) {
    const r = new FrameReader();
    const good = frame(h(1));
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(len);
    let err: unknown;
    try { r.push(Buffer.concat([good, good, bad])); } catch (e) { err = e; }
    assert.ok(err instanceof FrameError, `length ${len}`);
    assert.equal(err.message, `packet ${len} bytes received from client is ${word}`);
    assert.deepEqual(err.frames, [good, good]);
  }
  // a length of exactly the limit is allowed, and waits for its bytes
  const r = new FrameReader();
  const max = Buffer.alloc(4);
  max.writeUInt32BE(MESSAGE_MAX);
  assert.deepEqual(r.push(max), []);
});

test('error and stream-hole bodies round-trip', () => {
  const e: MessageError = {
    code: 42, domain: 10, message: 'Domain not found: no domain with matching name \'x\'', level: 2,
    dom: { name: 'x', uuid: Buffer.alloc(16, 1), id: -1 }, str1: 'a', str2: null, str3: null, int1: -1, int2: 0,
    net: { name: 'default', uuid: Buffer.alloc(16, 2) },
  };
  assert.deepEqual(decode(MessageError, encode(MessageError, e)), e);
  const hole = { length: 2n ** 40n, flags: 0 };
  assert.deepEqual(decode(StreamHole, encode(StreamHole, hole)), hole);
});
