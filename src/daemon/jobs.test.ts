import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobLocks } from './jobs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('jobs on one key run one after another, other keys run at once', async () => {
  const locks = new JobLocks();
  const log: string[] = [];
  const job = (name: string, ms: number) => async () => {
    log.push(`${name}+`);
    await sleep(ms);
    log.push(`${name}-`);
  };
  await Promise.all([locks.run('a', job('a1', 30)), locks.run('a', job('a2', 1)), locks.run('b', job('b1', 5))]);
  assert.deepEqual(log, ['a1+', 'b1+', 'b1-', 'a1-', 'a2+', 'a2-']);
  assert.equal(locks.busy('a'), false);
});

test('a failing job does not block the next one', async () => {
  const locks = new JobLocks();
  await assert.rejects(locks.run('x', async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await locks.run('x', async () => 42), 42);
});
