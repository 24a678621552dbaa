// Domain hostdevs at start and stop, against the fake kernel tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Domain, Hostdev } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { UndoStack } from '../util/undo.js';
import { sampleHost, type FakeSysfs } from '../host/testing/fake-sysfs.js';
import { hostdevResourceProvider } from './hostdev-resources.js';

function hd(addr: string, managed = true): Hostdev {
  const [d, b, sf] = addr.split(':') as [string, string, string];
  const [s, f] = sf.split('.') as [string, string];
  return {
    mode: 'subsystem', type: 'pci', managed, driver: 'vfio',
    source: { address: { type: 'pci', domain: parseInt(d, 16), bus: parseInt(b, 16), slot: parseInt(s, 16), function: parseInt(f, 16) } },
  } as Hostdev;
}
const dom = (name: string, ...hostdevs: Hostdev[]) => ({ name, devices: { hostdevs } }) as unknown as Domain;

async function refused(h: FakeSysfs, op: () => Promise<unknown>, re: RegExp) {
  const before = h.snapshot();
  await assert.rejects(op, (e: unknown) => e instanceof TsvirtError && re.test(e.message));
  assert.deepEqual(h.snapshot(), before);
}

test('managed hostdev: bound to vfio-pci at start, given back at release (also from the record alone)', async (t) => {
  const h = sampleHost();
  t.after(() => h.cleanup());
  const p = hostdevResourceProvider({ root: h.root });
  const undo = new UndoStack();
  const r = await p.prepare(dom('a', hd('0000:00:02.0')), undo);
  assert.deepEqual(r.record, { '0000:00:02.0': 'e1000e' });
  assert.equal(h.driverOf('0000:00:02.0'), 'vfio-pci');
  assert.equal(p.userOf('0000:00:02.0'), 'a');
  // a restarted tsvirtd has a fresh provider and only the record from the status file
  const fresh = hostdevResourceProvider({ root: h.root });
  await fresh.release(dom('a', hd('0000:00:02.0')), r.record!);
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');
  await fresh.release(dom('a', hd('0000:00:02.0')), r.record!); // twice is safe
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');
});

test('a failing start undoes the binding', async (t) => {
  const h = sampleHost();
  t.after(() => h.cleanup());
  const p = hostdevResourceProvider({ root: h.root });
  const undo = new UndoStack();
  await p.prepare(dom('a', hd('0000:00:02.0')), undo);
  await undo.run();
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');
  assert.equal(p.userOf('0000:00:02.0'), undefined);
});

test('refusals change nothing: missing, bridge, taken, same group, non-viable, unmanaged, no IOMMU', async (t) => {
  const h = sampleHost();
  t.after(() => h.cleanup());
  const running = new Map([['0000:00:02.0', 'other']]);
  const p = hostdevResourceProvider({ root: h.root, runningUsers: () => running });
  const u = () => new UndoStack();
  await refused(h, () => p.prepare(dom('a', hd('0000:07:00.0')), u()), /no PCI device at 0000:07:00.0/);
  await refused(h, () => p.prepare(dom('a', hd('0000:00:1c.0')), u()), /is a bridge/);
  await refused(h, () => p.prepare(dom('a', hd('0000:00:02.0')), u()), /already assigned to running domain 'other'/);
  await refused(h, () => p.prepare(dom('a', hd('0000:00:04.0')), u()),
    /IOMMU group 4 of PCI device 0000:00:04.0 is not viable: members 0000:00:04.0 \(nvme\), 0000:00:1f.2 \(ahci\); detach 0000:00:1f.2/);
  await refused(h, () => p.prepare(dom('a', hd('0000:00:04.0', false)), u()), /not viable/);
  running.set('0000:00:1f.2', 'other');
  await refused(h, () => p.prepare(dom('a', hd('0000:00:04.0'), hd('0000:00:1f.2')), u()), /shares IOMMU group 4 with 0000:00:1f.2, which running domain 'other' uses/);
  running.clear();
  // both members of the group to the same guest is fine
  const undo = u();
  await p.prepare(dom('a', hd('0000:00:04.0'), hd('0000:00:1f.2')), undo);
  assert.equal(h.driverOf('0000:00:1f.2'), 'vfio-pci');
  await refused(h, () => p.prepare(dom('b', hd('0000:00:1f.2')), u()), /shares IOMMU group 4 with 0000:00:04.0, which running domain 'a' uses/);
  await undo.run();
  assert.equal(h.driverOf('0000:00:1f.2'), 'ahci');
  await refused(h, () => p.prepare(dom('a', hd('0000:03:00.0', false)), u()), /unmanaged and bound to igb; run 'tsvirt nodedev-detach 0000:03:00.0'/);

  const noIommu = sampleHost({ iommu: false });
  t.after(() => noIommu.cleanup());
  const q = hostdevResourceProvider({ root: noIommu.root });
  await refused(noIommu, () => q.prepare(dom('a', hd('0000:00:02.0')), u()), /no IOMMU is enabled/);
});
