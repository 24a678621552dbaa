// -blockdev bodies of network and other non-file disks, and the clear refusals where QEMU 7.2
// or tsvirt cannot run a source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { buildQemuArgv } from './argv.js';
import { diskBlockdevs } from './argv-disk.js';
import { isTsvirtError } from '../util/errors.js';
import type { Disk } from '../conf/domain-types.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';

const caps = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines: { pc: 'pc-i440fx-7.2' } };
const fixture = parseAndPrepareDomain(readFileSync(new URL('../../test/fixtures/disk-network/netdisks.xml', import.meta.url), 'utf8'), caps);
const disk = (dev: string): Disk => {
  const d = fixture.devices.disks.find((x) => x.target.dev === dev);
  assert.ok(d, dev);
  return d;
};
const storage = (d: Disk) => diskBlockdevs(d, 1, undefined)[0];

function assertUnsupported(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => isTsvirtError(e) && e.code === 'config-unsupported' && re.test(e.message));
}

test('nbd: inet and unix servers, export name, the format node on top', () => {
  const [s, f] = diskBlockdevs(disk('vda'), 1, undefined);
  assert.deepEqual(s, {
    driver: 'nbd', server: { type: 'inet', host: 'nbd.example.org', port: '10810' }, export: 'export1',
    'node-name': 'libvirt-1-storage', 'auto-read-only': true, discard: 'unmap',
  });
  assert.equal(f.driver, 'raw');
  assert.equal(f.file, 'libvirt-1-storage');
  assert.deepEqual(storage(disk('vdb')).server, { type: 'unix', path: '/run/nbd/disk.sock' });
  assert.equal(diskBlockdevs(disk('vdb'), 1, undefined)[1].driver, 'qcow2');
});

test('gluster, ftp, ssh: QEMU driver properties as libvirt builds them', () => {
  const g = storage(disk('vde'));
  assert.deepEqual([g.driver, g.volume, g.path, g.server], ['gluster', 'volume', 'dir/image.qcow2',
    [{ type: 'inet', host: 'gluster1.example.org', port: '24007' }, { type: 'unix', path: '/run/glusterd.socket' }]]);
  assert.deepEqual([storage(disk('vdf')).driver, storage(disk('vdf')).url], ['ftp', 'ftp://ftp.example.org:2121/pub/image.raw']);
  const h = storage(disk('hdc'));
  assert.deepEqual([h.driver, h.url, h.sslverify, h.cookie, h.readahead, h.timeout],
    ['https', 'https://mirror.example.org:443/isos/debian.iso?token=abc&x=1', false, 'session=s3cr3t', 65536, 30]);
  assert.equal(storage(disk('hdc'))['read-only'], true);
  assert.deepEqual(storage(disk('vdg')).server, { host: 'ssh.example.org', port: '22' });
  const v = storage(disk('fda'));
  assert.deepEqual([v.driver, v.dir, v.floppy, v.rw], ['vvfat', '/var/lib/tsvirt/floppy', true, false]);
});

test('what this QEMU or tsvirt cannot run fails at start with config-unsupported naming it', () => {
  assertUnsupported(() => storage(disk('vdi')), /protocol 'vxhs' is not supported by this QEMU/);
  assertUnsupported(() => storage(disk('vdc')), /<auth> for a iscsi disk needs a secret/);
  assertUnsupported(() => storage(disk('vdd')), /<auth> for a rbd disk needs a secret/);
  assertUnsupported(() => storage(disk('vdh')), /<identity> of an nfs disk/);
  assertUnsupported(() => storage(disk('vdk')), /NVMe disk needs its host controller bound to vfio-pci/);
  assertUnsupported(() => buildQemuArgv(fixture, goldenCaps, BASE_CTX), /disk '/);
});

test('iscsi: portal, target and LUN from name=', () => {
  const d = structuredClone(disk('vdc'));
  delete d.auth;
  assert.deepEqual(storage(d), {
    driver: 'iscsi', portal: '192.0.2.10:3260', target: 'iqn.2013-07.com.example:iscsi-nopool', lun: 0, transport: 'tcp',
    'initiator-name': 'iqn.2013-07.com.example:client', 'node-name': 'libvirt-1-storage', 'auto-read-only': true, discard: 'unmap',
  });
});

test('vhostuser: no block node; a vhost-user-blk-pci device on a reconnecting socket chardev', () => {
  const xml = `<domain type='qemu'><name>vu</name><uuid>c0ffee00-0000-4000-8000-0000000013d1</uuid><memory>262144</memory>
<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<disk type='vhostuser' device='disk'><driver name='qemu' type='raw' queues='2'/><source type='unix' path='/run/vu.sock'><reconnect enabled='yes' timeout='5'/></source>
<target dev='vda' bus='virtio'/></disk></devices></domain>`;
  const argv = buildQemuArgv(parseAndPrepareDomain(xml, caps), goldenCaps, BASE_CTX);
  assert.ok(!argv.some((a) => a.includes('libvirt-1-storage')), 'no -blockdev');
  assert.ok(argv.includes('socket,id=chr-vu-virtio-disk0,path=/run/vu.sock,reconnect=5'));
  const dev = JSON.parse(argv.find((a) => a.includes('vhost-user-blk-pci'))!);
  assert.deepEqual([dev.chardev, dev.id, dev['num-queues'], dev.drive], ['chr-vu-virtio-disk0', 'virtio-disk0', 2, undefined]);
  assert.throws(() => parseAndPrepareDomain(xml.replace(/<memoryBacking>.*<\/memoryBacking>/, ''), caps), /'vhostuser' requires shared memory/);
});

test('an explicit backing chain is opened as written, base first', () => {
  const dom = parseAndPrepareDomain(readFileSync(new URL('../../test/fixtures/disk-network/chain.xml', import.meta.url), 'utf8'), caps);
  const nodes = diskBlockdevs(dom.devices.disks[0], 1, '/var/lib/tsvirt/images/top.qcow2');
  assert.deepEqual(nodes.map((n) => [n['node-name'], n.driver, n.filename ?? n.file, n.backing]), [
    ['libvirt-1-b2-storage', 'host_device', '/dev/vg0/base', undefined],
    ['libvirt-1-b2-format', 'raw', 'libvirt-1-b2-storage', undefined], // raw takes no backing
    ['libvirt-1-b1-storage', 'file', '/var/lib/tsvirt/images/mid.qcow2', undefined],
    ['libvirt-1-b1-format', 'qcow2', 'libvirt-1-b1-storage', 'libvirt-1-b2-format'],
    ['libvirt-1-storage', 'file', '/var/lib/tsvirt/images/top.qcow2', undefined],
    ['libvirt-1-format', 'qcow2', 'libvirt-1-storage', 'libvirt-1-b1-format'],
  ]);
  assert.equal(nodes[3]['cache-size'], 524288);
  assert.ok(nodes.slice(0, 4).every((n) => n['read-only'] === true), 'backing images are read-only');
});
