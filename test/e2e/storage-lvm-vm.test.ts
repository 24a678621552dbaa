// Logical volumes on a real kernel with device-mapper: a TCG VM (scripts/make-node-guest.sh
// lvm /sbin/lvm) runs a whole tsvirtd whose logical pool lives on the VM's 64 MiB virtio
// disk, and drives it through the API (test/guest/lvm-check.ts). The machines the tests run
// on have no device-mapper, so storage-logical.test.ts can test the pool but not volumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeGuest } from './node-guest.js';

type Step = Record<string, unknown> & { error?: string; message?: string };

test('logical volumes on a kernel with device-mapper: build, create, upload/download, resize, wipe, delete', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-lvm-vm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disk = join(dir, 'disk.img');
  writeFileSync(disk, Buffer.alloc(64 * 1024 * 1024));
  const r = await runNodeGuest<Record<string, Step>>({
    name: 'lvm', programs: ['/sbin/lvm'], mark: 'TSVIRT-LVM-RESULT ', timeoutMs: 150_000,
    qemuArgs: ['-machine', 'pc', '-nic', 'none', '-drive', `file=${disk},if=virtio,format=raw`],
  }, t);
  const ok = (k: string) => assert.equal(r[k]?.error, undefined, `${k}: ${r[k]?.message}`);
  for (const k of ['define', 'build', 'start', 'info', 'create', 'upload', 'resize', 'wipe', 'list', 'delete', 'listAfter', 'destroy', 'poolDelete', 'undefine']) ok(k);
  const info = r.info as { capacity: number; active: boolean };
  assert.equal(info.active, true);
  assert.ok(info.capacity > 56 * 1024 ** 2 && info.capacity <= 64 * 1024 ** 2, `capacity ${info.capacity}`);
  assert.equal((r.create as { path: string }).path, '/dev/vgtest/lv1');
  assert.equal(r.qcow2.error, 'config-unsupported');
  assert.match(r.qcow2.message!, /logical volumes are raw, not qcow2/);
  const up = r.upload as { sent: string; back: string; bytes: number };
  assert.equal(up.back, up.sent, 'the downloaded bytes are the uploaded ones');
  assert.equal(up.bytes, 1024 * 1024 + 4096);
  assert.equal(r.tooBig.error, 'invalid-arg');
  assert.equal((r.resize as { capacity: number }).capacity, 24 * 1024 * 1024);
  assert.ok(r.shrinkRefused.error, 'a shrink without shrink: true is refused');
  assert.deepEqual(r.wipe, { zero: true, bytes: 1024 * 1024 });
  assert.deepEqual((r.list as { volumes: Array<{ name: string }> }).volumes.map((v) => v.name), ['lv1']);
  assert.deepEqual((r.listAfter as { volumes: unknown[] }).volumes, []);
});
