import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findDevice, parseDeviceXml, withDeviceAdded, withDeviceRemoved } from './device-xml.js';
import { parseDomainXml } from './domain-xml.js';

const DOM = `<domain type='qemu'><name>d</name><memory>65536</memory><os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;

test('one device XML parses into {kind, device}; unknown kinds and attributes are refused', () => {
  const p = parseDeviceXml(`<disk type='volume' device='disk'><source pool='default' volume='v1'/><target dev='vdb' bus='virtio'/></disk>`);
  assert.equal(p.kind, 'disk');
  assert.deepEqual(p.kind === 'disk' && p.device.source, { pool: 'default', volume: 'v1' });
  assert.throws(() => parseDeviceXml(`<sound model='ich9'/>`), /device <sound> cannot be attached/);
  assert.throws(() => parseDeviceXml(`<disk bogus='1'><target dev='vdb'/></disk>`), /unsupported attribute 'bogus'/);
});

test('add/remove on a copy; a duplicate target and a missing device are errors', () => {
  const dom = parseDomainXml(DOM);
  const vdb = parseDeviceXml(`<disk><source file='/b.img'/><target dev='vdb'/></disk>`);
  const added = withDeviceAdded(dom, vdb);
  assert.equal(added.devices.disks.length, 2);
  assert.equal(dom.devices.disks.length, 1, 'the original is untouched');
  assert.throws(() => withDeviceAdded(added, vdb), /target vdb already exists/);
  assert.equal(findDevice(added, parseDeviceXml(`<disk><target dev='vdb'/></disk>`)), 1);
  assert.equal(withDeviceRemoved(added, vdb).def.devices.disks.length, 1);
  assert.throws(() => withDeviceRemoved(dom, vdb), /matching disk 'vdb' not found/);
});

