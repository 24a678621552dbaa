// virsh save / restore / managedsave and domjobinfo / domjobabort on the counter guest (one
// TCG guest with a qcow2 data disk): the counter must go on from exactly where it was
// (the console logs of the runs, put together, count 1, 2, 3, ... without a gap or a
// repeat), the image is libvirt's format and restores on a second tsvirtd too, an aborted
// save leaves the guest running and no file, and bad images leave nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, copyFileSync, truncateSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { runOk } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { counterDomainXml, counts, discontinuities } from './counter-guest.js';

const NAME = 'svr1';
let d: TestDaemon | undefined;
let d2: TestDaemon | undefined;
let consoleLog = '';
let disk = '';
/** the console text of every run so far, put together */
let history = '';

async function libvirtReady(t: TestDaemon): Promise<void> {
  const sock = path.join(t.root, 'run/tsvirt/libvirt-sock');
  for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
}

before(async () => {
  d = await startTestDaemon();
  await libvirtReady(d);
  consoleLog = path.join(d.root, 'console.log');
  disk = path.join(d.root, 'data.qcow2');
  await runOk('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '8M']);
  const xml = path.join(d.root, 'dom.xml');
  writeFileSync(xml, await counterDomainXml({ name: NAME, consoleLog, diskFile: disk, diskFormat: 'qcow2' }));
  await ok(d, ['define', xml]);
  await ok(d, ['start', NAME]);
});

after(async () => {
  await d2?.stop();
  await d?.stop();
});

async function ok(t: TestDaemon, args: string[]): Promise<string> {
  const r = await t.virsh(args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
async function fails(t: TestDaemon, args: string[], want: RegExp): Promise<string> {
  const r = await t.virsh(args, { timeoutMs: 120_000 });
  assert.notEqual(r.code, 0, `virsh ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, want);
  return r.stderr;
}
const logText = () => (existsSync(consoleLog) ? readFileSync(consoleLog, 'latin1') : '');

/** waits until the running guest's console (this run) shows `n` more counter values */
async function countsGrow(n: number, ms = 60_000): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const c = counts(logText());
    if (c.length >= n) return c;
    if (Date.now() > until) throw new Error(`counter did not reach ${n} values: ${c.length}\n${logText().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** the counter over every run so far (the text of the run now added) has no gap and no repeat */
function checkContinuous(what: string): number[] {
  const all = counts(history + logText());
  const { gaps, repeats } = discontinuities(all);
  assert.deepEqual({ gaps, repeats }, { gaps: [], repeats: [] }, `${what}: the counter jumped`);
  assert.equal(all[0], 1);
  return all;
}
/** the guest runs a fresh QEMU run: keep the text of the one before */
const endRun = () => { history += logText(); };

function statusFiles(t: TestDaemon): string[] {
  const dir = path.join(t.root, 'run/tsvirt/qemu');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')) : [];
}

test('domjobinfo shows a save growing; domjobabort leaves the guest running and no file', async () => {
  await countsGrow(20);
  assert.match(await ok(d!, ['domjobinfo', NAME]), /Job type:\s+None/);
  const file = path.join(d!.root, 'aborted.save');
  // 1 MiB/s: the stream takes long enough to watch it
  const saving = d!.cli(['save', NAME, file, '--bandwidth', '1'], { timeoutMs: 120_000 });
  const seen: number[] = [];
  let info = '';
  for (let i = 0; i < 200 && seen.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 300));
    info = await ok(d!, ['domjobinfo', NAME]);
    const m = /Data processed:\s+([\d.]+) (\w+)/.exec(info);
    if (!m) continue;
    const bytes = Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2] as 'B']!;
    if (!seen.length || bytes > seen.at(-1)!) seen.push(bytes);
  }
  assert.match(info, /Operation:\s+Save/);
  assert.match(info, /Job type:\s+Unbounded/);
  assert.match(info, /Time elapsed:\s+\d+\s+ms/);
  assert.ok(seen.length >= 2 && seen[1] > seen[0], `Data processed should grow: ${seen.join(', ')}\n${info}`);
  assert.equal(await ok(d!, ['domstate', '--reason', NAME]), 'paused (saving)\n\n');
  await ok(d!, ['domjobabort', NAME]);
  const r = await saving;
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /operation aborted: save job: canceled by client/);
  assert.equal(existsSync(file), false, 'the partial save file is removed');
  assert.match(await ok(d!, ['domstate', NAME]), /^running/);
  // tsvirt's CLI prints the finished job as virsh does
  const mine = await d!.cli(['domjobinfo', '--completed', '--keep-completed', NAME]);
  const theirs = await ok(d!, ['domjobinfo', '--completed', '--keep-completed', NAME]);
  assert.equal(mine.stdout.trimEnd(), theirs.trimEnd());
  assert.match(await ok(d!, ['domjobinfo', '--completed', NAME]), /Job type:\s+Cancelled\s+Operation:\s+Save/);
  assert.match(await ok(d!, ['domjobinfo', '--completed', NAME]), /Job type:\s+None/, 'read without --keep-completed, it is gone');
  const before = counts(logText()).length;
  await countsGrow(before + 20);
  checkContinuous('after the aborted save');
});

test('save while counting, restore on a second tsvirtd and on the first: the counter goes on', async () => {
  const file = path.join(d!.root, 'guest.save');
  assert.match(await ok(d!, ['save', NAME, file]), new RegExp(`Domain '${NAME}' saved to ${file}`));
  assert.equal(await ok(d!, ['domstate', '--reason', NAME]), 'shut off (saved)\n\n');
  assert.deepEqual(statusFiles(d!), []);
  const done = await ok(d!, ['domjobinfo', '--completed', '--keep-completed', NAME]);
  assert.match(done, /Job type:\s+Completed\s+Operation:\s+Save\s+Time elapsed:\s+\d+\s+ms[^]*Data processed:/);
  assert.equal((await d!.cli(['domjobinfo', '--completed', NAME])).stdout.trimEnd(), done.trimEnd(), 'tsvirt prints it as virsh');
  const head = readFileSync(file).subarray(0, 20);
  assert.equal(head.toString('latin1', 0, 16), 'LibvirtQemudSave');
  assert.equal(head.readUInt32LE(16), 2);
  const xml = await ok(d!, ['save-image-dumpxml', file]);
  assert.match(xml, new RegExp(`<name>${NAME}</name>`));
  assert.match(xml, /data\.qcow2/);
  endRun();
  const savedHistory = history;
  const savedAt = counts(history).at(-1)!;

  // another tsvirtd (another root; the same disk and console files): a transient domain
  d2 = await startTestDaemon();
  await libvirtReady(d2);
  assert.match(await ok(d2, ['restore', file]), new RegExp(`Domain restored from ${file}`));
  assert.match(await ok(d2, ['domstate', '--reason', NAME]), /^running \(restored\)/);
  await countsGrow(20);
  const onB = checkContinuous('restored on the second tsvirtd');
  assert.ok(onB.at(-1)! > savedAt);
  await ok(d2, ['destroy', NAME]);
  assert.doesNotMatch(await ok(d2, ['list', '--all']), new RegExp(NAME), 'the transient domain is gone');
  await d2.stop();
  d2 = undefined;

  // the first tsvirtd restores onto its defined domain: from the saved value again
  history = savedHistory;
  assert.match(await ok(d!, ['restore', file]), /Domain restored from/);
  assert.match(await ok(d!, ['dominfo', NAME]), /Persistent:\s+yes/);
  await countsGrow(30);
  const all = checkContinuous('restored on the first tsvirtd');
  assert.ok(all.at(-1)! > savedAt + 20);
  await fails(d!, ['restore', file], /already active/);
});

test('managedsave, list --with-managed-save, undefine refused, start resumes and removes the image', async () => {
  assert.match(await ok(d!, ['managedsave', NAME]), new RegExp(`Domain '${NAME}' state saved by libvirt`));
  assert.equal(await ok(d!, ['domstate', '--reason', NAME]), 'shut off (saved)\n\n');
  const image = path.join(d!.root, 'var/lib/tsvirt/qemu/save', `${NAME}.save`);
  assert.ok(existsSync(image), image);
  assert.match(await ok(d!, ['list', '--all', '--with-managed-save']), new RegExp(NAME));
  assert.doesNotMatch(await ok(d!, ['list', '--all', '--without-managed-save']), new RegExp(NAME));
  for (const flags of [['--all', '--managed-save'], ['--all', '--with-managed-save'], ['--all', '--without-managed-save']]) {
    assert.equal((await d!.cli(['list', ...flags])).stdout, await ok(d!, ['list', ...flags]), `tsvirt list ${flags.join(' ')} as virsh`);
  }
  assert.match(await ok(d!, ['list', '--all', '--managed-save']), new RegExp(`${NAME}\\s+saved`));
  assert.match((await d!.cli(['dominfo', NAME])).stdout, /Managed save:\s+yes/);
  assert.match(await ok(d!, ['dominfo', NAME]), /Managed save:\s+yes/);
  assert.match(await ok(d!, ['managedsave-dumpxml', NAME]), new RegExp(`<name>${NAME}</name>`));
  await fails(d!, ['undefine', NAME], /Refusing to undefine while domain managed save image exists/);
  endRun();
  await ok(d!, ['start', NAME]);
  assert.equal(existsSync(image), false, 'start removes the managed save image');
  assert.match(await ok(d!, ['dominfo', NAME]), /Managed save:\s+no/);
  await countsGrow(20);
  checkContinuous('started from the managed save image');

  // tsvirt's own CLI, with the progress line, then start --force-boot discards the image
  const r = await d!.cli(['managedsave', NAME, '--verbose'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Managedsave: \[100 %\]/);
  assert.ok(existsSync(image));
  endRun();
  const lastSaved = counts(history).at(-1)!;
  await ok(d!, ['start', '--force-boot', NAME]);
  assert.equal(existsSync(image), false);
  await countsGrow(5);
  assert.equal(counts(logText())[0], 1, 'a fresh boot counts from 1');
  // the data disk kept what the saved and restored runs wrote: the last 10th value before the save
  const boot = /TSVIRT-DISKCOUNT-BOOT (.*)/.exec(logText())?.[1] ?? '';
  const onDisk = Number(/TSVIRT-DISKCOUNT (\d+)/.exec(boot)?.[1]);
  assert.ok(onDisk % 10 === 0 && onDisk <= lastSaved && onDisk > lastSaved - 20, `disk holds '${boot}', the counter was at ${lastSaved}`);
  history = '';
});

test('bad, truncated and mismatched images are refused and leave nothing behind', async () => {
  const file = path.join(d!.root, 'guest.save');
  const bad = path.join(d!.root, 'bad.save');
  writeFileSync(bad, 'this is not a save image\n'.repeat(20));
  await ok(d!, ['destroy', NAME]);
  await fails(d!, ['restore', bad], /image magic is incorrect/);
  await fails(d!, ['restore', path.join(d!.root, 'missing.save')], /Failed to open domain image file/);
  const short = path.join(d!.root, 'short.save');
  copyFileSync(file, short);
  truncateSync(short, 200);
  await fails(d!, ['restore', short], /failed to read domain XML/);
  const half = path.join(d!.root, 'half.save');
  copyFileSync(file, half);
  truncateSync(half, Math.floor(statSync(file).size / 2));
  await fails(d!, ['restore', half], /cannot restore domain/);
  const other = path.join(d!.root, 'other.xml');
  writeFileSync(other, (await ok(d!, ['save-image-dumpxml', file])).replace(/<uuid>[^<]+<\/uuid>/, '<uuid>0b8a5e4c-1111-4222-8333-944445555666</uuid>'));
  await fails(d!, ['restore', file, '--xml', other], /Target domain uuid 0b8a5e4c-1111-4222-8333-944445555666 does not match source/);
  // save-image-define on a copy: the new XML and state go in, secrets only with --security-info
  const copy = path.join(d!.root, 'copy.save');
  copyFileSync(file, copy);
  const withVnc = path.join(d!.root, 'vnc.xml');
  writeFileSync(withVnc, (await ok(d!, ['save-image-dumpxml', file])).replace('</devices>', "<graphics type='vnc' port='-1' autoport='yes' passwd='s3cret'/></devices>"));
  assert.match(await ok(d!, ['save-image-define', copy, withVnc, '--paused']), new RegExp(`State file ${copy} updated`));
  assert.equal(readFileSync(copy).readUInt32LE(24), 0, 'was_running is 0 after --paused');
  assert.equal(statSync(copy).size, statSync(file).size, 'the stream stays where it was');
  assert.doesNotMatch(await ok(d!, ['save-image-dumpxml', copy]), /s3cret/);
  assert.match(await ok(d!, ['save-image-dumpxml', '--security-info', copy]), /passwd='s3cret'/);
  assert.deepEqual(statusFiles(d!), [], 'no status file is left');
  assert.equal(await ok(d!, ['domstate', NAME]), 'shut off\n\n');
  assert.doesNotMatch(await ok(d!, ['list']), new RegExp(NAME));
  // another domain now has the name: the image's (other uuid) is refused
  await fails(d!, ['save', NAME, path.join(d!.root, 'x.save')], /domain is not running/);
  await ok(d!, ['undefine', NAME]);
  const clash = path.join(d!.root, 'clash.xml');
  writeFileSync(clash, await counterDomainXml({ name: NAME, consoleLog, uuid: '0b8a5e4c-1111-4222-8333-944445555777' }));
  await ok(d!, ['define', clash]);
  await fails(d!, ['restore', file], new RegExp(`domain '${NAME}' already exists with uuid 0b8a5e4c-1111-4222-8333-944445555777`));
  assert.deepEqual(statusFiles(d!), []);
  assert.equal(existsSync(path.join(d!.root, 'x.save')), false);
  // the data disk is a sound image after all of it
  await runOk('qemu-img', ['check', '-q', disk]);
});
