import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBar } from './progress.js';

test('progress bar text', () => {
  assert.equal(formatBar(0, 100, 10), '[          ]   0 %');
  assert.equal(formatBar(50, 100, 10), '[#####     ]  50 %');
  assert.equal(formatBar(200, 100, 10), '[##########] 100 %');
  assert.equal(formatBar(5, 0, 4), '[    ]   0 %');
});
