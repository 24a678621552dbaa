// Controllers without index= (as virt-install writes them) and USB companions: the indexes
// libvirt's post-parse gives, and the checks around <master>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';

const dom = (devices: string, machine = 'pc') => `<domain type='qemu'><name>x</name><memory>65536</memory>
  <os><type arch='x86_64' machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`;
const indexes = (xml: string, type: string) =>
  parseDomainXml(xml).devices.controllers.filter((c) => c.type === type).map((c) => [c.model, c.index]);

test('a controller without index= takes the lowest index its type does not use yet', () => {
  const xml = dom(`<controller type='pci' model='pcie-root'/><controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/><controller type='pci' model='pcie-root-port'/><controller type='usb' model='qemu-xhci'/>`, 'q35');
  assert.deepEqual(indexes(xml, 'pci'), [['pcie-root', 0], ['pcie-root-port', 2], ['pcie-root-port', 1], ['pcie-root-port', 3]]);
  assert.deepEqual(indexes(xml, 'usb'), [['qemu-xhci', 0]]);
});

test('USB2 companions share the index of the controller before them; a second set gets the next one', () => {
  const set = `<controller type='usb' model='ich9-ehci1'/><controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>
    <controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>`;
  assert.deepEqual(indexes(dom(set + set), 'usb'), [
    ['ich9-ehci1', 0], ['ich9-uhci1', 0], ['ich9-uhci2', 0], ['ich9-ehci1', 1], ['ich9-uhci1', 1], ['ich9-uhci2', 1],
  ]);
  const prepared = parseAndPrepareDomain(dom(set));
  assert.deepEqual(prepared.devices.controllers.filter((c) => c.master).map((c) => c.master!.startport), [0, 2]);
});

test('<master> only on a USB companion, and one companion of a model per index', () => {
  assert.throws(() => parseAndPrepareDomain(dom("<controller type='usb' index='0' model='qemu-xhci'><master startport='0'/></controller>")), /<master> fits only USB companion/);
  assert.throws(() => parseAndPrepareDomain(dom(`<controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
    <controller type='usb' index='0' model='ich9-uhci1'><master startport='2'/></controller>`)), /Attempted double use of PCI Address 0000:00:02.0/);
  assert.throws(() => parseDomainXml(dom("<controller type='usb' model='ich9-uhci1'><master/></controller>")), /startport/);
});

test('<pm> parses yes/no and rejects anything else', () => {
  const d = parseDomainXml(dom('').replace('<devices>', "<pm><suspend-to-mem enabled='yes'/><suspend-to-disk enabled='no'/></pm><devices>"));
  assert.deepEqual(d.pm, { suspendToMem: true, suspendToDisk: false });
  assert.throws(() => parseDomainXml(dom('').replace('<devices>', "<pm><suspend-to-mem enabled='maybe'/></pm><devices>")), /enabled/);
  assert.throws(() => parseDomainXml(dom('').replace('<devices>', '<pm><hibernate/></pm><devices>')), /unsupported element <hibernate>/);
});

test('controllers in libvirt list order: by index within a type, a USB2 master before its companions', () => {
  const order = (xml: string) => parseDomainXml(xml).devices.controllers.map((c) => `${c.type}${c.index}${c.model ? ':' + c.model : ''}`);
  assert.deepEqual(order(dom(`<controller type='usb' index='0' model='ich9-uhci1'/><controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='pci' index='2' model='pci-bridge'/><controller type='pci' index='1' model='pci-bridge'/>`)),
  ['usb0:ich9-ehci1', 'usb0:ich9-uhci1', 'pci1:pci-bridge', 'pci2:pci-bridge']);
  // libvirt's own output (controllers it added last) keeps its order on a second define
  assert.deepEqual(order(dom("<controller type='pci' index='0' model='pci-root'/><controller type='scsi' index='0'/><controller type='pci' index='1' model='pci-bridge'/>")),
    ['pci0:pci-root', 'scsi0', 'pci1:pci-bridge']);
});
