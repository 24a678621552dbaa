import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchQemu, spawned } from './qemu-process.js';

test('launchQemu passes extra environment (<qemu:env>, TZ) on top of the minimal one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-env-'));
  try {
    const log = join(dir, 'log');
    // /usr/bin/env stands in for QEMU: it prints its environment into the log
    const child = launchQemu('/usr/bin/env', [], log, [], { TZ: 'Europe/Paris', QEMU_X: 'a b' });
    await spawned(child);
    // the child is detached and unref'd: wait for its output rather than its exit
    let out = '';
    for (let i = 0; i < 100 && !/^LC_ALL=/m.test(out); i++) {
      await new Promise((r) => setTimeout(r, 20));
      out = readFileSync(log, 'utf8');
    }
    assert.match(out, /^TZ=Europe\/Paris$/m);
    assert.match(out, /^QEMU_X=a b$/m);
    assert.match(out, /^LC_ALL=C$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
