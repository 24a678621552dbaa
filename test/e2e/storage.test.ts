// End to end: storage pools and volumes through the real tsvirtd and CLI, with real qemu-img
// (a dir pool in a temporary folder), every bad input of issue 4 leaving nothing changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { run } from '../../src/util/spawn.js';
import { Client } from '../../src/client/client.js';

let d: TestDaemon;
let poolDir: string;

before(async () => {
  d = await startTestDaemon();
  poolDir = path.join(d.root, 'pool1');
});
after(async () => {
  await d?.stop();
});

async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function fails(args: string[], why: RegExp): Promise<void> {
  const r = await d.cli(args);
  assert.equal(r.code, 1, `tsvirt ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, why);
  assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const listing = () => readdirSync(poolDir).sort().join(',');
async function imgInfo(file: string): Promise<Record<string, unknown>> {
  const r = await run('qemu-img', ['info', '--output=json', '-U', file]);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('the default pool exists at first start: active, autostarted, at the images folder', async () => {
  const out = await ok(['pool-list', '--all', '--details']);
  assert.match(out, /^ Name\s+State\s+Autostart\s+Persistent\s+Capacity\s+Allocation\s+Available$/m);
  assert.match(out, /^ default\s+running\s+yes\s+yes\s+\d+\.\d\d [KMGT]iB/m);
  assert.match(await ok(['pool-dumpxml', 'default']), new RegExp(`<path>${d.root}/var/lib/tsvirt/images</path>`));
  assert.ok(existsSync(path.join(d.root, 'etc/tsvirt/storage/autostart/default.xml')));
});

test('dir pool lifecycle: define-as, build, start, info, autostart, refresh', async () => {
  assert.match(await ok(['pool-define-as', 'pool1', 'dir', '--target', poolDir]), /Pool pool1 defined/);
  assert.match(await ok(['pool-list', '--all']), /^ pool1\s+inactive\s+no$/m);
  assert.match(await ok(['pool-build', 'pool1']), /Pool pool1 built/);
  assert.ok(existsSync(poolDir));
  assert.match(await ok(['pool-start', 'pool1']), /Pool pool1 started/);
  assert.match(await ok(['pool-autostart', 'pool1']), /Pool pool1 marked as autostarted/);
  const info = await ok(['pool-info', 'pool1']);
  assert.match(info, /^State:\s+running$/m);
  assert.match(info, /^Autostart:\s+yes$/m);
  assert.match(info, /^Capacity:\s+\d+\.\d\d \w+$/m);
  const uuid = (await ok(['pool-uuid', 'pool1'])).trim();
  assert.equal((await ok(['pool-name', uuid])).trim(), 'pool1');
  assert.match(await ok(['pool-refresh', 'pool1']), /Pool pool1 refreshed/);
});

test('volumes: qcow2 and raw with capacity and allocation, backing volume, clone, resize, info, lookups', async () => {
  assert.match(await ok(['vol-create-as', 'pool1', 'a.qcow2', '64M', '--format', 'qcow2']), /Vol a.qcow2 created/);
  assert.match(await ok(['vol-create-as', 'pool1', 'b.raw', '4M', '--allocation', '4M']), /Vol b.raw created/);
  const a = await imgInfo(path.join(poolDir, 'a.qcow2'));
  assert.equal(a.format, 'qcow2');
  assert.equal(a['virtual-size'], 64 * 1024 ** 2);
  assert.ok((await imgInfo(path.join(poolDir, 'b.raw')))['actual-size'] as number >= 4 * 1024 ** 2, 'raw fully allocated');
  assert.match(await ok(['vol-create-as', 'pool1', 'top.qcow2', '0', '--format', 'qcow2', '--backing-vol', 'a.qcow2', '--backing-vol-format', 'qcow2']), /created/);
  const top = await imgInfo(path.join(poolDir, 'top.qcow2'));
  assert.equal(top['backing-filename'], path.join(poolDir, 'a.qcow2'));
  assert.equal(top['virtual-size'], 64 * 1024 ** 2);
  assert.match(await ok(['vol-dumpxml', '--pool', 'pool1', 'top.qcow2']), /<backingStore>\s*<path>[^<]*a\.qcow2<\/path>\s*<format type='qcow2'\/>/);
  assert.match(await ok(['vol-clone', '--pool', 'pool1', 'a.qcow2', 'a2.qcow2']), /Vol a2.qcow2 cloned from a.qcow2/);
  assert.equal((await imgInfo(path.join(poolDir, 'a2.qcow2')))['virtual-size'], 64 * 1024 ** 2);
  // create-from with format conversion
  const xml = path.join(d.root, 'conv.xml');
  writeFileSync(xml, `<volume><name>conv.raw</name><capacity unit='M'>64</capacity><target><format type='raw'/></target></volume>`);
  assert.match(await ok(['vol-create-from', 'pool1', xml, 'a.qcow2']), /Vol conv.raw created from input vol a.qcow2/);
  assert.equal((await imgInfo(path.join(poolDir, 'conv.raw'))).format, 'raw');
  assert.match(await ok(['vol-resize', '--pool', 'pool1', 'a2.qcow2', '128M']), /successfully changed to 128M/);
  assert.equal((await imgInfo(path.join(poolDir, 'a2.qcow2')))['virtual-size'], 128 * 1024 ** 2);
  assert.match(await ok(['vol-resize', '--pool', 'pool1', 'a2.qcow2', '32M', '--shrink']), /successfully/);
  assert.equal((await imgInfo(path.join(poolDir, 'a2.qcow2')))['virtual-size'], 32 * 1024 ** 2);
  const info = await ok(['vol-info', '--pool', 'pool1', 'a.qcow2']);
  assert.match(info, /^Name:\s+a\.qcow2\nType:\s+file\nCapacity:\s+64\.00 MiB\nAllocation:\s+\d+\.\d\d \w+\n$/m);
  const list = await ok(['vol-list', 'pool1', '--details']);
  assert.match(list, /^ Name\s+Path\s+Type\s+Capacity\s+Allocation$/m);
  assert.match(list, new RegExp(`^ b\\.raw\\s+${poolDir}/b\\.raw\\s+file\\s+4\\.00 MiB\\s+4\\.00 MiB$`, 'm'));
  const p = path.join(poolDir, 'a.qcow2');
  assert.equal((await ok(['vol-path', '--pool', 'pool1', 'a.qcow2'])).trim(), p);
  assert.equal((await ok(['vol-key', '--pool', 'pool1', 'a.qcow2'])).trim(), p);
  assert.equal((await ok(['vol-name', p])).trim(), 'a.qcow2');
  assert.equal((await ok(['vol-pool', p])).trim(), 'pool1');
});

test('upload then download gives the same bytes; wipe zeroes', async () => {
  const src = path.join(d.root, 'up.bin');
  writeFileSync(src, randomBytes(4 * 1024 ** 2));
  await ok(['vol-upload', '--pool', 'pool1', 'b.raw', src]);
  const back = path.join(d.root, 'down.bin');
  await ok(['vol-download', '--pool', 'pool1', 'b.raw', back]);
  assert.equal(sha(back), sha(src));
  assert.match(await ok(['vol-wipe', '--pool', 'pool1', 'b.raw']), /Vol b.raw wiped/);
  assert.ok(readFileSync(path.join(poolDir, 'b.raw')).every((b) => b === 0));
});

test('long work reports progress through the API (vol.getProgress)', async () => {
  const size = 192 * 1024 ** 2;
  await ok(['vol-create-as', 'pool1', 'big.raw', String(size)]);
  const c = new Client({ uri: d.uri });
  const seen: Array<{ op: string; done: number; total: number }> = [];
  let finished = false;
  const wipe = c.call('vol.wipe', { pool: 'pool1', vol: 'big.raw' }).finally(() => (finished = true));
  while (!finished) {
    const { jobs } = await c.call('vol.getProgress', {});
    seen.push(...jobs.filter((j) => j.vol === 'big.raw'));
    await new Promise((r) => setTimeout(r, 5));
  }
  await wipe;
  assert.ok(seen.length > 0, 'a wipe of 192 MiB was seen in progress');
  assert.ok(seen.every((j) => j.op === 'wipe' && j.total === size && j.done <= size));
  assert.deepEqual((await c.call('vol.getProgress', {})).jobs, [], 'finished work leaves the list');
  await ok(['vol-delete', '--pool', 'pool1', 'big.raw']);
});

test('bad input: each a clear error, nothing changed', async () => {
  const before = listing();
  const sum = sha(path.join(poolDir, 'b.raw'));
  await fails(['vol-create-as', 'pool1', 'x/y', '1M'], /invalid volume name 'x\/y'/);
  await fails(['vol-create-as', 'pool1', '..', '1M'], /invalid volume name '\.\.'/);
  const xml = path.join(d.root, 'dots.xml');
  writeFileSync(xml, `<volume><name>../escape</name><capacity>1</capacity></volume>`);
  await fails(['vol-create', 'pool1', xml], /invalid volume name '\.\.\/escape'/);
  await fails(['vol-create-as', 'pool1', 'z', '12abc'], /Malformed size 12abc/);
  await fails(['vol-resize', '--pool', 'pool1', 'a.qcow2', '1M'], /can't shrink capacity below current capacity.*unless shrink is requested/);
  const big = path.join(d.root, 'big.bin');
  writeFileSync(big, randomBytes(4 * 1024 ** 2 + 1));
  await fails(['vol-upload', '--pool', 'pool1', 'b.raw', big], /does not fit volume 'b.raw' of 4194304 bytes/);
  await fails(['vol-create-as', 'pool1', 'a.qcow2', '1M'], /already exists/);
  await fails(['vol-delete', '--pool', 'pool1', 'nope'], /failed to get vol 'nope'/);
  const file = path.join(d.root, 'not-a-folder');
  writeFileSync(file, 'x');
  await ok(['pool-define-as', 'badpool', 'dir', '--target', file]);
  await fails(['pool-start', 'badpool'], /cannot use '.*not-a-folder' as a dir pool: it is not a folder/);
  await fails(['pool-build', 'badpool'], /exists and is not a folder/);
  assert.match(await ok(['pool-list', '--all']), /^ badpool\s+inactive\s+no$/m);
  await ok(['pool-undefine', 'badpool']);
  assert.equal(readFileSync(file, 'utf8'), 'x');
  assert.equal((await imgInfo(path.join(poolDir, 'a.qcow2')))['virtual-size'], 64 * 1024 ** 2);
  assert.equal(sha(path.join(poolDir, 'b.raw')), sum);
  assert.equal(listing(), before);
});

test('pool and its state survive a daemon restart; delete and undefine', async () => {
  await ok(['pool-create-as', 'tmp1', 'dir', '--target', path.join(d.root, 'tmp1'), '--build']);
  await d.kill();
  await d.restart();
  assert.match(await ok(['pool-list', '--all']), /^ pool1\s+active\s+yes$/m);
  assert.match(await ok(['pool-list', '--all', '--transient']), /^ tmp1\s+active\s+no$/m);
  await ok(['pool-destroy', 'tmp1']);
  assert.doesNotMatch(await ok(['pool-list', '--all']), /tmp1/);
  for (const v of ['top.qcow2', 'a.qcow2', 'a2.qcow2', 'b.raw', 'conv.raw']) assert.match(await ok(['vol-delete', '--pool', 'pool1', v]), new RegExp(`Vol ${v} deleted`));
  assert.equal(listing(), '');
  await fails(['pool-delete', 'pool1'], /still active/);
  await ok(['pool-destroy', 'pool1']);
  assert.match(await ok(['pool-delete', 'pool1']), /Pool pool1 deleted/);
  assert.ok(!existsSync(poolDir));
  assert.match(await ok(['pool-undefine', 'pool1']), /Pool pool1 has been undefined/);
  mkdirSync(poolDir);
});
