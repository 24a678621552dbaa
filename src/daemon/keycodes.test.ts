import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toQnum } from './keycodes.js';
import { parseCpuList } from '../qemu/vm-stats.js';

test('keycodes of libvirt code sets become qnum numbers', () => {
  assert.equal(toQnum('linux', 30), 0x1e); // KEY_A
  assert.equal(toQnum('linux', 111), 0xd3); // KEY_DELETE, an 0xe0 key
  assert.equal(toQnum('linux', 125), 0xdb); // KEY_LEFTMETA
  assert.equal(toQnum('xt', 0x1d), 0x1d);
  assert.equal(toQnum('atset1', 0xe053), 0xd3);
  assert.equal(toQnum('qnum', 0x9c), 0x9c);
  assert.throws(() => toQnum('linux', 999), /cannot translate keycode 999 of linux/);
  assert.throws(() => toQnum('xt', 0x90), /keycode 144 of xt/);
  assert.throws(() => toQnum('qnum', 0), /keycode 0/);
});

test('CPU lists from /proc status', () => {
  assert.deepEqual(parseCpuList('0-3,6'), [0, 1, 2, 3, 6]);
  assert.deepEqual(parseCpuList('1'), [1]);
  assert.deepEqual(parseCpuList(''), []);
});
