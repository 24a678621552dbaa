// End to end: a guest booted with a pool volume as vda sees it; live attach-disk of another
// volume shows up in the guest (tsvirt.watch=1), an in-use volume cannot be deleted, and
// detach-disk --live removes it. One daemon, one guest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, type TestGuest } from './guest.js';

let d: TestDaemon;
let guest: TestGuest;
const NAME = 'volguest';

before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const serial = () => path.join(d.root, 'var/log/tsvirt/qemu', NAME, 'serial0.log');

test('a guest booted with a pool volume sees it; live attach and detach of another volume', async () => {
  await ok(['vol-create-as', 'default', 'boot.raw', '24M']);
  await ok(['vol-create-as', 'default', 'hot.qcow2', '40M', '--format', 'qcow2']);
  const xml = minimalDomainXml({
    name: NAME, ...guest, cmdline: guestCmdline('tsvirt.watch=1'),
    extraDevices: `<disk type='volume' device='disk'>\n  <driver name='qemu' type='raw'/>\n  <source pool='default' volume='boot.raw'/>\n  <target dev='vda' bus='virtio'/>\n</disk>`,
  });
  const file = path.join(d.root, `${NAME}.xml`);
  writeFileSync(file, xml);
  await ok(['define', file]);
  await ok(['start', NAME]);
  await waitForText(serial(), `TSVIRT-DISK vda ${24 * 1024 ** 2}`, 60_000);

  // the booted volume is in use
  const del = await d.cli(['vol-delete', '--pool', 'default', 'boot.raw']);
  assert.equal(del.code, 1);
  assert.match(del.stderr, /cannot delete volume 'boot.raw': it is in use by running domain 'volguest'/);

  assert.match(await ok(['attach-disk', NAME, 'default/hot.qcow2', 'vdb', '--subdriver', 'qcow2', '--live']), /Disk attached successfully/);
  await waitForText(serial(), `TSVIRT-DISK-ADDED vdb ${40 * 1024 ** 2}`, 60_000);
  const live = await ok(['dumpxml', NAME]);
  assert.match(live, /<source pool='default' volume='hot.qcow2'\/>\s*<target dev='vdb' bus='virtio'\/>/);
  assert.doesNotMatch(await ok(['dumpxml', '--inactive', NAME]), /hot\.qcow2/, '--live leaves the definition alone');
  const inUse = await d.cli(['vol-delete', '--pool', 'default', 'hot.qcow2']);
  assert.match(inUse.stderr, /in use by running domain 'volguest'/);

  // attaching the same target again is refused and changes nothing
  const again = await d.cli(['attach-disk', NAME, 'default/hot.qcow2', 'vdb', '--live']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /target vdb already exists/);

  assert.match(await ok(['detach-disk', NAME, 'vdb', '--live']), /Disk detached successfully/);
  await waitForText(serial(), 'TSVIRT-DISK-REMOVED vdb', 60_000);
  assert.doesNotMatch(await ok(['dumpxml', NAME]), /hot\.qcow2/);
  assert.match(await ok(['vol-delete', '--pool', 'default', 'hot.qcow2']), /Vol hot.qcow2 deleted/);

  // --config on a running domain: only the definition changes
  await ok(['vol-create-as', 'default', 'cfg.raw', '8M']);
  await ok(['attach-disk', NAME, 'default/cfg.raw', 'vdc', '--config']);
  assert.match(await ok(['dumpxml', '--inactive', NAME]), /volume='cfg.raw'/);
  assert.doesNotMatch(await ok(['dumpxml', NAME]), /cfg\.raw/);
  assert.match(readFileSync(path.join(d.root, 'etc/tsvirt/qemu', `${NAME}.xml`), 'utf8'), /cfg\.raw/);
  await ok(['detach-disk', NAME, 'vdc', '--config']);
  assert.doesNotMatch(await ok(['dumpxml', '--inactive', NAME]), /cfg\.raw/);
  const running = await d.cli(['undefine', NAME, '--remove-all-storage']);
  assert.match(running.stderr, /supported only on stopped domains/);
  await ok(['destroy', NAME]);
  const out = await ok(['undefine', NAME, '--remove-all-storage']);
  assert.match(out, /Domain 'volguest' has been undefined\nVolume 'vda'\(default\/boot.raw\) removed\./);
  assert.doesNotMatch(await ok(['vol-list', 'default']), /boot\.raw/);
});
