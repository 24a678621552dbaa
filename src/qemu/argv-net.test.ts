// What argv-net.ts refuses at start: interface types this host cannot run (define accepts them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { buildQemuArgv } from './argv.js';
import { netdevProps } from './argv-net.js';
import { goldenCaps, BASE_CTX } from '../../test/golden/golden.js';

const CAPS = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines: { pc: 'pc-i440fx-7.2' } };
const prepare = (devices: string) => parseAndPrepareDomain(`<domain type='qemu'><name>n</name><uuid>c0ffee00-0000-4000-8000-000000000398</uuid>
  <memory unit='KiB'>131072</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`, CAPS);

test('start refuses what this host cannot run, with config-unsupported', () => {
  const start = (devices: string) => buildQemuArgv(prepare(devices), goldenCaps, BASE_CTX);
  const refuses = (devices: string, re: RegExp) =>
    assert.throws(() => start(devices), (e: unknown) => isTsvirtError(e) && e.code === 'config-unsupported' && re.test(e.message));
  refuses("<interface type='vhostuser'><source type='unix' path='/tmp/none.sock' mode='client'/><model type='virtio'/></interface>", /vhost-user/);
  refuses("<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/></interface>", /vDPA device '\/dev\/vhost-vdpa-0'/);
  refuses("<interface type='direct'><source dev='eth0' mode='bridge'/></interface>", /macvtap on host device 'eth0'/);
  refuses("<interface type='hostdev'><source><address type='pci' bus='1' slot='0'/></source></interface>", /type='hostdev'/);
  refuses("<interface type='bridge'><source bridge='b'/><script path='/bin/true'/></interface>", /scripts are not supported on interfaces of type bridge/);
  refuses("<interface type='network'><source network='n'/><virtualport type='openvswitch'/></interface>", /<virtualport type='openvswitch'> needs Open vSwitch/);
  refuses("<interface type='bridge'><source bridge='b'/><virtualport type='openvswitch'/><vlan><tag id='4'/></vlan></interface>", /Open vSwitch/);
});

test('ethernet takes the tap fd the driver passed, like bridge and network', () => {
  const d = prepare("<interface type='ethernet'><target dev='t0' managed='no'/><model type='virtio'/><tune><sndbuf>4096</sndbuf></tune></interface>");
  assert.deepEqual(netdevProps(d.devices.interfaces[0], 0, 7), { type: 'tap', fd: '7', sndbuf: 4096, id: 'hostnet0' });
  assert.throws(() => netdevProps(d.devices.interfaces[0], 0, undefined), /needs a tap device/);
});
