import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { remoteProcs } from './procs-table.js';
import { REMOTE_PROC_NAMES } from './proc-names.js';

test('every declared procedure has the number libvirt 9.0 gives that name', () => {
  const wrong = Object.entries(remoteProcs)
    .filter(([name, p]) => REMOTE_PROC_NAMES[p.num] !== name)
    .map(([name, p]) => `${name} is ${REMOTE_PROC_NAMES.indexOf(name)}, declared ${p.num}`);
  assert.deepEqual(wrong, []);
  assert.equal(REMOTE_PROC_NAMES.length, 444);
});
