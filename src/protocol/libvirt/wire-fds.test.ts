// FrameReader and the bytes that carry passed descriptors: libvirt's client follows a
// CALL_WITH_FDS with one zero byte per descriptor (each with its SCM_RIGHTS); they are not
// frame bytes. A client that names descriptors it never sends must not lose its next frames.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { string } from './xdr.js';
import { FrameReader, MsgStatus, MsgType, REMOTE_PROGRAM, decodeHeader, frame, type Header } from './wire.js';

const h = (serial: number, type: number = MsgType.CALL): Header => ({ prog: REMOTE_PROGRAM, vers: 1, proc: 249, type, serial, status: MsgStatus.OK });
/** a CALL_WITH_FDS naming `n` descriptors, then its arguments */
const withFds = (serial: number, n: number) => frame(h(serial, MsgType.CALL_WITH_FDS), (w) => { w.u32(n); w.u32(7); });
const call = (serial: number, size = 8) => frame(h(serial), (w) => string(100_000).encode(w, 'x'.repeat(size)));

function serials(parts: Buffer[], cut = 0): number[] {
  const r = new FrameReader();
  const all = Buffer.concat(parts);
  const got: Buffer[] = [];
  const step = cut || all.length;
  for (let i = 0; i < all.length; i += step) got.push(...r.push(all.subarray(i, i + step)));
  return got.map((f) => decodeHeader(f).serial);
}

test("the descriptors' bytes after a CALL_WITH_FDS are skipped, however the stream is cut", () => {
  for (const n of [1, 2, 3, 4, 5, 32]) {
    const stream = [call(1), withFds(2, n), Buffer.alloc(n), call(3), withFds(4, n), Buffer.alloc(n), frame(h(5))];
    for (const cut of [0, 1, 3, 7]) assert.deepEqual(serials(stream, cut), [1, 2, 3, 4, 5], `${n} descriptors, cut ${cut}`);
  }
  // a next call so big that its length, read a byte early, is a length libvirt takes too
  assert.deepEqual(serials([withFds(1, 1), Buffer.alloc(1), call(2, 8000)]), [1, 2]);
});

test('a client that names descriptors and sends none keeps its next frames', () => {
  for (const n of [1, 3, 32]) {
    assert.deepEqual(serials([withFds(1, n), call(2), withFds(3, n), call(4, 8000)], 1), [1, 2, 3, 4], `${n} descriptors`);
  }
  // more than libvirt allows: nothing is skipped (the call's reply refuses it)
  assert.deepEqual(serials([withFds(1, 33), call(2)]), [1, 2]);
  // a short CALL_WITH_FDS, without even the number
  assert.deepEqual(serials([frame(h(1, MsgType.CALL_WITH_FDS)), call(2)]), [1, 2]);
});

test('the decision waits for the next header: the CALL_WITH_FDS itself comes out at once', () => {
  const r = new FrameReader();
  assert.deepEqual(r.push(Buffer.concat([withFds(1, 1), Buffer.alloc(1)])).map((f) => decodeHeader(f).serial), [1]);
  assert.deepEqual(r.push(call(2)).map((f) => decodeHeader(f).serial), [2]);
  assert.equal(r.buffered, 0);
});
