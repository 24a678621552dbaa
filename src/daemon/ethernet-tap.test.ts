import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tapMac } from './ethernet-tap.js';

test('a managed tap gets the guest MAC with the first byte 0xfe (0xfa when it already is 0xfe), as libvirt', () => {
  assert.equal(tapMac('52:54:00:98:00:50'), 'fe:54:00:98:00:50');
  assert.equal(tapMac('fe:54:00:98:00:50'), 'fa:54:00:98:00:50');
});
