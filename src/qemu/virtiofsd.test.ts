import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { UndoStack } from '../util/undo.js';
import { isTsvirtError } from '../util/errors.js';
import { isAlive } from './qemu-process.js';
import { DEFAULT_VIRTIOFSD, defaultVirtiofsd, managedVirtiofs, startVirtiofsds, stopVirtiofsds, virtiofsdArgs } from './virtiofsd.js';

const domXml = (fs: string) => `<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${fs}</devices></domain>`;
const share = (dir: string, binary = '') => `<filesystem><driver type='virtiofs'/>${binary}<source dir='${dir}'/><target dir='t'/></filesystem>`;

test('virtiofsd argv carries the <binary> options as libvirt passes them', () => {
  const dom = parseAndPrepareDomain(domXml(share('/srv/a,b', "<binary xattr='on'><cache mode='always'/><sandbox mode='chroot'/><lock posix='off' flock='on'/><thread_pool size='4'/></binary>")));
  assert.deepEqual(virtiofsdArgs(dom.devices.filesystems![0], '/run/x/fs0-fs.sock'), [
    '--socket-path=/run/x/fs0-fs.sock', '-o', 'source=/srv/a\\,b,cache=always,sandbox=chroot,xattr,flock,no_posix_lock', '--thread-pool-size=4',
  ]);
});

test('only shares without an external socket get a virtiofsd; the default binary comes from the vhost-user description', () => {
  const dom = parseAndPrepareDomain(domXml(share('/s') + "<filesystem><driver type='virtiofs'/><source socket='/run/e.sock'/><target dir='e'/></filesystem><filesystem><source dir='/p'/><target dir='p'/></filesystem>"));
  assert.deepEqual(managedVirtiofs(dom).map((x) => x.index), [0]);
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-vu-'));
  try {
    writeFileSync(join(dir, '50-x.json'), JSON.stringify({ type: 'fs', binary: '/opt/vfsd' }));
    assert.equal(defaultVirtiofsd([join(dir, 'none'), dir]), '/opt/vfsd');
    assert.equal(defaultVirtiofsd([join(dir, 'none')]), DEFAULT_VIRTIOFSD);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start failures are clear and leave nothing running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-vfsd-'));
  try {
    const log = join(dir, 'v.log');
    const fails = async (xml: string, re: RegExp) => {
      const undo = new UndoStack();
      await assert.rejects(startVirtiofsds(parseAndPrepareDomain(xml), dir, log, undo), (e) => isTsvirtError(e) && re.test(e.message), String(re));
      await undo.run();
    };
    await fails(domXml(share(join(dir, 'missing'))), /the virtiofs export directory '.*missing' does not exist/);
    await fails(domXml(share(dir, `<binary path='${join(dir, 'nope')}'/>`)), /virtiofsd binary '.*nope' is not executable/);
    // a "virtiofsd" that dies at once: its output is in the message
    const fake = join(dir, 'fake-virtiofsd');
    writeFileSync(fake, '#!/bin/sh\necho "fuse: bad mount point" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    mkdirSync(join(dir, 'src'));
    await fails(domXml(share(join(dir, 'src'), `<binary path='${fake}'/>`)), /virtiofsd died unexpectedly .*fuse: bad mount point/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the real virtiofsd starts, listens, and is stopped from the record', { skip: existsSync(DEFAULT_VIRTIOFSD) ? false : `no ${DEFAULT_VIRTIOFSD}` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-vfsd-'));
  const undo = new UndoStack();
  try {
    mkdirSync(join(dir, 'src'));
    const record = await startVirtiofsds(parseAndPrepareDomain(domXml(share(join(dir, 'src')))), dir, join(dir, 'v.log'), undo);
    const pid = Number(record['virtiofsd.fs0'].split(':')[0]);
    assert.ok(isAlive(pid));
    assert.ok(existsSync(join(dir, 'fs0-fs.sock')));
    await stopVirtiofsds(record);
    assert.equal(isAlive(pid), false);
    assert.equal(existsSync(join(dir, 'fs0-fs.sock')), false);
    await stopVirtiofsds(record); // twice is fine
  } finally {
    await undo.run();
    rmSync(dir, { recursive: true, force: true });
  }
});
