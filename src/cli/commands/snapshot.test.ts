import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotTree } from './snapshot.js';

test("virsh's --tree layout (vshTreePrint)", () => {
  assert.equal(snapshotTree([{ name: 's1' }, { name: 's2', parent: 's1' }, { name: 's3', parent: 's2' }]),
    's1\n  |\n  +- s2\n      |\n      +- s3\n        \n');
  assert.equal(snapshotTree([{ name: 'a' }, { name: 'b', parent: 'a' }, { name: 'c', parent: 'a' }, { name: 'z' }]),
    'a\n  |\n  +- b\n  +- c\n    \nz\n\n');
});
