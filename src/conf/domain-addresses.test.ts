// PCI and virtio-serial address autofill as libvirt 9.0 does it (expected values checked against
// libvirt's embedded driver on this machine), and the errors it gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAndPrepareDomain } from './domain-xml.js';
import type { Domain, PciAddress } from './domain-types.js';

const dom = (devices: string, machine = 'pc') => `<domain type='qemu'><name>x</name><memory>65536</memory>
  <os><type arch='x86_64' machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`;
const prep = (devices: string, machine = 'pc') => parseAndPrepareDomain(dom(devices, machine), { canonicalMachines: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } });
const at = (a: unknown) => {
  const p = a as PciAddress;
  return `${p.bus}:${p.slot}.${p.function}${p.multifunction ? '+' : ''}`;
};
const pciControllers = (d: Domain) => d.devices.controllers.filter((c) => c.type === 'pci').map((c) => `${c.index}:${c.model}@${c.address ? at(c.address) : '-'}`);

test('q35: a conventional PCI device gets a pcie-root-port + pcie-to-pci-bridge, a PCIe one its own root port, plus a spare', () => {
  const d = prep("<interface type='user'><mac address='52:54:00:00:00:01'/><model type='e1000'/></interface>" +
    "<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/></interface><memballoon model='none'/>", 'q35');
  assert.deepEqual(pciControllers(d), ['0:pcie-root@-', '1:pcie-root-port@0:1.0+', '2:pcie-to-pci-bridge@1:0.0', '3:pcie-root-port@0:1.1', '4:pcie-root-port@0:1.2', '5:pcie-root-port@0:1.3']);
  assert.deepEqual(d.devices.interfaces.map((n) => at(n.address)), ['2:1.0', '3:0.0']);
  const bridge = d.devices.controllers.find((c) => c.model === 'pcie-to-pci-bridge')!;
  assert.equal(bridge.modelName, 'pcie-pci-bridge');
});

test('i440fx: a full bus 0 gets a pci-bridge in the slot libvirt keeps for it', () => {
  const nics = Array.from({ length: 30 }, (_, i) => `<interface type='user'><mac address='52:54:00:00:01:${(i + 1).toString(16).padStart(2, '0')}'/><model type='e1000'/></interface>`).join('');
  const d = prep(nics + "<memballoon model='none'/>");
  const bridge = d.devices.controllers.find((c) => c.model === 'pci-bridge')!;
  assert.equal(at(bridge.address), '0:2.0'); // no video: slot 2 is the first free one
  assert.deepEqual(bridge.target, { chassisNr: 1 });
  assert.equal(at(d.devices.interfaces[28].address), '0:31.0');
  assert.equal(at(d.devices.interfaces[29].address), '1:1.0');
});

test('USB2 companions share one slot: ehci1 at .7, uhci1 (multifunction) .0, uhci2 .1, uhci3 .2', () => {
  const d = prep("<controller type='usb' index='0' model='ich9-ehci1'/><controller type='usb' index='0' model='ich9-uhci1'/>" +
    "<controller type='usb' index='0' model='ich9-uhci2'/><controller type='usb' index='0' model='ich9-uhci3'/>");
  assert.deepEqual(d.devices.controllers.filter((c) => c.type === 'usb').map((c) => `${c.model}@${at(c.address)}:${c.master?.startport ?? '-'}`),
    ['ich9-ehci1@0:2.7:-', 'ich9-uhci1@0:2.0+:0', 'ich9-uhci2@0:2.1:2', 'ich9-uhci3@0:2.2:4']);
  // q35 puts the first USB2 set at 00:1d like real ICH9 hardware
  const q = prep("<controller type='usb' index='0' model='ich9-ehci1'/><controller type='usb' index='0' model='ich9-uhci1'/>", 'q35');
  assert.deepEqual(q.devices.controllers.filter((c) => c.type === 'usb').map((c) => at(c.address)), ['0:29.7', '0:29.0+']);
});

test('explicit addresses on missing buses make libvirt add the controllers; errors use libvirt\'s words', () => {
  const d = prep("<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><address type='pci' bus='0x03' slot='0x00'/></interface>", 'q35');
  assert.deepEqual(pciControllers(d).slice(0, 4), ['0:pcie-root@-', '1:pcie-root-port@0:1.0+', '2:pcie-root-port@0:1.1', '3:pcie-root-port@0:1.2']);
  assert.throws(() => prep("<controller type='usb' index='0' model='piix3-uhci'><address type='pci' bus='0' slot='5'/></controller>"),
    /PIIX3 USB controller at index 0 must have PCI address 0:0:1.2/);
  assert.throws(() => prep("<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><address type='pci' bus='0' slot='3'/></interface>" +
    "<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/><address type='pci' bus='0' slot='3'/></interface>"), /PCI 0000:00:03.0 is used by both/);
  assert.throws(() => prep("<controller type='pci' index='1' model='pci-bridge'><address type='pci' bus='0x01' slot='1'/></controller>"), /PCI controller at index 1 \(0x01\) has bus='0x01', but index must be larger than bus/);
});

test('an all-zero PCI address asks for one to be assigned', () => {
  const d = prep("<controller type='virtio-serial' index='0'><address type='pci'/></controller>");
  assert.equal(at(d.devices.controllers.find((c) => c.type === 'virtio-serial')!.address), '0:2.0');
});

test('virtio-serial ports: console on port 0, channels from 1, a full controller makes the next one', () => {
  const chan = (n: string, extra = '') => `<channel type='pty'><target type='virtio' name='${n}'/>${extra}</channel>`;
  const d = prep("<controller type='virtio-serial' index='0' ports='3'/><console type='pty'><target type='virtio'/></console>" +
    chan('a') + chan('b') + chan('c') + chan('d', "<address type='virtio-serial' controller='1'/>"));
  assert.deepEqual(d.devices.channels.map((c) => (c.address?.type === 'virtio-serial' ? `${c.address.controller}:${c.address.port}` : '-')), ['0:1', '0:2', '1:1', '1:2']);
  assert.equal(d.devices.consoles.find((c) => c.target?.type === 'virtio')!.address, undefined);
  assert.throws(() => prep("<controller type='virtio-serial' index='0' ports='2'/>" + chan('a', "<address type='virtio-serial' controller='0' port='2'/>")),
    /virtio serial controller 0 does not have port 2/);
});

test('duplicate controllers: USB may share an index (companions), others not', () => {
  assert.throws(() => prep("<controller type='scsi' index='0'/><controller type='scsi' index='0'/>"), /Multiple 'scsi' controllers with index '0'/);
  assert.throws(() => prep("<controller type='usb' index='0'/><controller type='usb' index='0'/>"), /Attempted double use of PCI Address 0000:00:01.2/);
});
