// The state folders on a full disk and on a read-only one: the definitions' folder
// (<root>/etc/tsvirt) is a small tmpfs this file mounts and unmounts. A define fails with a clear
// error, the old definition stays whole on disk and in the daemon, the daemon goes on (and
// restarts) while the disk is full, and once space is freed or the disk writable again
// everything works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, runOk } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from '../e2e/daemon.js';
import { recordFigures } from './figures.js';

let root: string;
let mnt: string;
let mounted = false;
let d: TestDaemon | undefined;

const xml = (name: string, v: number) => `<domain type='qemu'><name>${name}</name><uuid>6b6b0000-0000-4000-8000-00000000d15${name === 'keep' ? 'c' : 'd'}</uuid><description>v${v}</description><memory unit='MiB'>32</memory><os><type>hvm</type></os></domain>\n`;

async function define(name: string, v: number): Promise<{ code: number | null; stderr: string }> {
  const f = path.join(root, `${name}-${v}.xml`);
  writeFileSync(f, xml(name, v));
  return d!.cli(['define', f]);
}
const onDisk = (name: string) => readFileSync(path.join(mnt, 'qemu', `${name}.xml`), 'utf8');
const version = (text: string) => /<description>v(\d+)<\/description>/.exec(text)?.[1];

/** fills the file system to the last block */
function fill(): void {
  let i = 0;
  for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
    for (;;) {
      try {
        writeFileSync(path.join(mnt, `filler-${i++}`), Buffer.alloc(size));
      } catch {
        break;
      }
    }
  }
}

function freeSpace(): void {
  for (const f of readdirSync(mnt).filter((x) => x.startsWith('filler-'))) rmSync(path.join(mnt, f));
}

before(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-diskfull-'));
  mnt = path.join(root, 'etc/tsvirt');
  mkdirSync(mnt, { recursive: true });
  await runOk('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tsvirt-fault', mnt]);
  mounted = true;
  d = await startTestDaemon({ root });
});

after(async () => {
  await d?.kill();
  if (mounted) await run('umount', [mnt]);
  if (d) await d.stop();
  else rmSync(root, { recursive: true, force: true });
});

test('a full disk under the definitions: define fails clearly, the old definition stays, the daemon goes on and restarts; freed, all works', async () => {
  assert.equal((await define('keep', 1)).code, 0);
  fill();
  const redefine = await define('keep', 2);
  assert.equal(redefine.code, 1, 'redefine on a full disk fails');
  assert.match(redefine.stderr, /^error: cannot write config file '.*keep\.xml': No space left on device$/m);
  assert.doesNotMatch(redefine.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const fresh = await define('fresh', 1);
  assert.equal(fresh.code, 1, 'a new define on a full disk fails');
  assert.match(fresh.stderr, /cannot write config file '.*fresh\.xml': No space left on device/);
  // the daemon still has, and the disk still holds, the old definition, whole
  assert.equal(version((await d!.cli(['dumpxml', 'keep'])).stdout), '1');
  assert.equal(version(onDisk('keep')), '1');
  assert.equal((await run('xmllint', ['--noout', path.join(mnt, 'qemu/keep.xml')])).code, 0);
  assert.doesNotMatch((await d!.cli(['list', '--all', '--name'])).stdout, /fresh/);
  // killed and restarted on the full disk, it comes back with the old definition
  await d!.kill();
  await d!.restart();
  assert.equal(version((await d!.cli(['dumpxml', 'keep'])).stdout), '1');
  assert.doesNotMatch((await d!.cli(['list', '--all', '--name'])).stdout, /fresh/);
  // a refused define whose journal record was written: freed, then a crash and a restart, it must not come back
  const again = await define('keep', 2);
  assert.equal(again.code, 1);
  freeSpace();
  await d!.kill();
  await d!.restart();
  assert.equal(version((await d!.cli(['dumpxml', 'keep'])).stdout), '1', 'the refused redefine did not come back from the journal');
  assert.equal(version(onDisk('keep')), '1');
  // space freed: everything works again
  assert.equal((await define('keep', 3)).code, 0);
  assert.equal((await define('fresh', 1)).code, 0);
  assert.equal(version(onDisk('keep')), '3');
  assert.equal(version((await d!.cli(['dumpxml', 'keep'])).stdout), '3');
  recordFigures('disk-full', { refusedDefines: 2, oldDefinitionIntact: 1, restartedOnFullDisk: 1, workedAfterFreeing: 1, message: redefine.stderr.trim().split('\n').pop()!.slice(0, 120) });
});

test('a read-only disk under the definitions: tsvirtd starts, define and undefine fail clearly and change nothing; writable again, all works', async () => {
  // a file system with files open for writing cannot be remounted read-only (the kernel does it
  // only after errors): the daemon is stopped for the remount and started on the read-only disk
  await d!.kill();
  await runOk('mount', ['-o', 'remount,ro', mnt]);
  try {
    await d!.restart();
    assert.equal(version((await d!.cli(['dumpxml', 'keep'])).stdout), '3');
    const r = await define('keep', 4);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot write config file '.*keep\.xml': Read-only file system$/m);
    const u = await d!.cli(['undefine', 'fresh']);
    assert.equal(u.code, 1, 'undefine on a read-only disk fails');
    assert.match(u.stderr, /cannot remove config file '.*fresh\.xml': Read-only file system/);
    assert.equal(version((await d!.cli(['dumpxml', 'keep'])).stdout), '3');
    assert.match((await d!.cli(['list', '--all', '--name'])).stdout, /fresh/, 'the refused undefine left the domain');
    recordFigures('disk-read-only', { startedReadOnly: 1, refusedCalls: 2, message: r.stderr.trim().split('\n').pop()!.slice(0, 120) });
  } finally {
    await d!.kill();
    await runOk('mount', ['-o', 'remount,rw', mnt]);
    await d!.restart();
  }
  assert.equal((await define('keep', 5)).code, 0);
  assert.equal((await d!.cli(['undefine', 'fresh'])).code, 0);
  assert.equal(version(onDisk('keep')), '5');
});
