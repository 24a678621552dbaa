// USB host devices at start (found in a fake /sys/bus/usb/devices, never written), and the
// presence checks of the other host nodes devices open (TPM, vhost-vsock, vhost-scsi, mdev).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostRoot } from '../host/host-root.js';
import { findUsbDevice, listUsbDevices, usbDevicePath } from '../host/usb-devices.js';
import { parseAndPrepareDomain, parseDomainXml } from '../conf/domain-xml.js';
import { buildQemuArgv } from './argv.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';
import { requireHostNodes, resolveUsbHostdevs } from './hostdev-resources.js';
import { TsvirtError } from '../util/errors.js';

function fakeTree(t: { after: (f: () => void) => void }): { root: HostRoot; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-usb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dev = (name: string, vendor: string, product: string, bus: number, devnum: number) => {
    const d = join(dir, 'sys/bus/usb/devices', name);
    mkdirSync(d, { recursive: true });
    for (const [f, v] of [['idVendor', vendor], ['idProduct', product], ['busnum', String(bus)], ['devnum', String(devnum)]]) writeFileSync(join(d, f), `${v}\n`);
  };
  dev('usb1', '1d6b', '0002', 1, 1);
  dev('1-1', '046d', 'c52b', 1, 4);
  dev('1-2', '046d', 'c52b', 1, 5);
  dev('2-1', '0781', '5583', 2, 3);
  mkdirSync(join(dir, 'sys/bus/usb/devices/1-1:1.0'), { recursive: true }); // an interface: skipped
  return { root: new HostRoot(dir), dir };
}

const withHostdevs = (body: string) => parseDomainXml(`<domain type='qemu'><name>u</name><memory>65536</memory><os><type>hvm</type></os><devices>${body}</devices></domain>`);

test('lists USB devices and finds them by id, by bus/device, and refuses an ambiguous id', async (t) => {
  const { root } = fakeTree(t);
  assert.equal((await listUsbDevices(root)).length, 4);
  assert.deepEqual(await findUsbDevice(root, { vendor: 0x0781, product: 0x5583 }), { name: '2-1', vendor: 0x0781, product: 0x5583, bus: 2, device: 3 });
  assert.equal((await findUsbDevice(root, { bus: 1, device: 5 }))?.name, '1-2');
  assert.equal(await findUsbDevice(root, { vendor: 0x1234, product: 0xbeef }), undefined);
  await assert.rejects(findUsbDevice(root, { vendor: 0x046d, product: 0xc52b }), /Multiple USB devices for 046d:c52b, use <address> to specify one/);
  assert.equal((await findUsbDevice(root, { vendor: 0x046d, product: 0xc52b, bus: 1, device: 5 }))?.name, '1-2');
  assert.equal(usbDevicePath(2, 3), '/dev/bus/usb/002/003');
});

test('start: a USB hostdev gets its bus/device; a missing one fails with libvirt\'s message unless optional', async (t) => {
  const { root } = fakeTree(t);
  const dom = withHostdevs(`<hostdev mode='subsystem' type='usb'><source><vendor id='0x0781'/><product id='0x5583'/></source></hostdev>`);
  await resolveUsbHostdevs(root, dom);
  assert.deepEqual(dom.devices.hostdevs[0].source.usb, { vendor: 0x0781, product: 0x5583, bus: 2, device: 3 });

  const missing = withHostdevs(`<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>`);
  await assert.rejects(resolveUsbHostdevs(root, missing), (e: unknown) => e instanceof TsvirtError && e.message === 'Did not find USB device 1234:beef');
  const byAddr = withHostdevs(`<hostdev mode='subsystem' type='usb'><source><address bus='9' device='9'/></source></hostdev>`);
  await assert.rejects(resolveUsbHostdevs(root, byAddr), /Did not find USB device bus:9 device:9/);

  const optional = withHostdevs(`<hostdev mode='subsystem' type='usb'><source startupPolicy='optional'><vendor id='0x1234'/><product id='0xbeef'/></source></hostdev>`);
  await resolveUsbHostdevs(root, optional);
  assert.equal(optional.devices.hostdevs[0].missing, true);
});

test('start: TPM, vsock, vhost-scsi and mdev nodes must exist on the host', async (t) => {
  const { root, dir } = fakeTree(t);
  const tpm = withHostdevs(`<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>`);
  await assert.rejects(requireHostNodes(root, tpm), /TPM passthrough device: '\/dev\/tpm0' does not exist on this host/);
  mkdirSync(join(dir, 'dev'), { recursive: true });
  writeFileSync(join(dir, 'dev/tpm0'), '');
  await requireHostNodes(root, tpm);
  await assert.rejects(requireHostNodes(root, withHostdevs(`<vsock model='virtio'><cid address='3'/></vsock>`)), /vhost-vsock/);
  await assert.rejects(requireHostNodes(root, withHostdevs(`<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.50014057667280d8'/></hostdev>`)), /vhost-scsi/);
  await assert.rejects(requireHostNodes(root, withHostdevs(`<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>`)), /mediated device c2177883/);
});

test('argv: what cannot run here is refused clearly at start (SCSI passthrough, swtpm emulator, leases)', () => {
  const build = (devices: string) => () => buildQemuArgv(parseAndPrepareDomain(
    `<domain type='qemu'><name>u</name><memory>65536</memory><os><type machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`), goldenCaps, BASE_CTX);
  const refused = (devices: string, re: RegExp) => assert.throws(build(devices), (e: unknown) => e instanceof TsvirtError && e.code === 'config-unsupported' && re.test(e.message));
  refused(`<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>`, /SCSI host device passthrough/);
  refused(`<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>`, /TPM emulator backend needs the swtpm that tsvirt starts/);
  refused(`<lease><key>k</key><target path='/l'/></lease>`, /<lease> needs a lock manager/);
  refused(`<redirdev bus='usb' type='tcp'><source mode='connect' host='h' service='1' tls='yes'/></redirdev>`, /TLS/);
  // an unassigned PCI device is held on the host but not plugged into the guest
  const argv = build(`<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='6' slot='0' function='0'/></source><address type='unassigned'/></hostdev>`)();
  assert.ok(!argv.some((a) => a.includes('vfio-pci')), argv.join(' '));
});
