import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  XdrError, XdrReader, XdrWriter, array, bool, decode, double, encode, fixedChars, fixedOpaque, hyper, int, opaque,
  optional, string, struct, uhyper, uint, union, voidType, type XdrType,
} from './xdr.js';

const hex = (b: Buffer) => b.toString('hex');
const roundTrip = <T>(t: XdrType<T>, v: T) => decode(t, encode(t, v));

test('every builder encodes the bytes of RFC 4506 and decodes them back', () => {
  const cases: Array<[XdrType<any>, unknown, string]> = [
    [int, -1, 'ffffffff'],
    [int, 0x7fffffff, '7fffffff'],
    [int, -0x80000000, '80000000'],
    [uint, 0xfffffffe, 'fffffffe'],
    [hyper, -2n, 'fffffffffffffffe'],
    [hyper, -(2n ** 63n), '8000000000000000'],
    [uhyper, 2n ** 64n - 1n, 'ffffffffffffffff'],
    [double, 1.5, '3ff8000000000000'],
    [bool, true, '00000001'],
    [bool, false, '00000000'],
    [voidType, undefined, ''],
    [string(10), '', '00000000'],
    [string(10), 'abc', '0000000361626300'],
    [string(10), 'abcd', '0000000461626364'],
    [string(10), 'é', '00000002c3a90000'], // the limit and the length count bytes, not characters
    [opaque(8), Buffer.from([1, 2, 3, 4, 5]), '000000050102030405000000'],
    [fixedOpaque(3), Buffer.from([9, 8, 7]), '09080700'],
    [fixedChars(3), 'ab', '000000610000006200000000'], // libvirt's char[n]: n XDR chars of 4 bytes
    [array(int, 4), [1, -1], '00000002' + '00000001' + 'ffffffff'],
    [optional(int), null, '00000000'],
    [optional(int), 7, '0000000100000007'],
    [struct('s', { a: int, b: string(4) }), { a: 2, b: 'x' }, '00000002' + '00000001' + '78000000'],
    [union('u', { 1: int, 7: string(4) }), { type: 7, value: 'hi' }, '00000007' + '00000002' + '68690000'],
  ];
  for (const [t, v, want] of cases) {
    const b = encode(t, v);
    assert.equal(hex(b), want, `${t.name} ${String(v)}`);
    assert.deepEqual(decode(t, b), v, t.name);
  }
  assert.ok(Number.isNaN(roundTrip(double, NaN)));
  assert.equal(roundTrip(double, -0), -0);
});

test('fixedChars keeps the terminating NUL: a long value is cut, never half a character', () => {
  assert.equal(roundTrip(fixedChars(4), 'abcdef'), 'abc');
  assert.equal(roundTrip(fixedChars(4), 'ééé'), 'é'); // 2 bytes each: a third byte would split one
  const model = encode(fixedChars(32), 'x'.repeat(40));
  assert.equal(model.readInt32BE(31 * 4), 0);
});

test('limits are refused on encode and on decode, naming the limit', () => {
  const over: Array<[XdrType<any>, unknown, RegExp]> = [
    [string(3), 'abcd', /string of 4 bytes is over its limit of 3/],
    [string(3), 'éé', /string of 4 bytes/],
    [opaque(2), Buffer.alloc(3), /opaque of 3 bytes is over its limit of 2/],
    [array(int, 1), [1, 2], /array of 2 is over its limit of 1/],
    [fixedOpaque(16), Buffer.alloc(15), /opaque\[16\] given 15 bytes/],
    [union('u', { 1: int }), { type: 2, value: 0 }, /u: no case 2/],
  ];
  for (const [t, v, re] of over) assert.throws(() => encode(t, v), (e) => e instanceof XdrError && re.test(e.message), t.name);

  const wire = (...words: number[]) => Buffer.concat(words.map((w) => { const b = Buffer.alloc(4); b.writeUInt32BE(w >>> 0); return b; }));
  const bad: Array<[XdrType<any>, Buffer, RegExp]> = [
    [string(3), Buffer.concat([wire(4), Buffer.from('abcd')]), /string of 4 bytes is over its limit of 3/],
    [opaque(2), Buffer.concat([wire(3), Buffer.alloc(4)]), /opaque of 3 bytes is over its limit of 2/],
    [array(int, 1), wire(2, 1, 2), /array of 2 is over its limit of 1/],
    [optional(int), wire(2, 5), /bad optional-data flag 2/],
    [union('u', { 1: int }), wire(3, 0), /u: unknown discriminant 3/],
    [int, Buffer.alloc(8), /8 bytes left over|4 bytes left over/],
  ];
  for (const [t, b, re] of bad) assert.throws(() => decode(t, b), (e) => e instanceof XdrError && re.test(e.message), t.name);
});

test('a huge declared length costs nothing: refused against the bytes that are there', () => {
  const head = Buffer.from('ffffffff', 'hex');
  assert.throws(() => decode(string(0xffffffff), head), /truncated message: 4294967295 bytes of data needs 4294967296 bytes, 0 left/);
  assert.throws(() => decode(opaque(0xffffffff), head), /truncated message/);
  // an array count the message cannot hold is refused before the array is made
  const t0 = process.hrtime.bigint();
  assert.throws(() => decode(array(int, 0xffffffff), Buffer.concat([head, Buffer.alloc(16)])), /array of 4294967295 in 16 bytes/);
  assert.ok(process.hrtime.bigint() - t0 < 50_000_000n);
});

test('every cut of a valid encoding is a truncated-message error, never anything else', () => {
  const t = struct('call', {
    name: optional(string(100)), id: int, big: uhyper, when: double, tags: array(string(10), 10),
    blob: opaque(20), uuid: fixedOpaque(16), model: fixedChars(2), v: union('v', { 1: int, 2: string(5) }),
  });
  const v = {
    name: 'vm-é', id: -3, big: 2n ** 40n, when: 0.25, tags: ['a', 'bb', ''],
    blob: Buffer.from('xyz'), uuid: Buffer.alloc(16, 0xab), model: 'q', v: { type: 2 as const, value: 'hey' },
  };
  const b = encode(t, v);
  assert.deepEqual(decode(t, b), v);
  for (let cut = 0; cut < b.length; cut++) {
    assert.throws(() => decode(t, b.subarray(0, cut)), (e) => e instanceof XdrError && /^truncated message/.test(e.message), `cut at ${cut}`);
  }
  assert.throws(() => decode(t, Buffer.concat([b, Buffer.alloc(4)])), /4 bytes left over after call/);
});

test('struct encode names the field that is wrong', () => {
  const t = struct('outer', { inner: struct('inner', { s: string(2) }) });
  assert.throws(() => encode(t, { inner: { s: 'long' } }), /outer\.inner: inner\.s: string of 4 bytes is over its limit of 2/);
});

test('XdrWriter grows past its first buffer, patches words, and writes raw bytes unpadded', () => {
  const w = new XdrWriter(4);
  w.u32(0);
  for (let i = 0; i < 1000; i++) w.i32(i);
  w.raw(Buffer.from([1, 2, 3]));
  w.bytes(Buffer.from([4]));
  w.setU32(0, w.length);
  const b = w.result();
  assert.equal(b.length, 4 + 4000 + 3 + 4);
  assert.equal(b.readUInt32BE(0), b.length);
  assert.equal(b.readInt32BE(4 + 999 * 4), 999);
  assert.equal(hex(b.subarray(4004)), '01020304000000');
  const r = new XdrReader(b);
  r.u32();
  assert.equal(r.remaining, b.length - 4);
});
