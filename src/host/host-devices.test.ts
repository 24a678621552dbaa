// PCI listing, SR-IOV and VFIO binding against the fake kernel tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvirtError } from '../util/errors.js';
import { listPciDevices, normalizePciAddress, readPciDevice, pciNodedevName } from './pci.js';
import { setNumVfs } from './sriov.js';
import { detachDevice, reattachDevice, resetDevice } from './vfio.js';
import { checkGroupViable, iommuPresent } from './iommu.js';
import { loadPciIds } from './pci-ids.js';
import { sampleHost, type FakeSysfs } from './testing/fake-sysfs.js';

function withHost(fn: (h: FakeSysfs) => Promise<void>, opts = {}) {
  return async () => {
    const h = sampleHost(opts);
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

/** Runs `op`, expects a TsvirtError with `code` matching `re`, and the tree unchanged. */
async function refused(h: FakeSysfs, op: () => Promise<unknown>, code: string, re: RegExp) {
  const before = h.snapshot();
  await assert.rejects(op, (e: unknown) => e instanceof TsvirtError && e.code === code && re.test(e.message));
  assert.deepEqual(h.snapshot(), before);
}

test('addresses in every spelling', () => {
  assert.equal(normalizePciAddress('03:00.1'), '0000:03:00.1');
  assert.equal(normalizePciAddress('pci_0000_03_00_1'), '0000:03:00.1');
  assert.equal(pciNodedevName('0000:03:00.1'), 'pci_0000_03_00_1');
  assert.throws(() => normalizePciAddress('03:00'), /not a PCI address/);
});

test('lists devices with ids, class, driver, group, link, SR-IOV', withHost(async (h) => {
  const devs = await listPciDevices(h.root);
  assert.deepEqual(devs.map((d) => d.address), ['0000:00:00.0', '0000:00:02.0', '0000:00:04.0', '0000:00:1c.0', '0000:00:1f.2', '0000:03:00.0']);
  const pf = devs.find((d) => d.address === '0000:03:00.0')!;
  assert.equal(pf.vendorId, 0x8086);
  assert.equal(pf.classCode, 0x020000);
  assert.equal(pf.driver, 'igb');
  assert.equal(pf.iommuGroup, 2);
  assert.equal(pf.parent, '0000:00:1c.0');
  assert.deepEqual(pf.linkCap, { speed: '2.5', width: 4 });
  assert.deepEqual(pf.sriov, { totalVfs: 7, numVfs: 0, vfs: [] });
  assert.deepEqual(pf.netIfaces, ['enp3s0f0']);
  const bridge = devs.find((d) => d.address === '0000:00:1c.0')!;
  assert.equal(bridge.headerType, 1);
  assert.equal(loadPciIds().product(pf.vendorId, pf.deviceId), '82576 Gigabit Network Connection');
  assert.equal(loadPciIds().className(pf.classCode), 'Ethernet controller');
}));

test('creating, changing and removing VFs follows the kernel rule', withHost(async (h) => {
  const vfs = await setNumVfs(h.root, '03:00.0', 2);
  assert.deepEqual(vfs, ['0000:03:10.0', '0000:03:10.2']);
  const vf = await readPciDevice(h.root, vfs[1]!);
  assert.equal(vf.physfn, '0000:03:00.0');
  assert.equal(vf.driver, 'igbvf');
  assert.notEqual(vf.iommuGroup, undefined);
  // 2 -> 3 goes through 0 (a direct write would be EBUSY)
  assert.equal((await setNumVfs(h.root, '0000:03:00.0', 3)).length, 3);
  assert.deepEqual(await setNumVfs(h.root, '0000:03:00.0', 0), []);
  assert.equal((await readPciDevice(h.root, '0000:03:00.0')).sriov!.numVfs, 0);
}));

test('SR-IOV bad input: unknown address, no SR-IOV, above total, VF in use', withHost(async (h) => {
  await refused(h, () => setNumVfs(h.root, '0000:09:00.0', 2), 'no-nodedev', /no PCI device at 0000:09:00.0/);
  await refused(h, () => setNumVfs(h.root, '0000:00:02.0', 2), 'operation-unsupported', /not an SR-IOV physical function/);
  await refused(h, () => setNumVfs(h.root, '0000:03:00.0', 8), 'invalid-arg', /at most 7 VFs/);
  await setNumVfs(h.root, '0000:03:00.0', 2);
  await refused(h, () => setNumVfs(h.root, '0000:03:00.0', 1, { userOf: (a) => (a === '0000:03:10.2' ? 'web1' : undefined) }),
    'operation-invalid', /0000:03:10.2 .* running domain 'web1'/);
}));

test('detach binds to vfio-pci (loading it), reattach restores the driver', withHost(async (h) => {
  const before = h.snapshot();
  const r = await detachDevice(h.root, '0000:00:02.0');
  assert.deepEqual(r, { address: '0000:00:02.0', originalDriver: 'e1000e' });
  assert.deepEqual(h.commands, [['modprobe', 'vfio-pci']]);
  assert.equal(h.driverOf('0000:00:02.0'), 'vfio-pci');
  assert.ok(await h.root.exists('/dev/vfio/3'));
  await reattachDevice(h.root, '0000:00:02.0', r.originalDriver);
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');
  assert.ok(!(await h.root.exists('/dev/vfio/3')));
  const after = h.snapshot();
  for (const k of Object.keys(before)) assert.equal(after[k], before[k], k);
  await resetDevice(h.root, '0000:00:02.0');
  assert.deepEqual(h.resets, ['0000:00:02.0']);
}));

test('detaching a bridge is refused, nothing changes', withHost(async (h) => {
  await refused(h, () => detachDevice(h.root, '0000:00:1c.0'), 'operation-invalid', /is a bridge .* not an endpoint/);
  await refused(h, () => detachDevice(h.root, '0000:00:00.0'), 'operation-invalid', /is a bridge/);
  await refused(h, () => detachDevice(h.root, '0000:0a:00.0'), 'no-nodedev', /no PCI device/);
}));

test('group viability lists members and drivers', withHost(async (h) => {
  assert.equal(await iommuPresent(h.root), true);
  const nvme = await readPciDevice(h.root, '0000:00:04.0');
  await assert.rejects(checkGroupViable(h.root, nvme, new Set()),
    /IOMMU group 4 of PCI device 0000:00:04.0 is not viable: members 0000:00:04.0 \(nvme\), 0000:00:1f.2 \(ahci\); detach 0000:00:1f.2/);
  await checkGroupViable(h.root, nvme, new Set(['0000:00:1f.2']));
  h.bindTo('0000:00:1f.2', undefined);
  await checkGroupViable(h.root, nvme, new Set());
}));
