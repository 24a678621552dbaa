// Block jobs against one real QEMU (-machine none, no guest): mirror to ready, pivot,
// cancel via signal, commit and stream; images checked with qemu-img / qemu-io afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import * as bj from './block-jobs.js';
import { startTestQemu } from './qemu-test-support.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
const MiB = 1024 * 1024;

function addImage(mon: QmpMonitor, name: string, file: string, backing?: string | null): Promise<void> {
  return qmp.blockdevAdd(mon, {
    'node-name': name, driver: 'qcow2', file: { driver: 'file', filename: file },
    ...(backing !== undefined ? { backing } : {}),
  });
}

/** the byte pattern qemu-io reads at `offset` (1 byte) */
function byteAt(file: string, offset: number, pattern: number): boolean {
  try {
    return !/Pattern verification failed/.test(run('qemu-io', ['-r', '-f', 'qcow2', '-c', `read -P ${pattern} ${offset} 4096`, file]));
  } catch { return false; }
}

test('block jobs against a real QEMU', async (t) => {
  const q = await startTestQemu();
  t.after(() => q.cleanup());
  const mon = await QmpMonitor.connect(q.qmpPath, { retryUntilMs: 5000 });
  t.after(() => mon.close());
  const f = (n: string) => join(q.dir, n);
  run('qemu-img', ['create', '-q', '-f', 'qcow2', f('src.qcow2'), '48M']);
  run('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 40M', f('src.qcow2')]);
  await addImage(mon, 'src', f('src.qcow2'));

  await t.test('mirror: ready, progress, pivot; the copy has the data', async () => {
    run('qemu-img', ['create', '-q', '-f', 'qcow2', f('dst.qcow2'), '48M']);
    await addImage(mon, 'dst', f('dst.qcow2'), null);
    await bj.startMirror(mon, { jobId: 'copy-1', device: 'src', target: 'dst', sync: 'full' });
    const seen: bj.BlockJobInfo[] = [];
    await bj.waitForJob(mon, 'copy-1', 'ready', { onProgress: (j) => seen.push(j), pollMs: 20 });
    const [job] = (await bj.queryBlockJobs(mon)).filter((j) => j.id === 'copy-1');
    assert.equal(job.type, 'mirror');
    assert.equal(job.ready, true);
    assert.equal(job.offset, job.len);
    await bj.completeJob(mon, 'copy-1');
    await bj.waitForJob(mon, 'copy-1', 'concluded');
    await bj.dismissJob(mon, 'copy-1');
    assert.deepEqual(await bj.queryBlockJobs(mon), []);
    await qmp.blockdevDel(mon, 'dst');
    assert.ok(byteAt(f('dst.qcow2'), 4 * MiB, 0x5a), 'copy holds the source data');
  });

  await t.test('a slow mirror shows progress and aborting the signal cancels it', async () => {
    run('qemu-img', ['create', '-q', '-f', 'qcow2', f('slow.qcow2'), '48M']);
    await addImage(mon, 'slow', f('slow.qcow2'), null);
    await bj.startMirror(mon, { jobId: 'copy-2', device: 'src', target: 'slow', sync: 'full', speed: 1 * MiB });
    const ac = new AbortController();
    const seen: bj.BlockJobInfo[] = [];
    const waiting = bj.waitForJob(mon, 'copy-2', 'ready', { signal: ac.signal, pollMs: 50, onProgress: (j) => {
      seen.push(j);
      if (j.offset > 0) ac.abort();
    } });
    await assert.rejects(waiting, (e: unknown) => e instanceof TsvirtError && e.code === 'operation-aborted');
    assert.ok(seen.some((j) => j.offset > 0 && j.offset < j.len && j.speed === MiB), JSON.stringify(seen.at(-1)));
    await bj.dismissIfConcluded(mon, 'copy-2');
    assert.deepEqual(await bj.queryBlockJobs(mon), []);
    await qmp.blockdevDel(mon, 'slow');
  });

  await t.test('a failing job rejects with QEMU\'s reason; unknown job ids are QEMU errors', async () => {
    await assert.rejects(bj.startMirror(mon, { jobId: 'x', device: 'nosuch', target: 'src', sync: 'full' }), /QEMU: /);
    await assert.rejects(bj.completeJob(mon, 'nosuch'), /QEMU: /);
    await assert.rejects(bj.waitForJob(mon, 'nosuch', 'concluded').then(() => bj.cancelJob(mon, 'nosuch')), /QEMU: /);
  });

  await t.test('active commit of an overlay into its base, and stream of a base into its overlay', async () => {
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', f('src.qcow2'), f('top.qcow2')]);
    await qmp.blockdevAdd(mon, { 'node-name': 'ovl', driver: 'qcow2', file: { driver: 'file', filename: f('top.qcow2') }, backing: 'src' });
    // new data only in the overlay (written through QEMU: the overlay is open there)
    await mon.execute('human-monitor-command', { 'command-line': 'qemu-io ovl "write -P 0x77 1M 1M"' });
    await bj.startCommit(mon, { jobId: 'commit-1', device: 'ovl' });
    await bj.waitForJob(mon, 'commit-1', 'ready');
    await bj.completeJob(mon, 'commit-1');
    await bj.waitForJob(mon, 'commit-1', 'concluded');
    await bj.dismissJob(mon, 'commit-1');
    // users of the overlay now read the base node 'src'; the overlay node is free to go
    await qmp.blockdevDel(mon, 'ovl');
    await mon.execute('human-monitor-command', { 'command-line': 'qemu-io src "write -P 0x66 2M 1M"' });

    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', f('src.qcow2'), f('flat.qcow2')]);
    await qmp.blockdevAdd(mon, { 'node-name': 'flat', driver: 'qcow2', file: { driver: 'file', filename: f('flat.qcow2') }, backing: 'src' });
    await bj.startStream(mon, { jobId: 'pull-1', device: 'flat' });
    await bj.waitForJob(mon, 'pull-1', 'concluded');
    await bj.dismissJob(mon, 'pull-1');
    await qmp.blockdevDel(mon, 'flat');
    await qmp.blockdevDel(mon, 'src');
    const info = JSON.parse(run('qemu-img', ['info', '--output=json', '-U', f('flat.qcow2')])) as Record<string, unknown>;
    assert.equal(info['backing-filename'], undefined, 'stream dropped the backing file');
    assert.ok(byteAt(f('flat.qcow2'), 1 * MiB, 0x77), 'committed data in the base reached the pulled image');
    assert.ok(byteAt(f('flat.qcow2'), 2 * MiB, 0x66));
    assert.ok(byteAt(f('flat.qcow2'), 6 * MiB, 0x5a));
  });
});
