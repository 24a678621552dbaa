import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainSnapshot } from '../conf/snapshot-xml.js';
import { SnapshotTree } from '../conf/snapshot-tree.js';
import { filterSnapshots } from './snapshot-filter.js';

const snap = (name: string, parent: string | undefined, state: DomainSnapshot['state'], ext = false, t = 0): DomainSnapshot =>
  ({ name, parent, state, creationTime: t, disks: [{ name: 'vda', snapshot: ext ? 'external' : 'internal' }] });

const tree = new SnapshotTree([
  snap('r', undefined, 'running', false, 1), snap('off', 'r', 'shutoff', false, 2), snap('disk', 'r', 'disk-snapshot', true, 3),
  snap('deep', 'off', 'paused', false, 4),
]);
const names = (l: DomainSnapshot[]) => l.map((s) => s.name);

test("libvirt's list filters", () => {
  assert.deepEqual(names(filterSnapshots(tree, undefined, {})), ['r', 'off', 'disk', 'deep']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { roots: true })), ['r']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { leaves: true })), ['disk', 'deep']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { noLeaves: true })), ['r', 'off']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { leaves: true, noLeaves: true })), ['r', 'off', 'disk', 'deep']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { inactive: true })), ['off']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { active: true })), ['r', 'deep']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { diskOnly: true, inactive: true })), ['off', 'disk']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { external: true })), ['disk']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { internal: true })), ['r', 'off', 'deep']);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { noMetadata: true })), []);
  assert.deepEqual(names(filterSnapshots(tree, undefined, { metadata: true })).length, 4);
  assert.deepEqual(names(filterSnapshots(tree, 'r', {})), ['off', 'disk']);
  assert.deepEqual(names(filterSnapshots(tree, 'r', { descendants: true })), ['off', 'deep', 'disk']);
});
