// The balloon's guest statistics as QEMU reports them (qom-get guest-stats), named and scaled
// as libvirt's dommemstat shows them; a statistic the guest has not sent (-1) is left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balloonPath, parseGuestStats } from './balloon.js';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';

test('guest-stats: bytes become KiB, counts stay, unreported ones are left out', () => {
  const s = parseGuestStats({
    'last-update': 1700000000,
    stats: {
      'stat-swap-in': 0, 'stat-swap-out': 0, 'stat-major-faults': 512, 'stat-minor-faults': 10240,
      'stat-free-memory': 300 * 1024 * 1024, 'stat-total-memory': 500 * 1024 * 1024, 'stat-available-memory': 400 * 1024 * 1024,
      'stat-disk-caches': 64 * 1024 * 1024, 'stat-htlb-pgalloc': 0, 'stat-htlb-pgfail': 2 ** 64 - 1,
    },
  });
  assert.deepEqual(s, {
    swapInKiB: 0, swapOutKiB: 0, majorFaults: 512, minorFaults: 10240, unusedKiB: 307200, availableKiB: 512000,
    usableKiB: 409600, diskCachesKiB: 65536, hugetlbPgalloc: 0, lastUpdate: 1700000000,
  });
});

test('guest-stats before the guest sent any: nothing, not a made-up last_update', () => {
  const none = 2 ** 64 - 1;
  assert.deepEqual(parseGuestStats({ 'last-update': 0, stats: { 'stat-free-memory': none, 'stat-total-memory': none } }), {});
  assert.deepEqual(parseGuestStats({}), {});
});

test('the balloon QOM path follows its alias; none for model none', () => {
  const dom = (devices: string) => parseAndPrepareDomain(`<domain type='qemu'><name>b</name><memory>65536</memory><os><type>hvm</type></os><devices>${devices}</devices></domain>`);
  assert.equal(balloonPath(dom(`<memballoon model='virtio'/>`)), '/machine/peripheral/balloon0');
  assert.equal(balloonPath(dom(`<memballoon model='virtio'><alias name='ua-bal'/></memballoon>`)), '/machine/peripheral/ua-bal');
  assert.equal(balloonPath(dom(`<memballoon model='none'/>`)), undefined);
});
