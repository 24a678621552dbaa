// End to end: block jobs on the counter guest's data disk (writing every 10th count into its
// first sector) through stock virsh: errors first, a slow copy's progress and abort, an
// active commit with pivot, a pull, and a full copy with pivot; the live XML, the images'
// chains and which file the guest writes are checked after each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { waitForText } from './guest.js';
import { counterDomainXml, counts } from './counter-guest.js';
import { readFileSync } from 'node:fs';

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

function backingOf(file: string): string | undefined {
  return (JSON.parse(img(['info', '-U', '--output=json', file])) as { 'backing-filename'?: string })['backing-filename'];
}

test('block jobs through virsh and tsvirt', { timeout: 240_000 }, async () => {
  const dir = d.root;
  const f = (n: string) => path.join(dir, n);
  img(['create', '-q', '-f', 'qcow2', f('base.qcow2'), '64M']);
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 40M', f('base.qcow2')]);
  img(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', f('base.qcow2'), f('mid.qcow2')]);
  img(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', f('mid.qcow2'), f('top.qcow2')]);
  const log = f('console.log');
  writeFileSync(f('dom.xml'), await counterDomainXml({ name: 'bj', consoleLog: log, diskFile: f('top.qcow2') }));
  const virsh = async (...args: string[]) => d.virsh(args, { timeoutMs: 60_000 });
  const ok = async (...args: string[]) => {
    const r = await virsh(...args);
    assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout + r.stderr;
  };
  const fails = async (re: RegExp, ...args: string[]) => {
    const r = await virsh(...args);
    assert.notEqual(r.code, 0, `virsh ${args.join(' ')} should fail: ${r.stdout}`);
    assert.match(r.stderr, re);
  };
  const vdbXml = async () => /<disk[^>]*>(?:(?!<\/disk>)[\s\S])*?<target dev='vdb'[\s\S]*?<\/disk>/.exec(await ok('dumpxml', 'bj'))![0];
  const noJob = async () => assert.match(await ok('blockjob', 'bj', 'vdb', '--info'), /No current block job for vdb/);

  await ok('define', f('dom.xml'));
  await ok('start', 'bj');
  await waitForText(log, 'TSVIRT-COUNT 200', 60_000);

  await test('bad input: libvirt\'s errors, nothing changed', async () => {
    await noJob();
    const boot = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('DISKCOUNT'));
    assert.ok(diskCount(f('top.qcow2')) !== undefined, `the guest writes its counter into vdb: ${boot.join(' | ')}; ${execFileSync('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', 'read -v 0 32', f('top.qcow2')], { encoding: 'utf8' })}`);
    await fails(/disk 'vdz' not found in domain/, 'blockcommit', 'bj', 'vdz', '--active');
    await fails(/cannot create file '\/nonexistent-dir\/x.qcow2': No such file or directory/, 'blockcopy', 'bj', 'vdb', '/nonexistent-dir/x.qcow2');
    await fails(/commit of 'vdb' active layer requires active flag/, 'blockcommit', 'bj', 'vdb');
    await fails(/disk vdb does not have an active block job/, 'blockjob', 'bj', 'vdb', '--abort');
    await noJob();
    assert.match(await vdbXml(), new RegExp(`<source file='${f('top.qcow2')}'`));
    // the same through tsvirt's own CLI
    assert.match((await d.cli(['blockjob', 'bj', 'vdb', '--info'])).stdout, /No current block job for vdb/);
    const r = await d.cli(['blockcommit', 'bj', 'vdz', '--active']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /disk 'vdz' not found in domain/);
  });

  await test('a slow copy shows progress; a second job is refused; --abort keeps the original', async () => {
    assert.match(await ok('blockcopy', 'bj', 'vdb', f('slow.qcow2'), '--bandwidth', '1'), /Block Copy started/);
    await sleep(1000);
    const info = await ok('blockjob', 'bj', 'vdb', '--info');
    const m = /Block Copy: \[\s*([\d.]+) %\]/.exec(info);
    assert.ok(m && Number(m[1]) < 100, info);
    assert.match(info, /Bandwidth limit: 1048576 bytes\/s/);
    const mine = await d.cli(['blockjob', 'bj', 'vdb', '--info']);
    assert.match(mine.stderr, /Block Copy: \[\s*\d+ %\]/);
    const theirs = await virsh('blockjob', 'bj', 'vdb', '--info');
    assert.equal(mine.stdout, theirs.stdout);
    await fails(/disk 'vdb' already in active block job/, 'blockcommit', 'bj', 'vdb', '--active');
    await fails(/not ready for pivot yet/, 'blockjob', 'bj', 'vdb', '--pivot');
    await ok('blockjob', 'bj', 'vdb', '--abort');
    await noJob();
    assert.match(await vdbXml(), new RegExp(`<source file='${f('top.qcow2')}'`));
  });

  await test('blockcommit --active --shallow --pivot: the disk moves down to mid, which gets the writes', async () => {
    const events = virsh('event', 'bj', '--event', 'block-job', '--loop', '--timeout', '6');
    await sleep(1000);
    assert.match(await ok('blockcommit', 'bj', 'vdb', '--active', '--shallow', '--pivot', '--verbose'), /Successfully pivoted/);
    const ev = await events;
    assert.match(ev.stdout, /event loop timed out/, `virsh event: ${ev.stderr}${ev.stdout}`);
    assert.match(ev.stdout, new RegExp(`event 'block-job' for domain 'bj': Active Block Commit for ${f('top.qcow2')} ready`));
    assert.match(ev.stdout, new RegExp(`event 'block-job' for domain 'bj': Active Block Commit for ${f('top.qcow2')} completed`));
    const xml = await vdbXml();
    assert.match(xml, new RegExp(`<source file='${f('mid.qcow2')}'`));
    assert.match(xml, new RegExp(`<backingStore type='file'[^>]*>[\\s\\S]*<source file='${f('base.qcow2')}'`));
    assert.doesNotMatch(xml, /top\.qcow2/);
    // the live XML with its new chain is still valid libvirt domain XML
    writeFileSync(f('live.xml'), await ok('dumpxml', 'bj'));
    execFileSync('virt-xml-validate', [f('live.xml'), 'domain']);
    const a = diskCount(f('mid.qcow2'));
    await sleep(1500);
    const b = diskCount(f('mid.qcow2'));
    assert.ok(a !== undefined && b !== undefined && b > a, `mid.qcow2 holds the counter and goes on (${a} -> ${b})`);
    await noJob();
  });

  await test('blockpull: mid no longer has a backing file', async () => {
    const r = await d.cli(['blockpull', 'bj', 'vdb', '--wait', '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pull complete/);
    assert.equal(backingOf(f('mid.qcow2')), undefined);
    assert.doesNotMatch(await vdbXml(), /base\.qcow2/);
    await noJob();
  });

  await test('tsvirt blockcopy --finish: a point-in-time copy, the disk stays on its image', async () => {
    const r = await d.cli(['blockcopy', 'bj', 'vdb', f('snap.qcow2'), '--wait', '--verbose', '--finish']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Successfully copied/);
    assert.match(r.stderr, /Block Copy: \[100 %\]/);
    assert.match(await vdbXml(), new RegExp(`<source file='${f('mid.qcow2')}'`));
    assert.equal(backingOf(f('snap.qcow2')), undefined);
    const snap = diskCount(f('snap.qcow2'));
    await sleep(1500);
    assert.ok(snap !== undefined && diskCount(f('snap.qcow2')) === snap, 'the copy holds a counter value and no longer changes');
    assert.ok(diskCount(f('mid.qcow2'))! > snap, 'the guest still writes mid.qcow2');
    await noJob();
  });

  await test('blockcopy --wait --verbose --pivot: the guest goes on writing into the copy', async () => {
    const out = await ok('blockcopy', 'bj', 'vdb', f('copy.qcow2'), '--wait', '--verbose', '--pivot');
    assert.match(out, /Block Copy: \[100 %\]/);
    assert.match(out, /Successfully pivoted/);
    assert.match(await vdbXml(), new RegExp(`<source file='${f('copy.qcow2')}'`));
    // the persistent definition follows a pivot (libvirt's qemuBlockJobRewriteConfigDiskSource)
    assert.match(await ok('dumpxml', '--inactive', 'bj'), new RegExp(`<source file='${f('copy.qcow2')}'`));
    await sleep(300);
    const old1 = diskCount(f('mid.qcow2'));
    const new1 = diskCount(f('copy.qcow2'));
    await sleep(1500);
    assert.equal(diskCount(f('mid.qcow2')), old1, 'the old image stopped changing');
    const new2 = diskCount(f('copy.qcow2'));
    assert.ok(new1 !== undefined && new2 !== undefined && new2 > new1, `the copy changes (${new1} -> ${new2})`);
    await noJob();
    await ok('destroy', 'bj');
    const last = Math.max(...counts(readFileSync(log, 'utf8')));
    const held = diskCount(f('copy.qcow2'))!;
    assert.ok(held >= new2 && held <= last && last - held < 40, `copy holds the latest value: ${held}, console ${last}`);
  });
});
