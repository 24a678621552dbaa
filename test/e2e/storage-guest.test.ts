// End to end: a guest booted with a pool volume as vda sees it; live attach-disk of another
// volume shows up in the guest (tsvirt.watch=1), an in-use volume cannot be deleted, and
// detach-disk --live removes it. One daemon, one guest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  // a file outside every pool: reported, not removed; a bad name: refused before anything changes
  const outside = path.join(d.root, 'outside.raw');
  writeFileSync(outside, Buffer.alloc(4096));
  await ok(['attach-disk', NAME, outside, 'vdd', '--config']);
  const bogus = await d.cli(['undefine', NAME, '--storage', 'vda,vdz']);
  assert.equal(bogus.code, 1);
  assert.match(bogus.stderr, /Volume 'vdz' was not found in domain's definition/);
  assert.match(await ok(['domstate', NAME]), /shut off/, 'still defined');
  assert.match(await ok(['vol-list', 'default']), /boot\.raw/, 'its volume is still there');
  const out = await d.cli(['undefine', NAME, '--remove-all-storage']);
  assert.equal(out.code, 1, 'a volume that could not be removed makes it fail');
  assert.match(out.stdout, /Domain 'volguest' has been undefined\nVolume 'vda'\(default\/boot.raw\) removed\./);
  assert.match(out.stderr, /Storage volume 'vdd'\(.*outside\.raw\) is not managed by tsvirt\. Remove it manually\./);
  assert.doesNotMatch(await ok(['vol-list', 'default']), /boot\.raw/);
  assert.ok(existsSync(outside), 'a file tsvirt does not manage is left alone');
});

/** The <source .../> of the CD-ROM in a domain XML, if it has one. */
function cdSource(xml: string): string | undefined {
  const cd = /<disk [^>]*device='cdrom'>([\s\S]*?)<\/disk>/.exec(xml)?.[1] ?? '';
  return /<source [^>]*\/>/.exec(cd)?.[0];
}

/** The medium the guest last reported in /dev/sr0 (tsvirt.cdwatch=1), once it equals `want`. */
async function waitForMedium(file: string, want: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  while (Date.now() < deadline) {
    const lines = readFileSync(file, 'latin1').match(/TSVIRT-CDROM \S+/g) ?? [];
    last = lines.at(-1)?.slice('TSVIRT-CDROM '.length);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the guest's CD-ROM shows '${last}', not '${want}', after ${timeoutMs} ms`);
}

test('change-media on a running guest: insert, swap to a pool volume, eject; the guest reads each medium', async () => {
  const name = 'cdguest';
  const medium = (text: string) => Buffer.concat([Buffer.from(text), Buffer.alloc(4096 - text.length)]);
  const one = path.join(d.root, 'one.iso');
  writeFileSync(one, medium('TSVIRT-MEDIA-ONE'));
  await ok(['vol-create-as', 'default', 'two.iso', '4K']);
  const twoSrc = path.join(d.root, 'two.src');
  writeFileSync(twoSrc, medium('TSVIRT-MEDIA-TWO'));
  await ok(['vol-upload', '--pool', 'default', 'two.iso', twoSrc]);
  const xml = minimalDomainXml({
    name, ...guest, cmdline: guestCmdline('tsvirt.cdwatch=1'),
    extraDevices: [
      `<controller type='scsi' index='0' model='virtio-scsi'/>`,
      `<disk type='file' device='cdrom'>\n  <driver name='qemu' type='raw'/>\n  <target dev='sda' bus='scsi'/>\n  <readonly/>\n</disk>`,
    ].join('\n'),
  });
  const file = path.join(d.root, `${name}.xml`);
  writeFileSync(file, xml);
  await ok(['define', file]);
  await ok(['start', name]);
  const log = path.join(d.root, 'var/log/tsvirt/qemu', name, 'serial0.log');
  try {
    await waitForMedium(log, 'none');

    const noSource = await d.cli(['change-media', name, 'sda', '--insert']);
    assert.equal(noSource.code, 1);
    assert.match(noSource.stderr, /No source is specified for inserting media/);

    assert.match(await ok(['change-media', name, 'sda', one, '--insert']), /Successfully inserted media\./);
    await waitForMedium(log, 'TSVIRT-MEDIA-ONE');
    assert.match(await ok(['dumpxml', name]), new RegExp(`<source file='${one}'/>`));
    assert.doesNotMatch(await ok(['dumpxml', '--inactive', name]), /one\.iso/, 'live only');
    assert.match(await ok(['domblklist', name]), new RegExp(`sda\\s+${one}`));

    const twice = await d.cli(['change-media', name, 'sda', one, '--insert']);
    assert.match(twice.stderr, /already has media/);

    assert.match(await ok(['change-media', name, 'sda', 'default/two.iso', '--update']), /Successfully updated media\./);
    await waitForMedium(log, 'TSVIRT-MEDIA-TWO');
    assert.match(await ok(['dumpxml', name]), /<source pool='default' volume='two\.iso'\/>/);
    const inUse = await d.cli(['vol-delete', '--pool', 'default', 'two.iso']);
    assert.match(inUse.stderr, /in use by running domain 'cdguest'/);

    assert.match(await ok(['change-media', name, 'sda', '--eject']), /Successfully ejected media\./);
    await waitForMedium(log, 'none');
    assert.equal(cdSource(await ok(['dumpxml', name])), undefined);
    const ejectAgain = await d.cli(['change-media', name, 'sda', '--eject']);
    assert.match(ejectAgain.stderr, /doesn't have media/);

    // only the medium of a running CD-ROM may change: a new serial is refused, nothing changes
    const busXml = path.join(d.root, 'serial.xml');
    writeFileSync(busXml, `<disk type='file' device='cdrom'>\n  <source file='${one}'/>\n  <target dev='sda' bus='scsi'/>\n  <readonly/>\n  <serial>NEW</serial>\n</disk>\n`);
    const bus = await d.cli(['update-device', name, busXml, '--live']);
    assert.equal(bus.code, 1);
    assert.match(bus.stderr, /only the source \(the media\) of a running cdrom can change/);
    assert.equal(cdSource(await ok(['dumpxml', name])), undefined);

    // --config changes the definition only
    await ok(['change-media', name, 'sda', one, '--config']);
    assert.match(await ok(['dumpxml', '--inactive', name]), new RegExp(`<source file='${one}'/>`));
    assert.equal(cdSource(await ok(['dumpxml', name])), undefined);
  } finally {
    await d.cli(['destroy', name]);
    await d.cli(['undefine', name]);
  }
});
