import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFlags } from './device-service.js';

test('virsh flag resolution', () => {
  assert.deepEqual(resolveFlags({}, true, true), { live: true, config: false });
  assert.deepEqual(resolveFlags({}, false, true), { live: false, config: true });
  assert.deepEqual(resolveFlags({ persistent: true }, true, true), { live: true, config: true });
  assert.deepEqual(resolveFlags({ persistent: true }, false, true), { live: false, config: true });
  assert.throws(() => resolveFlags({ live: true }, false, true), /not running/);
  assert.throws(() => resolveFlags({ config: true }, true, false), /transient/);
  assert.throws(() => resolveFlags({ current: true, live: true }, true, true), /exclusive/);
});
