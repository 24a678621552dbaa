// End to end: a logical (LVM) pool on a loop device this test creates and removes (also
// on failure). Logical volumes need the kernel's device-mapper: where it is missing (some
// containers, these machines), the volume part is skipped with that reason; the pool part
// still runs, and storage-lvm-vm.test.ts tests volumes inside a VM whose kernel has it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTestDaemon, type TestDaemon } from './daemon.js';

const VG = `tsvirt_e2e_${process.pid}`;
const canLoop = spawnSync('losetup', ['-f']).status === 0 && spawnSync('pvcreate', ['--version']).status === 0;
const hasDm = existsSync('/dev/mapper/control') && spawnSync('dmsetup', ['targets']).status === 0;
const skipAll = canLoop ? false : 'loop devices or lvm2 are not available here (losetup -f / pvcreate failed)';
const skipLv = skipAll || (hasDm ? false : 'the kernel has no device-mapper (dmsetup targets fails): logical volumes cannot be created here (storage-lvm-vm.test.ts tests them in a VM)');

let d: TestDaemon | undefined;
let dir: string;
let loop = '';

before(async () => {
  if (skipAll) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-lvm-'));
  const img = path.join(dir, 'disk.img');
  spawnSync('truncate', ['-s', '96M', img]);
  const r = spawnSync('losetup', ['-f', '--show', img], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  loop = r.stdout.trim();
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
  // whatever the test left: the volume group, the PV label, the loop device
  if (loop) {
    spawnSync('vgremove', ['-f', VG]);
    spawnSync('pvremove', ['-y', loop]);
    spawnSync('losetup', ['-d', loop]);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await d!.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

test('logical pool: define-as, build (pvcreate + vgcreate), start, info, destroy', { skip: skipAll }, async () => {
  assert.match(await ok(['pool-define-as', VG, 'logical', '--source-dev', loop]), new RegExp(`Pool ${VG} defined`));
  assert.match(await ok(['pool-dumpxml', VG]), new RegExp(`<device path='${loop}'/>\\s*<name>${VG}</name>\\s*<format type='lvm2'/>[\\s\\S]*<path>/dev/${VG}</path>`));
  assert.match(await ok(['pool-build', VG]), /built/);
  assert.equal(spawnSync('vgs', [VG]).status, 0, 'the volume group exists');
  await ok(['pool-start', VG]);
  const info = await ok(['pool-info', VG, '--bytes']);
  assert.match(info, /^State:\s+running$/m);
  const cap = Number(/^Capacity:\s+(\d+)$/m.exec(info)?.[1]);
  assert.ok(cap > 80 * 1024 ** 2 && cap <= 96 * 1024 ** 2, `capacity ${cap}`);
  assert.match(await ok(['vol-list', VG]), /^ Name\s+Path\s*\n-+\n$/m);
});

test('logical volumes: create, upload/download, resize, delete', { skip: skipLv }, async () => {
  await ok(['vol-create-as', VG, 'lv1', '8M']);
  assert.equal((await ok(['vol-path', '--pool', VG, 'lv1'])).trim(), `/dev/${VG}/lv1`);
  const src = path.join(dir, 'up.bin');
  writeFileSync(src, randomBytes(8 * 1024 ** 2));
  await ok(['vol-upload', '--pool', VG, 'lv1', src]);
  const back = path.join(dir, 'down.bin');
  await ok(['vol-download', '--pool', VG, 'lv1', back]);
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  assert.equal(sha(back), sha(src));
  await ok(['vol-resize', '--pool', VG, 'lv1', '16M']);
  assert.match(await ok(['vol-info', '--pool', VG, 'lv1']), /Capacity:\s+16\.00 MiB/);
  await ok(['vol-delete', '--pool', VG, 'lv1']);
});

test('logical pool: destroy, delete (vgremove + pvremove), undefine', { skip: skipAll }, async () => {
  await ok(['pool-destroy', VG]);
  assert.match(await ok(['pool-delete', VG]), /deleted/);
  assert.notEqual(spawnSync('vgs', [VG]).status, 0, 'the volume group is gone');
  await ok(['pool-undefine', VG]);
});
