import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine, makeLogger } from './log.js';
import { DomainJob, runDomainJob, type DomainJobs } from './domain-job.js';

test('a log line is time, level, the domain and job fields, then the message', () => {
  const t = new Date('2026-12-04T10:00:00.000Z');
  assert.equal(formatLogLine(t, 'info', 'listening'), '2026-12-04T10:00:00.000Z info listening\n');
  assert.equal(formatLogLine(t, 'warn', 'stopped (failed)', { domain: 'web1' }), '2026-12-04T10:00:00.000Z warn domain=web1 stopped (failed)\n');
  // a name with a space or a quote stays one field
  assert.equal(formatLogLine(t, 'info', 'started', { domain: 'my "vm" 2', job: 'save' }), '2026-12-04T10:00:00.000Z info domain="my \\"vm\\" 2" job=save started\n');
});

test('a domain job logs its start, and its end with the time it took or why it failed', async () => {
  const lines: string[] = [];
  const log = makeLogger((l) => lines.push(l));
  const jobs: DomainJobs = { log: (level, msg, job) => log[level](msg, { domain: 'd1', job }) };
  await runDomainJob(jobs, new DomainJob('save'), async () => 1);
  await assert.rejects(runDomainJob(jobs, new DomainJob('restore'), async () => { throw new Error('bad image'); }), /bad image/);
  const aborted = new DomainJob('migration-out');
  await assert.rejects(runDomainJob(jobs, aborted, async (j) => { j.abort(); throw new Error('cancelled by client'); }));
  const text = lines.map((l) => l.replace(/^\S+ /, '')).join('');
  assert.match(text, /^info domain=d1 job=save started\ninfo domain=d1 job=save completed in \d+ ms\n/);
  assert.match(text, /\ninfo domain=d1 job=restore started\nwarn domain=d1 job=restore failed after \d+ ms: bad image\n/);
  assert.match(text, /\nwarn domain=d1 job=migration-out cancelled after \d+ ms: cancelled by client\n$/);
});
