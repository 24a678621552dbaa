import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJobInfo, prettyCapacity } from './job.js';

test('prettyCapacity picks the unit as virsh does', () => {
  assert.equal(prettyCapacity(512), '512.000 B');
  assert.equal(prettyCapacity(1536), '1.500 KiB');
  assert.equal(prettyCapacity(5 * 1024 ** 3), '5.000 GiB');
});

test('domjobinfo lines: virsh labels, widths and units; downtime named by job state', () => {
  const params = [
    { field: 'operation', value: 2 }, { field: 'time_elapsed', value: 1234 }, { field: 'data_processed', value: 3 * 1024 * 1024 },
    { field: 'memory_bps', value: 2048 }, { field: 'downtime', value: 7 },
  ];
  assert.equal(formatJobInfo('unbounded', params), [
    'Job type:         Unbounded   ',
    'Operation:        Save        ',
    'Time elapsed:     1234         ms',
    'Data processed:   3.000 MiB',
    'Memory bandwidth: 2.000 KiB/s',
    'Expected downtime: 7            ms',
    '',
  ].join('\n'));
  assert.match(formatJobInfo('completed', params), /Total downtime:\s+7/);
  assert.equal(formatJobInfo('none', []), 'Job type:         None        \n');
  assert.equal(formatJobInfo('failed', [{ field: 'operation', value: 3 }, { field: 'errmsg', value: 'boom' }]), 'Job type:         Failed      \nOperation:        Restore     \n');
});
