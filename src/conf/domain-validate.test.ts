import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAndPrepareDomain } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';

const base = readFileSync(new URL('../../test/fixtures/domain/i440fx-full.xml', import.meta.url), 'utf8');
const rejects = (xml: string, code: string, re: RegExp) =>
  assert.throws(() => parseAndPrepareDomain(xml), (e) => isTsvirtError(e) && e.code === code && re.test(e.message), String(re));
const withDevices = (devs: string, extra = '') =>
  `<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>${extra}<os><type>hvm</type></os><devices>${devs}</devices></domain>`;

test('a valid domain passes', () => {
  assert.equal(parseAndPrepareDomain(base).name, 'i440fx-full');
});

test('memory, vcpu and name limits', () => {
  rejects(base.replace("<memory unit='MiB'>512</memory>", '<memory>0</memory>'), 'xml-error', /Memory size must be specified via <memory> or in the <numa> configuration/);
  rejects(base.replace("<memory unit='MiB'>512</memory>", "<memory unit='TiB'>17</memory>"), 'config-unsupported', /exceeds the maximum of 16 TiB/);
  rejects(base.replace("<memory unit='MiB'>512</memory>", "<memory unit='MiB'>512</memory><currentMemory unit='GiB'>1</currentMemory>"), 'xml-error', /currentMemory .* must not exceed memory/);
  rejects(base.replace('<vcpu>2</vcpu>', "<vcpu current='3'>2</vcpu>"), 'xml-error', /current vcpus \(3\)/);
  rejects(base.replace('<vcpu>2</vcpu>', "<vcpu>2</vcpu><on_reboot>preserve</on_reboot>"), 'config-unsupported', /'preserve' action is not supported for on_reboot/);
  rejects(base.replace("<memory unit='MiB'>512</memory>", "<maxMemory slots='4' unit='GiB'>4</maxMemory><memory unit='MiB'>512</memory>"), 'config-unsupported', /At least one numa node has to be configured when enabling memory hotplug/);
  rejects(base.replace('<vcpu>2</vcpu>', '<vcpu>0</vcpu>'), 'xml-error', /at least 1/);
  rejects(base.replace('<vcpu>2</vcpu>', '<vcpu>5000</vcpu>'), 'config-unsupported', /exceeds the maximum of 4096/);
  rejects(base.replace('<name>i440fx-full</name>', '<name>a/b</name>'), 'xml-error', /must not contain '\/'/);
  rejects(base.replace('<name>i440fx-full</name>', '<name></name>'), 'xml-error', /must not be empty/);
  rejects(base.replace('<name>i440fx-full</name>', '<name>.hidden</name>'), 'xml-error', /must not start with '.'/);
  rejects(base.replace('<name>i440fx-full</name>', `<name>${'x'.repeat(256)}</name>`), 'xml-error', /longer than 255/);
  rejects(base.replace('<vcpu>2</vcpu>', "<vcpu>2</vcpu><cpu><topology sockets='1' cores='1' threads='1'/></cpu>"), 'xml-error', /does not match the vcpu count 2/);
});

test('device checks', () => {
  const disk = (dev: string) => `<disk type='file'><source file='/x${dev}'/><target dev='${dev}'/></disk>`;
  rejects(withDevices(disk('vda') + disk('vda')), 'xml-error', /target 'vda' duplicated/);
  const nic = (mac: string) => `<interface type='user'><mac address='${mac}'/></interface>`;
  rejects(withDevices(nic('52:54:00:00:00:01') + nic('52:54:00:00:00:01')), 'xml-error', /used by more than one interface/);
  rejects(withDevices(nic('01:00:5e:00:00:01')), 'xml-error', /multicast/);
  rejects(withDevices(nic('52:54:00:00:01')), 'xml-error', /invalid MAC address/);
  rejects(withDevices("<interface type='network'/>"), 'xml-error', /needs <source network/);
  rejects(withDevices("<disk type='file'><source file='/x'/><target dev='vda'/><boot order='1'/></disk>").replace('<type>hvm</type>', "<type>hvm</type><boot dev='hd'/>"), 'config-unsupported', /per-device boot elements cannot be used together/);
  rejects(withDevices("<disk type='file'><source file='/x'/><target dev='hda'/></disk>").replace('<type>', "<type machine='q35'>"), 'config-unsupported', /IDE is not available on a q35/);
  rejects(withDevices("<disk type='file'><source file='/x'/><target dev='vda' bus='virtio'/><address type='drive'/></disk>"), 'xml-error', /address type 'drive' does not fit bus 'virtio'/);
  // libvirt allows USB controllers to share an index (companions); two at one PCI address clash there
  rejects(withDevices("<controller type='usb' index='0'/><controller type='usb' index='0'/>"), 'xml-error', /Attempted double use of PCI Address 0000:00:01.2/);
  rejects(withDevices("<controller type='scsi' index='0'/><controller type='scsi' index='0' model='virtio-scsi'/>"), 'xml-error', /Multiple 'scsi' controllers with index '0'/);
  // libvirt accepts a virtio channel without a name (QEMU's virtserialport gets none)
  assert.doesNotThrow(() => parseAndPrepareDomain(withDevices("<channel type='unix'><target type='virtio'/></channel>")));
  rejects(withDevices("<graphics type='vnc' port='80' autoport='no'/>"), 'xml-error', /below 5900/);
  rejects(withDevices("<disk type='file'><target dev='vda'/></disk>"), 'xml-error', /has no <source>/);
  const hostdev = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x02' function='0x1'/></source></hostdev>";
  rejects(withDevices(hostdev + hostdev), 'xml-error', /host device PCI 0000:06:02.1 is assigned more than once/);
  rejects(withDevices("<disk type='block' device='lun'><source dev='/dev/sdx'/><target dev='hda'/></disk>"), 'config-unsupported', /device 'lun' needs bus 'scsi' or 'virtio'/);
  rejects(withDevices('').replace('<os>', '<vcpu>300</vcpu><os>'), 'config-unsupported', /at most 255 vCPUs/);
  rejects(withDevices('', '<os><type arch="aarch64">hvm</type></os>').replace('<os><type>hvm</type></os>', ''), 'config-unsupported', /architecture 'aarch64'/);
});
