// End to end: snapshots of the counter guest (its memory counts on the console, every 10th
// value goes into its qcow2 data disk's first sector) through stock virsh and bin/tsvirt:
// bad input first, an internal snapshot of the running guest and a revert to it (the counter
// and the disk are those of the snapshot), a tree of three with the middle one deleted, the tree
// after kill -9 of tsvirtd, an external disk-only snapshot (the guest writes into the overlay),
// and undefine refused while snapshots exist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { waitForText } from './guest.js';
import { counterDomainXml, counts } from './counter-guest.js';

let d: TestDaemon;
before(async () => { d = await startTestDaemon(); });
after(async () => { await d?.stop(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const img = (args: string[]) => execFileSync('qemu-img', args, { encoding: 'utf8' });

/** the counter value in an image's first sector (read while QEMU may have it open) */
function diskCount(file: string): number | undefined {
  const out = execFileSync('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', 'read -v 0 32', file], { encoding: 'utf8' });
  const bytes = [...out.matchAll(/^[0-9a-f]{8}:\s+((?:[0-9a-f]{2} ){1,16})/gm)].flatMap((m) => m[1].trim().split(' ').map((h) => parseInt(h, 16)));
  const m = /TSVIRT-DISKCOUNT (\d+)/.exec(Buffer.from(bytes).toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

test('snapshots through virsh and tsvirt', { timeout: 300_000 }, async () => {
  const f = (n: string) => path.join(d.root, n);
  img(['create', '-q', '-f', 'qcow2', f('data.qcow2'), '64M']);
  img(['create', '-q', '-f', 'raw', f('raw.img'), '16M']);
  const log = f('console.log');
  writeFileSync(f('dom.xml'), await counterDomainXml({ name: 'snap', consoleLog: log, diskFile: f('data.qcow2') }));
  const run = async (tool: 'virsh' | 'cli', args: string[]) => (tool === 'virsh' ? d.virsh(args, { timeoutMs: 90_000 }) : d.cli(args, { timeoutMs: 90_000 }));
  const ok = async (args: string[], tool: 'virsh' | 'cli' = 'virsh') => {
    const r = await run(tool, args);
    assert.equal(r.code, 0, `${tool} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const fails = async (re: RegExp, args: string[], tool: 'virsh' | 'cli' = 'virsh') => {
    const r = await run(tool, args);
    assert.notEqual(r.code, 0, `${tool} ${args.join(' ')} should fail: ${r.stdout}`);
    assert.match(r.stderr, re);
  };
  /** both tools print the same for the same call */
  const same = async (args: string[]) => {
    const [a, b] = [await ok(args, 'virsh'), await ok(args, 'cli')];
    assert.equal(b, a, `tsvirt ${args.join(' ')} prints what virsh prints`);
    return a;
  };
  const lastCount = () => Math.max(0, ...counts(readFileSync(log, 'utf8')));
  /** waits until the console shows `n` counter lines after byte `offset` (TCG on a busy machine is slow) */
  const countsAfter = async (offset: number, n: number, ms = 30_000) => {
    const end = Date.now() + ms;
    let seq: number[] = [];
    while (Date.now() < end && (seq = counts(readFileSync(log, 'utf8').slice(offset))).length < n) await sleep(100);
    return seq;
  };
  const names = async () => (await ok(['snapshot-list', 'snap', '--name'])).split('\n').filter(Boolean);

  await ok(['define', f('dom.xml')]);
  await ok(['start', 'snap']);
  await waitForText(log, 'TSVIRT-COUNT 150', 60_000);

  await test("bad input: libvirt's errors, nothing changed", async () => {
    await fails(/Domain snapshot not found: no domain snapshot with matching name 'nope'/, ['snapshot-info', 'snap', 'nope']);
    await fails(/Domain snapshot not found: no domain snapshot with matching name 'nope'/, ['snapshot-revert', 'snap', 'nope'], 'cli');
    writeFileSync(f('bad.xml'), '<domainsnapshot><name>x</name><bogus/></domainsnapshot>');
    await fails(/unsupported element <bogus>/, ['snapshot-create', 'snap', f('bad.xml')]);
    await fails(/unsupported element <bogus>/, ['snapshot-create', 'snap', f('bad.xml')], 'cli');
    await fails(/no disk named 'vdz'/, ['snapshot-create-as', 'snap', 'x', '--diskspec', 'vdz,snapshot=internal']);
    await fails(/domain 'snap' has no current snapshot/, ['snapshot-current', 'snap']);
    await fails(/QEMU guest agent is not configured/, ['snapshot-create-as', 'snap', 'q', '--disk-only', '--quiesce']);
    assert.throws(() => statSync(f('data.q')), /ENOENT/, 'no overlay left behind');
    await fails(/requires flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY'/, ['snapshot-create-as', 'snap', 'q', '--quiesce']);
    assert.deepEqual(await names(), []);
    assert.equal(img(['snapshot', '-l', '-U', f('data.qcow2')]).trim(), '');
  });

  let before1 = 0;
  let after1 = 0;
  await test('internal snapshot of the running guest, revert: memory and disk of that time', async () => {
    before1 = lastCount();
    assert.match(await ok(['snapshot-create-as', 'snap', 's1', 'first one']), /Domain snapshot s1 created/);
    after1 = lastCount();
    assert.match(img(['snapshot', '-l', '-U', f('data.qcow2')]), /\bs1\b/);
    assert.equal((await ok(['domstate', 'snap'])).trim(), 'running');
    const info = await same(['snapshot-info', 'snap', 's1']);
    assert.match(info, /State:\s+running/);
    assert.match(info, /Location:\s+internal/);
    assert.match(info, /Current:\s+yes/);
    assert.match(await ok(['snapshot-dumpxml', 'snap', 's1']), /<memory snapshot='internal'\/>[\s\S]*<disk name='vdb' snapshot='internal'\/>[\s\S]*<domain type='qemu'/);
    await waitForText(log, `TSVIRT-COUNT ${after1 + 300}`, 60_000);
    const disk = diskCount(f('data.qcow2'))!;
    assert.ok(disk > after1 + 100, `the disk went on (${disk})`);
    await ok(['snapshot-revert', 'snap', 's1', '--paused']);
    const seen = readFileSync(log, 'utf8').length;
    assert.equal((await ok(['domstate', 'snap'])).trim(), 'paused');
    const reverted = diskCount(f('data.qcow2'))!;
    assert.ok(reverted <= after1 + 1 && reverted >= before1 - 30, `disk holds the snapshot's value: ${reverted} in [${before1 - 30}, ${after1}]`);
    await ok(['resume', 'snap']);
    // the first value printed after the revert comes from the snapshot's memory (a line still
    // in flight from before may come first)
    const seq = await countsAfter(seen, 60);
    const next = seq.find((v) => v <= after1 + 1);
    assert.ok(next !== undefined && next > before1, `the counter restarts at the snapshot: ${seq.slice(0, 3).join(',')} in (${before1}, ${after1 + 1}]`);
    assert.ok(seq.length > 50 && seq[seq.length - 1] > next, 'and counts on');
  });

  await test('a tree of three, the middle one deleted: children re-parented, reverts still work', async () => {
    const made = [await ok(['snapshot-create-as', 'snap', 's2']), await ok(['snapshot-create-as', 'snap', '--name', 's3', '--description', 'third'], 'cli')];
    assert.equal(made[1].replace('s3', 's2'), made[0], 'the same message from both');
    assert.equal((await ok(['snapshot-parent', 'snap', 's3'])).trim(), 's2');
    assert.equal((await same(['snapshot-current', 'snap', '--name'])).trim(), 's3');
    const tree = await same(['snapshot-list', 'snap', '--tree']);
    assert.match(tree, /^s1\n  \|\n  \+- s2\n      \|\n      \+- s3\n/);
    await same(['snapshot-list', 'snap', '--parent']);
    await same(['snapshot-list', 'snap', '--leaves', '--name']);
    await same(['snapshot-list', 'snap', '--roots']);
    await same(['snapshot-list', 'snap', '--from', 's1', '--descendants', '--name']);
    await same(['snapshot-info', 'snap', '--current']);
    const deleted = await ok(['snapshot-delete', 'snap', 's2']);
    assert.match(deleted, /Domain snapshot s2 deleted/);
    assert.equal((await ok(['snapshot-parent', 'snap', 's3'])).trim(), 's1');
    assert.doesNotMatch(img(['snapshot', '-l', '-U', f('data.qcow2')]), /\bs2\b/);
    assert.match(await same(['snapshot-list', 'snap', '--tree']), /^s1\n  \|\n  \+- s3\n/);
    const reverted = [await ok(['snapshot-revert', 'snap', 's1'])];
    assert.equal((await ok(['domstate', 'snap'])).trim(), 'running');
    assert.equal((await ok(['snapshot-current', 'snap', '--name'])).trim(), 's1');
    reverted.push(await ok(['snapshot-revert', 'snap', 's3'], 'cli'));
    assert.equal(reverted[1].replace('s3', 's1'), reverted[0], 'the same message from both');
    assert.equal((await ok(['snapshot-current', 'snap', '--name'])).trim(), 's3');
    const at = readFileSync(log, 'utf8').length;
    const tail = readFileSync(log, 'utf8').slice(at);
    assert.ok((await countsAfter(at, 20)).length >= 20, `the guest runs after the revert: ${await ok(['domstate', 'snap', '--reason'])} ${JSON.stringify(tail.slice(-300))}`);
  });

  await test('kill -9 of tsvirtd: the tree is the same after the restart', async () => {
    const tree = await ok(['snapshot-list', 'snap', '--tree']);
    const list = await ok(['snapshot-list', 'snap', '--parent']);
    await d.kill();
    await d.restart();
    assert.equal(await ok(['snapshot-list', 'snap', '--tree']), tree);
    assert.equal(await ok(['snapshot-list', 'snap', '--parent']), list);
    assert.equal((await ok(['snapshot-current', 'snap', '--name'])).trim(), 's3');
    // setting the current one: virsh redefines the snapshot from its own XML with CURRENT
    const set = [await ok(['snapshot-current', 'snap', 's1']), await ok(['snapshot-current', 'snap', 's3'], 'cli')];
    assert.equal(set[0], 'Snapshot s1 set as current\n');
    assert.equal(set[1].replace('s3', 's1'), set[0]);
    assert.equal((await ok(['snapshot-current', 'snap', '--name'])).trim(), 's3');
    assert.equal(await ok(['snapshot-list', 'snap', '--tree']), tree, 'redefining changed nothing else');
    assert.match(await ok(['list', '--with-snapshot', '--name']), /^snap$/m);
    assert.doesNotMatch(await ok(['list', '--without-snapshot', '--name', '--all']), /^snap$/m);
  });

  await test('external disk-only snapshot: the guest writes into the overlay, the base stops', async () => {
    assert.match(await ok(['snapshot-create-as', 'snap', 'e1', '--disk-only', '--atomic']), /Domain snapshot e1 created/);
    const overlay = f('data.e1');
    assert.ok(statSync(overlay).isFile());
    assert.match(await ok(['dumpxml', 'snap']), new RegExp(`<source file='${overlay}'`));
    assert.match(await ok(['dumpxml', 'snap', '--inactive']), new RegExp(`<source file='${overlay}'`));
    assert.match(await ok(['snapshot-info', 'snap', 'e1']), /State:\s+disk-snapshot[\s\S]*Location:\s+external/);
    await sleep(500);
    const base1 = diskCount(f('data.qcow2'));
    const top1 = diskCount(overlay);
    await sleep(1500);
    assert.equal(diskCount(f('data.qcow2')), base1, 'the base image no longer changes');
    const top2 = diskCount(overlay);
    assert.ok(top1 !== undefined && top2 !== undefined && top2 > top1, `the overlay gets the writes (${top1} -> ${top2})`);
    await fails(/revert to external snapshot not supported yet/, ['snapshot-revert', 'snap', 'e1']);
    await fails(/deletion of 1 external disk snapshots not supported yet/, ['snapshot-delete', 'snap', 'e1']);
    assert.match(await ok(['snapshot-list', 'snap', '--external', '--name']), /^e1$/m);
    assert.equal((await ok(['snapshot-delete', 'snap', 'e1', '--metadata'], 'cli')), 'Domain snapshot e1 deleted\n\n');
    // memory too: a save image of the paused guest, the disks on new overlays of the same instant
    await ok(['snapshot-create-as', 'snap', 'm1', '--memspec', `file=${f('mem.save')},snapshot=external`]);
    assert.equal(readFileSync(f('mem.save')).subarray(0, 16).toString('latin1'), 'LibvirtQemudSave');
    assert.match(await ok(['snapshot-dumpxml', 'snap', 'm1']), new RegExp(`<memory snapshot='external' file='${f('mem.save')}'/>[\\s\\S]*<disk name='vdb' snapshot='external' type='file'>`));
    assert.equal((await ok(['domstate', 'snap'])).trim(), 'running');
    const at = readFileSync(log, 'utf8').length;
    assert.ok((await countsAfter(at, 20)).length >= 20, 'the guest runs on');
    assert.match(await ok(['dumpxml', 'snap']), new RegExp(`<source file='${f('data.m1')}'`));
    await fails(/external snapshot file for memory already exists/, ['snapshot-create-as', 'snap', 'm2', '--memspec', `file=${f('mem.save')},snapshot=external`]);
    await ok(['snapshot-delete', 'snap', 'm1', '--metadata']);
    assert.deepEqual(await names(), ['s1', 's3']);
  });

  await test('raw disks have no internal snapshots; undefine waits for --snapshots-metadata', async () => {
    writeFileSync(f('raw.xml'), await counterDomainXml({ name: 'rawdom', consoleLog: f('raw.log'), diskFile: f('raw.img'), diskFormat: 'raw' }));
    await ok(['define', f('raw.xml')]);
    await fails(/unsupported configuration: internal snapshot for disk vdb unsupported for storage type raw/, ['snapshot-create-as', 'rawdom', 'r1']);
    assert.deepEqual((await ok(['snapshot-list', 'rawdom', '--name'])).trim(), '');
    await ok(['destroy', 'snap']);
    // a shut-off snapshot: qemu-img snapshot -c, -a on revert, -d on delete (of the overlay the disk is now)
    const disk = f('data.m1');
    const held = diskCount(disk);
    assert.match(await ok(['snapshot-create-as', 'snap', 'off1']), /Domain snapshot off1 created/);
    assert.match(await ok(['snapshot-info', 'snap', 'off1']), /State:\s+shutoff/);
    assert.match(img(['snapshot', '-l', disk]), /\boff1\b/);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0 0 512', disk]);
    assert.equal(diskCount(disk), undefined);
    await ok(['snapshot-revert', 'snap', 'off1']);
    assert.equal((await ok(['domstate', 'snap'])).trim(), 'shut off');
    assert.equal(diskCount(disk), held, 'the disk is back as it was at the snapshot');
    await ok(['snapshot-delete', 'snap', 'off1'], 'cli');
    assert.doesNotMatch(img(['snapshot', '-l', disk]), /\boff1\b/);
    await fails(/cannot delete inactive domain with 2 snapshots/, ['undefine', 'snap']);
    await ok(['undefine', 'snap', '--snapshots-metadata']);
    await fails(/failed to get domain 'snap'|Domain not found/, ['snapshot-list', 'snap']);
    await ok(['undefine', 'rawdom']);
  });
});
