// Host-facing devices in the model: USB hubs/redirdevs/smartcards with libvirt's USB port
// assignment, hostdev kinds, TPM, shmem, IOMMU, vsock, lease and the refusals libvirt makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDomainXml, parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';

const CAPS = { canonicalMachines: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } };
const xml = (devices: string, machine = 'pc', features = '<acpi/>') =>
  `<domain type='qemu'><name>t</name><memory>65536</memory><os><type machine='${machine}'>hvm</type></os><features>${features}</features><devices>${devices}</devices></domain>`;
const prepare = (devices: string, machine?: string, features?: string) => parseAndPrepareDomain(xml(devices, machine, features), CAPS);
const refused = (devices: string, re: RegExp, machine?: string, features?: string) => assert.throws(() => prepare(devices, machine, features), re);

test('USB ports: hubs first, then libvirt\'s device order; hubs are added when ports run out', () => {
  const d = prepare(`<input type='tablet' bus='usb'/><redirdev bus='usb' type='null'/><redirdev bus='usb' type='null'/><smartcard mode='host'/>`);
  const port = (x: { address?: unknown }) => (x.address as { port: string }).port;
  assert.equal(d.devices.hubs?.length, 1, 'UHCI has 2 ports for 4 devices: libvirt adds one hub');
  assert.equal(port(d.devices.hubs![0]), '1');
  const ccid = d.devices.controllers.find((c) => c.type === 'ccid')!;
  assert.equal(port(ccid), '2');
  assert.equal(port(d.devices.inputs.find((i) => i.bus === 'usb')!), '1.1');
  assert.deepEqual(d.devices.redirdevs!.map(port), ['1.2', '1.3']);
  assert.deepEqual(d.devices.smartcards![0].ccid, { controller: 0, slot: 0 });
});

test('an explicit USB address on a port that does not exist is refused', () => {
  refused(`<hub type='usb'><address type='usb' bus='0' port='5'/></hub>`, /port 5 out of range in USB address bus: 0 port: 5/);
  refused(`<redirdev bus='usb' type='null'><address type='usb' bus='0' port='1.1'/></redirdev>`, /there is no hub at port 1/);
});

test('refusals as libvirt: hostdev capabilities mode, nvram device, ivshmem, iommu rules, spicevmc without SPICE', () => {
  refused(`<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>`, /hostdev mode 'capabilities' is not supported in qemu/);
  refused(`<nvram><address type='spapr-vio' reg='0x3000'/></nvram>`, /nvram device is only supported for PPC64/);
  refused(`<shmem name='s'/>`, /ivshmem device is not supported with this QEMU binary/);
  refused(`<iommu model='intel'/>`, /IOMMU device: 'intel' is only supported with Q35 machines/);
  refused(`<iommu model='intel'><driver intremap='on'/></iommu>`, /requires split I\/O APIC/, 'q35');
  refused(`<iommu model='virtio'><driver caching_mode='on'/></iommu>`, /doesn't support additional attributes/, 'q35');
  refused(`<redirdev bus='usb' type='spicevmc'/>`, /chardev 'spicevmc' not supported without spice graphics/);
  refused(`<smartcard mode='host'/><smartcard mode='host'/>`, /lacks multiple smartcard support/);
  refused(`<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>`, /TPM version 1.2 is not supported with the tpm-crb model/);
  refused(`<hostdev mode='subsystem' type='scsi' sgio='unfiltered'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>`, /unfiltered sgio is no longer supported/);
  refused(`<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/></source></hostdev>`, /missing product/);
});

test('what the parser does not model is rejected with its name', () => {
  assert.throws(() => parseDomainXml(xml(`<hub type='usb' foo='1'/>`)), /unsupported attribute 'foo' on <hub>/);
  assert.throws(() => parseDomainXml(xml(`<tpm><backend type='passthrough'><device path='/dev/tpm0' x='1'/></backend></tpm>`)), /unsupported attribute 'x' on <device>/);
  assert.throws(() => parseDomainXml(xml(`<redirfilter><usbdev allow='yes'/><other/></redirfilter>`)), /unsupported element <other> in <redirfilter>/);
});

test('defaults: TPM model and version, shmem size and doorbell msi, SCSI hostdev address and controller, mdev display', () => {
  const d = prepare(`<tpm><backend type='emulator'/></tpm><shmem name='a'><model type='ivshmem-plain'/></shmem>
    <shmem name='b'><model type='ivshmem-doorbell'/><server/></shmem>
    <hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>`);
  assert.deepEqual([d.devices.tpms![0].model, d.devices.tpms![0].backend.version], ['tpm-tis', '1.2']);
  assert.equal(d.devices.shmems![0].size, 4096);
  assert.deepEqual(d.devices.shmems![1].msi, { ioeventfd: true });
  assert.equal(d.devices.shmems![1].server?.path, undefined, 'the default socket is the command line\'s, not written back');
  assert.deepEqual(d.devices.hostdevs[0].address, { type: 'drive', controller: 0, bus: 0, target: 0, unit: 0 });
  assert.equal(d.devices.controllers[0].type, 'scsi');
  assert.equal(d.devices.hostdevs[1].display, false);
});

test('lease and redirfilter round trip in libvirt\'s form', () => {
  const d = prepare(`<lease><lockspace>ls</lockspace><key>k</key><target path='/l' offset='1024'/></lease>
    <redirfilter><usbdev class='8' vendor='0x1234' product='0xbeef' version='1.1' allow='no'/></redirfilter>`);
  const out = formatDomainXml(d, { inactive: true });
  assert.match(out, /<lease>\n      <lockspace>ls<\/lockspace>\n      <key>k<\/key>\n      <target path='\/l' offset='1024'\/>\n    <\/lease>/);
  assert.match(out, /<usbdev class='0x08' vendor='0x1234' product='0xBEEF' version='1.10' allow='no'\/>/);
});
