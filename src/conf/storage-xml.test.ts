import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatPoolXml, parsePoolXml } from './pool-xml.js';
import { formatVolumeXml, parseVolumeXml } from './volume-xml.js';
import { checkStorageName } from './storage-common-xml.js';

const DIR_POOL = `<pool type='dir'>
  <name>p1</name>
  <uuid>2f1d5c38-8f4e-4b8a-9d5e-0c2b7f1e6a11</uuid>
  <capacity unit='bytes'>100</capacity>
  <allocation unit='bytes'>10</allocation>
  <available unit='bytes'>90</available>
  <source>
  </source>
  <target>
    <path>/tmp/p1</path>
    <permissions>
      <mode>0755</mode>
      <owner>0</owner>
      <group>0</group>
    </permissions>
  </target>
</pool>
`;
const LVM_POOL = `<pool type='logical'>
  <name>vg1</name>
  <uuid>3f1d5c38-8f4e-4b8a-9d5e-0c2b7f1e6a11</uuid>
  <source>
    <device path='/dev/loop7'/>
    <name>vg1</name>
    <format type='lvm2'/>
  </source>
  <target>
    <path>/dev/vg1</path>
  </target>
</pool>
`;
const VOL = `<volume type='file'>
  <name>a.qcow2</name>
  <key>/tmp/p1/a.qcow2</key>
  <source>
  </source>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>196608</allocation>
  <target>
    <path>/tmp/p1/a.qcow2</path>
    <format type='qcow2'/>
  </target>
  <backingStore>
    <path>/tmp/p1/base.raw</path>
    <format type='raw'/>
  </backingStore>
</volume>
`;

const norm = (s: string) => s.replace(/<source>\s*<\/source>/g, '<source/>');

test('pool and volume XML round trip', () => {
  assert.equal(formatPoolXml(parsePoolXml(DIR_POOL)), norm(DIR_POOL));
  assert.equal(formatPoolXml(parsePoolXml(LVM_POOL), { inactive: true }), LVM_POOL);
  assert.equal(formatVolumeXml(parseVolumeXml(VOL)), norm(VOL));
});

test('sizes take libvirt units', () => {
  const v = parseVolumeXml(`<volume><name>x</name><capacity unit='G'>2</capacity><allocation unit='MiB'>1</allocation></volume>`);
  assert.equal(v.capacity, 2 * 1024 ** 3);
  assert.equal(v.allocation, 1024 ** 2);
  assert.throws(() => parseVolumeXml(`<volume><name>x</name><capacity unit='Q'>2</capacity></volume>`), /unknown unit 'Q'/);
  assert.throws(() => parseVolumeXml(`<volume><name>x</name><capacity>12abc</capacity></volume>`), /invalid value '12abc'/);
});

test('bad names and unknown elements are refused', () => {
  for (const n of ['a/b', '..', '.', '', '.hidden', '../x']) assert.throws(() => checkStorageName(n, 'volume'), /invalid volume name/);
  assert.equal(checkStorageName('ok-1.qcow2', 'volume'), 'ok-1.qcow2');
  assert.throws(() => parseVolumeXml(`<volume><name>../etc</name><capacity>1</capacity></volume>`), /invalid volume name/);
  assert.throws(() => parsePoolXml(`<pool type='dir'><name>p</name><target><path>/x</path></target><bogus/></pool>`), /unsupported element <bogus>.*line 1/);
  assert.throws(() => parsePoolXml(`<pool type='dir'><name>p</name></pool>`), /missing <target><path>/);
  assert.throws(() => parsePoolXml(`<pool type='iscsi'><name>p</name></pool>`), /expected one of dir, logical/);
});

const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;
test('written pool and volume XML validates with virt-xml-validate', { skip: hasValidator ? false : 'virt-xml-validate missing' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-storage-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const docs: Array<[string, string]> = [
    ['storagepool', formatPoolXml(parsePoolXml(DIR_POOL))],
    ['storagepool', formatPoolXml(parsePoolXml(DIR_POOL), { inactive: true })],
    ['storagepool', formatPoolXml(parsePoolXml(LVM_POOL))],
    ['storagevol', formatVolumeXml(parseVolumeXml(VOL))],
    ['storagevol', formatVolumeXml({ type: 'file', name: 'p.qcow2', key: '/p/p.qcow2', capacity: 10, allocation: 5, physical: 7, target: { path: '/p/p.qcow2', format: 'qcow2', permissions: { mode: '0600', owner: 0, group: 0 } } })],
    ['storagevol', formatVolumeXml({ type: 'block', name: 'lv', key: '/dev/vg/lv', capacity: 4096, allocation: 4096, target: { path: '/dev/vg/lv' } })],
  ];
  docs.forEach(([schema, xml], i) => {
    const f = join(dir, `${i}.xml`);
    writeFileSync(f, xml);
    const r = spawnSync('virt-xml-validate', [f, schema], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${schema} doc ${i}: ${r.stderr}${r.stdout}\n${xml}`);
  });
});

test('volume <compat> and <features><lazy_refcounts/> (qcow2 only) are kept', () => {
  const v = parseVolumeXml("<volume><name>a.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/><features><lazy_refcounts/></features></target></volume>");
  assert.equal(v.target.lazyRefcounts, true);
  assert.match(formatVolumeXml(v), /<compat>1\.1<\/compat>\n\s*<features>\n\s*<lazy_refcounts\/>\n\s*<\/features>/);
  assert.throws(() => parseVolumeXml("<volume><name>a.img</name><capacity>1</capacity><target><format type='raw'/><features><lazy_refcounts/></features></target></volume>"), /qcow2 volumes only/);
  assert.throws(() => parseVolumeXml("<volume><name>a</name><capacity>1</capacity><target><format type='qcow2'/><compat>2</compat></target></volume>"), /unsupported qcow2 compat '2'/);
});
