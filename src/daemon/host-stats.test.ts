import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeminfo, parseProcStat } from './host-stats.js';

const STAT = `cpu  5828 7 4071 38688 441 3 98 6 0 0
cpu0 2373 0 1437 20666 47 0 7 3 0 0
cpu1 3455 7 2633 18022 394 3 91 3 0 0
intr 1 2 3
`;

test('/proc/stat folds as libvirt: user = user + nice, kernel = system + irq + softirq, in ns', () => {
  assert.deepEqual(parseProcStat(STAT, -1), { userNs: 5835e7, kernelNs: 4172e7, idleNs: 38688e7, iowaitNs: 441e7 });
  assert.deepEqual(parseProcStat(STAT, 1), { userNs: 3462e7, kernelNs: 2727e7, idleNs: 18022e7, iowaitNs: 394e7 });
  assert.equal(parseProcStat(STAT, 2), undefined, 'a CPU the host lacks');
});

test('meminfo: the host\'s and a NUMA node\'s (which has no buffers or cache)', () => {
  assert.deepEqual(parseMeminfo('MemTotal:       24683772 kB\nMemFree:        21864180 kB\nMemAvailable: 1 kB\nBuffers:           40924 kB\nCached:          2164852 kB\nSwapCached: 0 kB\n'),
    { totalKiB: 24683772, freeKiB: 21864180, buffersKiB: 40924, cachedKiB: 2164852 });
  assert.deepEqual(parseMeminfo('Node 0 MemTotal:       24683772 kB\nNode 0 MemFree:        23006756 kB\nNode 0 MemUsed: 5 kB\n'),
    { totalKiB: 24683772, freeKiB: 23006756, buffersKiB: undefined, cachedKiB: undefined });
});
