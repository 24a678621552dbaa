import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMac, isMulticastMac, parseMac } from './mac.js';

test('MACs parse, normalise and detect multicast', () => {
  assert.equal(parseMac('52:54:00:AA:b:01'), '52:54:00:aa:0b:01');
  assert.equal(parseMac('52:54:00:aa:bb'), undefined);
  assert.equal(parseMac('52-54-00-aa-bb-cc'), undefined);
  assert.equal(parseMac('52:54:00:aa:bb:zz'), undefined);
  assert.ok(isMulticastMac('01:00:5e:00:00:01'));
  assert.ok(!isMulticastMac('52:54:00:00:00:01'));
});

test('generated MACs use the QEMU prefix and avoid taken ones', () => {
  const m = generateMac();
  assert.match(m, /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.ok(!isMulticastMac(m));
  const taken = new Set<string>();
  for (let i = 0; i < 200; i++) taken.add(generateMac(undefined, taken));
  assert.equal(taken.size, 200);
});
