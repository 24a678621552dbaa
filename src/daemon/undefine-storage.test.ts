import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDomainXml } from '../conf/domain-xml.js';
import { volumesToRemove } from './undefine-storage.js';

const dom = parseDomainXml(`<domain type='qemu'>
  <name>u</name>
  <memory unit='MiB'>64</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='volume' device='disk'><source pool='default' volume='a.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/var/lib/x/b.raw'/><target dev='vdb' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><source file='/iso/c.iso'/><target dev='sdc' bus='scsi'/><readonly/></disk>
    <disk type='file' device='disk'><target dev='vdd' bus='virtio'/></disk>
  </devices>
</domain>`);

test('undefine storage: all disks with a source but CD-ROMs, or those named by target or source', () => {
  assert.deepEqual(volumesToRemove(dom, 'all'), [
    { target: 'vda', source: 'default/a.qcow2', vol: 'a.qcow2', pool: 'default' },
    { target: 'vdb', source: '/var/lib/x/b.raw', vol: '/var/lib/x/b.raw', pool: undefined },
  ]);
  assert.deepEqual(volumesToRemove(dom, ['vdb']).map((v) => v.target), ['vdb']);
  assert.deepEqual(volumesToRemove(dom, ['default/a.qcow2']).map((v) => v.target), ['vda']);
  assert.deepEqual(volumesToRemove(dom, []), []);
});

test('undefine storage: a name that is not one of its disks is refused (the CD-ROM and an empty disk are not)', () => {
  for (const bad of ['vdz', 'sdc', '/iso/c.iso', 'vdd']) {
    assert.throws(() => volumesToRemove(dom, ['vda', bad]), new RegExp(`Volume '${bad.replace(/[./]/g, '\\$&')}' was not found in domain's definition`));
  }
});
