import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDomainXml, parseAndPrepareDomain } from './domain-xml.js';
import { applyDomainDefaults } from './domain-defaults.js';
import { describeAddress } from './domain-address-xml.js';
import { diskNameIndex } from './domain-addresses.js';
import type { DeviceCommon } from './domain-types.js';

const load = (f: string) => readFileSync(new URL(`../../test/fixtures/domain/${f}`, import.meta.url), 'utf8');
const addr = (d: DeviceCommon) => (d.address ? describeAddress(d.address) : 'none');

test('minimal i440fx: what libvirt 9 fills in', () => {
  const input = parseDomainXml(load('minimal.xml'));
  const d = applyDomainDefaults(input, { defaultMachine: 'pc-i440fx-7.2' });
  assert.equal(input.currentMemory, undefined, 'input is not mutated');
  assert.equal(d.os.arch, 'x86_64');
  assert.equal(d.os.machine, 'pc-i440fx-7.2');
  assert.deepEqual(d.os.boot, ['hd']);
  assert.equal(d.currentMemory, 65536);
  assert.equal(d.vcpu.placement, 'static');
  assert.deepEqual([d.onPoweroff, d.onReboot, d.onCrash], ['destroy', 'restart', 'destroy']);
  assert.deepEqual(d.clock, { offset: 'utc', timers: [] });
  assert.equal(d.devices.emulator, '/usr/bin/qemu-system-x86_64');
  assert.deepEqual(d.devices.controllers.map((c) => [c.type, c.index, c.model, addr(c)]), [
    ['usb', 0, 'piix3-uhci', 'PCI 0000:00:01.2'],
    ['pci', 0, 'pci-root', 'none'],
  ]);
  assert.deepEqual(d.devices.inputs, [{ type: 'mouse', bus: 'ps2' }, { type: 'keyboard', bus: 'ps2' }]);
  assert.equal(addr(d.devices.memballoon!), 'PCI 0000:00:02.0');
  assert.equal(applyDomainDefaults(input).os.machine, 'pc');
});

test('i440fx full: slots in libvirt order (matches virsh define of libvirt 9.0)', () => {
  const d = applyDomainDefaults(parseDomainXml(load('i440fx-full.xml')));
  const dv = d.devices;
  assert.deepEqual(dv.disks.map((x) => [x.target.dev, x.target.bus, x.driver?.name, x.driver?.type, addr(x)]), [
    ['vda', 'virtio', 'qemu', 'raw', 'PCI 0000:00:07.0'],
    ['sda', 'scsi', 'qemu', 'raw', 'drive 0:0:0:0'],
    ['hdc', 'ide', 'qemu', 'raw', 'drive 0:1:0:0'],
  ]);
  assert.deepEqual(dv.controllers.map((c) => `${c.type}${c.index}/${c.model ?? ''}@${addr(c)}`), [
    'usb0/piix3-uhci@PCI 0000:00:01.2',
    'pci0/pci-root@none',
    'scsi0/lsilogic@PCI 0000:00:05.0',
    'ide0/@PCI 0000:00:01.1',
    'virtio-serial0/@PCI 0000:00:06.0',
  ]);
  assert.deepEqual(dv.interfaces.map((n) => [n.model, addr(n)]), [['virtio', 'PCI 0000:00:03.0'], ['rtl8139', 'PCI 0000:00:04.0']]);
  for (const n of dv.interfaces) assert.match(n.mac, /^52:54:00:/);
  assert.notEqual(dv.interfaces[0].mac, dv.interfaces[1].mac);
  assert.deepEqual(dv.serials[0].target, { type: 'isa-serial', port: 0, model: 'isa-serial' });
  assert.deepEqual(dv.consoles, [{ type: 'pty', target: { type: 'serial', port: 0 } }]);
  assert.equal(addr(dv.channels[0]), 'virtio-serial 0:0:1');
  assert.deepEqual(dv.graphics[0], { type: 'vnc', listens: [{ type: 'address', address: '127.0.0.1' }], listen: '127.0.0.1', port: -1, autoport: true });
  assert.deepEqual(dv.videos.map((v) => [v.model, addr(v)]), [[{ type: 'cirrus', vram: 16384, heads: 1, primary: true }, 'PCI 0000:00:02.0']]);
  assert.equal(addr(dv.memballoon!), 'PCI 0000:00:08.0');
  assert.equal(addr(dv.rngs[0]), 'PCI 0000:00:09.0');
  assert.deepEqual([dv.watchdogs[0].action, addr(dv.watchdogs[0])], ['reset', 'PCI 0000:00:0a.0']);
});

test('q35: sata/xhci/pcie-root, one root port per device plus a spare', () => {
  const d = applyDomainDefaults(parseDomainXml(load('minimal-q35.xml')));
  assert.deepEqual(d.devices.controllers.map((c) => `${c.type}${c.index}/${c.model ?? ''}@${addr(c)}`), [
    'usb0/qemu-xhci@PCI 0000:01:00.0',
    'sata0/@PCI 0000:00:1f.2',
    'pci0/pcie-root@none',
    'pci1/pcie-root-port@PCI 0000:00:01.0',
    'pci2/pcie-root-port@PCI 0000:00:01.1',
    'pci3/pcie-root-port@PCI 0000:00:01.2',
  ]);
  const rp = d.devices.controllers[3];
  assert.deepEqual([rp.modelName, rp.target, (rp.address as { multifunction?: boolean }).multifunction], ['pcie-root-port', { chassis: 1, port: 0x8 }, true]);
  // with a video card in slot 1 the ports start at slot 2 (port 0x10), as libvirt
  const v = applyDomainDefaults(parseDomainXml(load('minimal-q35.xml').replace('</os>', "</os><devices><graphics type='vnc'/></devices>")));
  assert.equal(addr(v.devices.videos[0]), 'PCI 0000:00:01.0');
  assert.deepEqual(v.devices.controllers[3].target, { chassis: 1, port: 0x10 });
  assert.equal(addr(d.devices.memballoon!), 'PCI 0000:02:00.0');
  // applying defaults again changes nothing
  assert.deepEqual(applyDomainDefaults(d), d);
});

test('q35: explicit addresses are kept, buses they name get ports, sata disks get drive addresses', () => {
  const d = applyDomainDefaults(parseDomainXml(load('hostdev.xml')));
  assert.equal(addr(d.devices.hostdevs[1]), 'PCI 0000:01:00.0');
  assert.notEqual(addr(d.devices.hostdevs[0]), 'PCI 0000:01:00.0');
  assert.deepEqual(d.os.boot, [], 'no <boot dev> with per-device boot order');
  const s = applyDomainDefaults(parseDomainXml(load('disk-sata-q35.xml')));
  assert.deepEqual(s.devices.disks.map(addr), ['drive 0:0:0:0', 'drive 0:0:0:1', 'drive 0:0:0:2']);
  assert.ok(s.devices.controllers.some((c) => c.type === 'scsi' && c.model === 'lsilogic'));
});

test('consoles, channels, usb inputs', () => {
  const c = applyDomainDefaults(parseDomainXml(load('console-only.xml')));
  assert.deepEqual(c.devices.serials, [{ type: 'pty', target: { type: 'isa-serial', port: 0, model: 'isa-serial' } }]);
  const v = applyDomainDefaults(parseDomainXml(load('console-virtio.xml')));
  assert.equal(v.devices.serials.length, 0);
  assert.ok(v.devices.controllers.some((x) => x.type === 'virtio-serial'));
  const ch = applyDomainDefaults(parseDomainXml(load('channels.xml')));
  assert.deepEqual(ch.devices.channels.map(addr), ['virtio-serial 0:0:1', 'virtio-serial 0:0:3', 'virtio-serial 0:0:2']);
  const t = applyDomainDefaults(parseDomainXml(load('input-tablet.xml')));
  assert.deepEqual(t.devices.inputs.map((i) => `${i.type}/${i.bus}@${addr(i)}`), [
    'tablet/usb@USB 0:1', 'keyboard/virtio@PCI 0000:00:03.0', 'mouse/ps2@none', 'keyboard/ps2@none',
  ]);
});

test('address conflicts are errors', () => {
  const xml = load('video-models.xml').replace("<model type='virtio' heads='2'/>", "<model type='virtio' heads='2'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>");
  assert.throws(() => parseAndPrepareDomain(xml), /PCI 0000:00:02.0 is used by both video\[0\] and video\[1\]/);
});

test('disk name index as libvirt', () => {
  assert.deepEqual(['sda', 'hdc', 'vdz', 'sdaa', 'xyz'].map(diskNameIndex), [0, 2, 25, 26, undefined]);
  const x = load('minimal.xml').replace('</os>', "</os><devices><disk type='file'><source file='/x'/><target dev='xyz'/></disk></devices>");
  assert.throws(() => parseAndPrepareDomain(x), /cannot infer the bus of disk target 'xyz'/);
});
