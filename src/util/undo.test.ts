import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UndoStack } from './undo.js';

test('undo steps run in reverse order and all run even when one fails', async () => {
  const u = new UndoStack();
  const log: number[] = [];
  u.push(() => log.push(1));
  u.push(() => { throw new Error('two'); });
  u.push(async () => log.push(3));
  const errors = await u.run();
  assert.deepEqual(log, [3, 1]);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /two/);
  assert.deepEqual(await u.run(), []);
});
