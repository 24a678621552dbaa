import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { hostHugepages, hugetlbfsMounts } from './host-hugepages.js';

const dom = (mb: string) => parseAndPrepareDomain(`<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>${mb}<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);

test('hugetlbfs mounts by page size', () => {
  const mounts = 'hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\nnone /mnt/huge\\0401G hugetlbfs rw,pagesize=1024M 0 0\nproc /proc proc rw 0 0\n';
  assert.deepEqual(hugetlbfsMounts(mounts, 2048), { 2048: '/dev/hugepages', 1048576: '/mnt/huge 1G' });
});

test('a host without reserved pages of the size fails start clearly', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsvirt-huge-'));
  try {
    mkdirSync(join(root, 'proc'));
    mkdirSync(join(root, 'sys/kernel/mm/hugepages/hugepages-2048kB'), { recursive: true });
    writeFileSync(join(root, 'proc/meminfo'), 'MemTotal: 1 kB\nHugepagesize:       2048 kB\n');
    writeFileSync(join(root, 'proc/mounts'), 'hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n');
    writeFileSync(join(root, 'sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'), '0\n');
    assert.equal(await hostHugepages(dom(''), root), undefined);
    await assert.rejects(hostHugepages(dom('<memoryBacking><hugepages/></memoryBacking>'), root),
      (e) => isTsvirtError(e) && e.code === 'config-unsupported' && /huge pages of 2048 KiB, but the host has none reserved/.test(e.message));
    await assert.rejects(hostHugepages(dom("<memoryBacking><hugepages><page size='1' unit='G'/></hugepages></memoryBacking>"), root),
      (e) => isTsvirtError(e) && /huge pages of 1048576 KiB, which this host does not support/.test(e.message));
    writeFileSync(join(root, 'sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'), '64\n');
    assert.deepEqual(await hostHugepages(dom('<memoryBacking><hugepages/></memoryBacking>'), root), { defaultSize: 2048, paths: { 2048: '/dev/hugepages' } });
    // a system-size "huge" page is normal memory: nothing to check
    assert.ok(await hostHugepages(dom("<memoryBacking><hugepages><page size='4'/></hugepages></memoryBacking>"), root));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
