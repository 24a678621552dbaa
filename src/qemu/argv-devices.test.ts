// argv of controllers, inputs, video, rng, balloon, watchdog, panic: user aliases as QEMU ids,
// the live aliases that match them, and the refusals at start for what QEMU here cannot run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQemuArgv, deviceAliases } from './argv.js';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';
import { isTsvirtError } from '../util/errors.js';

const dom = (devices: string, machine = 'pc') => parseAndPrepareDomain(`<domain type='qemu'><name>x</name><memory>65536</memory>
  <os><type arch='x86_64' machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`);
const devices = (argv: string[]) => argv.flatMap((a, i) => (argv[i - 1] === '-device' || argv[i - 1] === '-object' ? [JSON.parse(a) as Record<string, unknown>] : []));

test('user aliases are the QEMU ids (and the live aliases); a SCSI controller alias names its bus', () => {
  const d = dom(`<controller type='scsi' index='0' model='virtio-scsi'><alias name='ua-hba'/></controller>
    <disk type='file' device='disk'><source file='/x.img'/><target dev='sda' bus='scsi'/></disk>
    <input type='tablet' bus='usb'><alias name='ua-tab'/></input><rng model='virtio'><backend model='builtin'/><alias name='ua-rng'/></rng>
    <memballoon model='virtio'><alias name='ua-mb'/></memballoon>`);
  const devs = devices(buildQemuArgv(d, goldenCaps, BASE_CTX));
  const byDriver = (drv: string) => devs.find((p) => p.driver === drv)!;
  assert.equal(byDriver('virtio-scsi-pci').id, 'ua-hba');
  assert.equal(byDriver('scsi-hd').bus, 'ua-hba.0');
  assert.equal(byDriver('usb-tablet').id, 'ua-tab');
  assert.equal(byDriver('virtio-rng-pci').id, 'ua-rng');
  assert.equal(byDriver('virtio-balloon-pci').id, 'ua-mb');
  const a = deviceAliases(d);
  assert.equal(a.memballoon, 'ua-mb');
  assert.ok(a.rngs.includes('ua-rng') && a.inputs.includes('ua-tab') && a.controllers.includes('ua-hba'));
});

test('evdev input is an input-linux object; passthrough a virtio-input-host-pci', () => {
  const d = dom("<input type='evdev'><source dev='/dev/input/event5' grab='all' repeat='on'/></input><input type='passthrough' bus='virtio'><source evdev='/dev/input/event6'/></input>");
  const devs = devices(buildQemuArgv(d, goldenCaps, BASE_CTX));
  assert.deepEqual(devs.find((p) => p['qom-type'] === 'input-linux'), { 'qom-type': 'input-linux', id: 'input0', evdev: '/dev/input/event5', repeat: true, grab_all: true });
  assert.equal(devs.find((p) => p.driver === 'virtio-input-host-pci')!.evdev, '/dev/input/event6');
});

test('what libvirt defines but QEMU here cannot run fails at start with config-unsupported', () => {
  for (const xml of ["<controller type='scsi' index='0' model='dc390'/>", "<controller type='scsi' index='0' model='buslogic'/>",
    "<panic model='hyperv'/>"]) {
    const d = dom(xml);
    assert.throws(() => buildQemuArgv(d, goldenCaps, BASE_CTX), (e) => isTsvirtError(e) && e.code === 'config-unsupported', xml);
  }
  // a xen balloon has no PCI connection: libvirt's address assignment already refuses it
  assert.throws(() => dom("<memballoon model='xen'/>"), /Cannot automatically add a new PCI bus for a device with connect flags 00/);
});
