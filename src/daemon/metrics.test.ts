import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonMetrics } from './metrics.js';
import type { Handlers } from './dispatch.js';

test('instrumented handlers count calls by result and fill the latency histogram; a failed start counts', async () => {
  const m = new DaemonMetrics();
  const h = m.instrument({
    'domain.list': async () => ({ domains: [] }),
    'domain.start': async () => { throw new Error('no'); },
  } as unknown as Handlers);
  await h['domain.list']({});
  await h['domain.list']({});
  await assert.rejects(async () => h['domain.start']({ domain: 'x' } as never), /no/);
  const list = m.methods.get('domain.list')!;
  assert.equal(list.ok, 2);
  assert.equal(list.error, 0);
  assert.equal(list.count, 2);
  assert.equal(list.buckets[list.buckets.length - 1], 2, 'both within the largest bucket');
  assert.equal(m.methods.get('domain.start')!.error, 1);
  assert.equal(m.qemuStartFailures, 1);
});
