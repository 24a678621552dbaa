// Domain start with a managed <hostdev> against a fake host tree and real QEMU: the device
// is bound to vfio-pci before QEMU runs; QEMU cannot open it (it exists only in the fake
// tree), so the start fails and the device is given back to its driver. The fake device's
// address is checked to be absent from this machine, so QEMU touches no real device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../../src/daemon/tsvirtd.js';
import { rootPaths } from '../../src/daemon/paths.js';
import { FakeSysfs } from '../../src/host/testing/fake-sysfs.js';
import { TsvirtError } from '../../src/util/errors.js';
import { ensureTestGuest, minimalDomainXml } from './guest.js';
import { Client } from '../../src/client/client.js';

const ADDR = '0000:42:00.0';
const HOSTDEV = `<hostdev mode='subsystem' type='pci' managed='yes'>
  <driver name='vfio'/>
  <source><address domain='0x0000' bus='0x42' slot='0x00' function='0x0'/></source>
</hostdev>`;

test('a start whose QEMU fails gives the hostdev back', { timeout: 120_000, skip: existsSync(`/sys/bus/pci/devices/${ADDR}`) && `${ADDR} exists on this machine` }, async (t) => {
  const h = new FakeSysfs([{ address: ADDR, vendor: 0x8086, device: 0x10d3, class: 0x020000, driver: 'e1000e', iommuGroup: 9 }]);
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-hostdev-'));
  const d = await startDaemon(rootPaths(dir), { kvmProbe: false, log: { info: () => {}, warn: () => {} }, hostRoot: h.root });
  t.after(async () => {
    await d.close();
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const g = await ensureTestGuest();
  await d.service.define(minimalDomainXml({ name: 'hd', kernel: g.kernel, initrd: g.initrd, extraDevices: HOSTDEV }));
  const before = h.snapshot();
  await assert.rejects(d.service.start('hd'), (e: unknown) => { return e instanceof TsvirtError && /-device \{"driver":"vfio-pci","host":"0000:42:00.0","id":"hostdev0".*no such host device/.test(e.message); });
  assert.deepEqual(h.commands, [['modprobe', 'vfio-pci']], 'vfio-pci was loaded for the managed device');
  assert.equal(h.driverOf(ADDR), 'e1000e');
  const after = h.snapshot();
  for (const k of Object.keys(before)) assert.equal(after[k], before[k], k);
  assert.equal(d.service.registry.lookup('hd').vm, undefined);

  // hot-plug through the generic attach-device path: the same binding, QMP device_add
  // fails the same way, and the device is given back
  await d.service.define(minimalDomainXml({ name: 'plain', kernel: g.kernel, initrd: g.initrd }));
  await d.service.start('plain');
  const c = new Client({ uri: `qemu+unix:///system?socket=${rootPaths(dir).socket}` });
  await assert.rejects(c.call('domain.attachDevice', { domain: 'plain', xml: HOSTDEV, live: true }),
    (e: unknown) => /0000:42:00.0.*no such host device/.test((e as Error).message));
  assert.equal(h.driverOf(ADDR), 'e1000e');
  assert.equal(h.commands.length, 1);
  await d.service.destroy('plain');
});
