import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSnapshotXml, parseSnapshotXml, snapshotLocation } from './snapshot-xml.js';
import { SnapshotTree } from './snapshot-tree.js';

const DOMAIN = `<domain type='qemu'><name>vm</name><uuid>6f1b8c5e-4d6a-4f7e-9a51-2b0c3d4e5f60</uuid><memory unit='KiB'>65536</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
  <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
  </devices></domain>`;

test('parse and format a full snapshot: every part kept, in libvirt\'s order', () => {
  const xml = `<domainsnapshot>
  <name>s1</name>
  <description>before upgrade</description>
  <state>running</state>
  <parent><name>s0</name></parent>
  <creationTime>1700000000</creationTime>
  <memory snapshot='internal'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
    <disk name='vdb' snapshot='external' type='file'><driver type='qcow2'/><source file='/img/b.s1'/></disk>
    <disk name='hdc' snapshot='no'/>
  </disks>
  ${DOMAIN}
  <active>1</active>
</domainsnapshot>`;
  const s = parseSnapshotXml(xml);
  assert.equal(s.name, 's1');
  assert.equal(s.parent, 's0');
  assert.equal(s.creationTime, 1700000000);
  assert.equal(s.active, true);
  assert.deepEqual(s.disks[1], { name: 'vdb', snapshot: 'external', type: 'file', driverType: 'qcow2', sourceFile: '/img/b.s1' });
  assert.equal(s.domain?.name, 'vm');
  assert.equal(snapshotLocation(s), 'external');
  const out = formatSnapshotXml(s);
  assert.doesNotMatch(out, /<active>/, 'the public XML has no <active>');
  assert.match(out, /^<domainsnapshot>\n  <name>s1<\/name>\n  <description>before upgrade<\/description>\n  <state>running<\/state>\n  <parent>\n    <name>s0<\/name>\n  <\/parent>\n  <creationTime>1700000000<\/creationTime>\n  <memory snapshot='internal'\/>\n  <disks>\n    <disk name='vda' snapshot='internal'\/>\n    <disk name='vdb' snapshot='external' type='file'>\n      <driver type='qcow2'\/>\n      <source file='\/img\/b.s1'\/>\n    <\/disk>\n/);
  assert.match(out, /<domain type='qemu'>[\s\S]*<source file='\/img\/a.qcow2'\/>/);
  // the daemon's own copy round-trips, current flag included
  const again = parseSnapshotXml(formatSnapshotXml(s, { internal: true }));
  assert.deepEqual({ ...again, domain: undefined }, { ...s, domain: undefined });
  assert.equal(parseSnapshotXml(formatSnapshotXml({ ...s, active: false }, { internal: true })).active, false);
});

test('defaults as libvirt reads them: a disk with a source is external, a memory file means external', () => {
  const s = parseSnapshotXml("<domainsnapshot><memory file='/m'/><disks><disk name='vda'><source file='/o'/></disk></disks></domainsnapshot>");
  assert.deepEqual(s.memory, { snapshot: 'external', file: '/m' });
  assert.equal(s.disks[0].snapshot, 'external');
  assert.equal(s.disks[0].type, 'file');
  assert.equal(parseSnapshotXml('<domainsnapshot/>').name, undefined);
});

test('bad snapshot XML is refused with the element or value named', () => {
  assert.throws(() => parseSnapshotXml('<domainsnapshot><bogus/></domainsnapshot>'), /unsupported element <bogus> in <domainsnapshot>/);
  assert.throws(() => parseSnapshotXml('<domainsnapshot><state>flying</state></domainsnapshot>'), /Invalid state 'flying'/);
  assert.throws(() => parseSnapshotXml("<domainsnapshot><memory snapshot='sideways'/></domainsnapshot>"), /invalid value 'sideways'/);
  assert.throws(() => parseSnapshotXml("<domainsnapshot><memory snapshot='internal' file='/m'/></domainsnapshot>"), /requires external snapshot/);
  assert.throws(() => parseSnapshotXml("<domainsnapshot><disks><disk name='vda'/><disk name='vda'/></disks></domainsnapshot>"), /disk 'vda' specified twice/);
  assert.throws(() => parseSnapshotXml("<domainsnapshot><disks><disk name='vda' snapshot='internal'><source file='/x'/></disk></disks></domainsnapshot>"), /requires use of external snapshot mode/);
  assert.throws(() => parseSnapshotXml('<domainsnapshot><name>a/b</name></domainsnapshot>'), /name can't contain '\/'/);
  assert.throws(() => parseSnapshotXml('<domain/>'), /expected root element <domainsnapshot>/);
  assert.throws(() => parseSnapshotXml('<domainsnapshot><creationTime>soon</creationTime></domainsnapshot>'), /invalid integer/);
});

test('the tree: children, roots, leaves, order; removing re-parents and moves current up', () => {
  const t = new SnapshotTree([
    { name: 'c', parent: 'b', creationTime: 3 }, { name: 'a', creationTime: 1 }, { name: 'b', parent: 'a', creationTime: 2 },
    { name: 'd', parent: 'b', creationTime: 4 }, { name: 'x', creationTime: 5 },
  ], 'b');
  assert.deepEqual(t.all().map((s) => s.name), ['a', 'b', 'c', 'd', 'x']);
  assert.deepEqual(t.roots().map((s) => s.name), ['a', 'x']);
  assert.deepEqual(t.children('b').map((s) => s.name), ['c', 'd']);
  assert.deepEqual(t.descendants('a').map((s) => s.name), ['b', 'c', 'd']);
  assert.deepEqual(t.topological().map((s) => s.name), ['a', 'b', 'c', 'd', 'x']);
  assert.equal(t.isLeaf('c'), true);
  assert.equal(t.isLeaf('b'), false);
  assert.throws(() => t.get('zz'), /Domain snapshot not found: no domain snapshot with matching name 'zz'/);
  const moved = t.remove('b');
  assert.deepEqual(moved.map((s) => [s.name, s.parent]), [['c', 'a'], ['d', 'a']]);
  assert.equal(t.current, 'a');
  t.remove('a');
  assert.equal(t.current, undefined);
  assert.deepEqual(t.roots().map((s) => s.name), ['c', 'd', 'x']);
  assert.equal(new SnapshotTree([{ name: 'a' }], 'gone').current, undefined, 'a current that is not there is none');
});
