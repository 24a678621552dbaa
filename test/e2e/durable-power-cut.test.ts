// A power cut under tsvirt's durable state folders (src/util/durable-dir.ts), on a real
// kernel and a real ext4: a TCG VM (scripts/make-node-guest.sh durable) writes and removes
// files through a DurableDir as fast as it can; the moment change N has returned, QEMU is
// killed, so the guest's page cache (files renamed but not yet written back) is lost. The
// next boot reopens the folder: every change up to N must be there, whole, and nothing
// removed may come back (test/guest/durable-check.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from '../../src/util/spawn.js';
import { runNodeGuest } from './node-guest.js';

test('a power cut loses no change that returned, and leaves no file half written', { timeout: 400_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-durable-vm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disk = join(dir, 'disk.img');
  const fd = openSync(disk, 'w');
  ftruncateSync(fd, 64 * 1024 * 1024);
  closeSync(fd);
  await runOk('mkfs.ext4', ['-q', '-F', disk]);
  const qemuArgs = ['-machine', 'pc', '-nic', 'none', '-drive', `file=${disk},if=virtio,format=raw`];
  const cut = await runNodeGuest<{ last: number; checkpoints: number }>({
    name: 'durable', mark: 'TSVIRT-DURABLE-CUT ', cut: true, timeoutMs: 150_000, qemuArgs, append: 'tsvirt.durable=write',
  }, t);
  assert.ok(cut.checkpoints > 0, 'the journal never filled: no checkpoint was cut through');
  const r = await runNodeGuest<{ last: number; damagedBeforeReplay: number; exampleDamage: string[]; badAfterReplay: string[] }>({
    name: 'durable', mark: 'TSVIRT-DURABLE-RESULT ', timeoutMs: 150_000, qemuArgs, append: `tsvirt.durable=verify tsvirt.last=${cut.last}`,
  }, t);
  t.diagnostic(`cut after change ${cut.last} (${cut.checkpoints} checkpoints); before the replay ${r.damagedBeforeReplay} files were wrong, e.g. ${r.exampleDamage.join(', ')}`);
  assert.equal(r.last, cut.last);
  assert.deepEqual(r.badAfterReplay, []);
});
