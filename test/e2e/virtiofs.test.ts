// End to end: a virtiofs <filesystem> with shared memfd RAM. tsvirt starts virtiofsd (Debian's,
// /usr/lib/qemu/virtiofsd) before QEMU; the guest mounts the share (tsvirt.virtiofs=TAG in
// test/guest/init) and prints a file the test wrote on the host; destroy stops virtiofsd.
// (9p is not tried in the guest: Debian's cloud kernel is built without CONFIG_NET_9P.)
// One daemon, one guest boot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, type TestGuest } from './guest.js';
import { isAlive, waitForExit } from '../../src/qemu/qemu-process.js';

const VIRTIOFSD = '/usr/lib/qemu/virtiofsd';
const NAME = 'fsguest';
let d: TestDaemon | undefined;
let guest: TestGuest;
let share: string;

/** pids of virtiofsd processes whose command line names this daemon's root (its sockets live there). */
function virtiofsdPids(root: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cmd = '';
    try { cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8'); } catch { continue; }
    if (cmd.includes('virtiofsd') && cmd.includes(root)) out.push(Number(e));
  }
  return out;
}

before(async () => {
  guest = await ensureTestGuest();
  share = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-share-'));
  d = await startTestDaemon();
});
after(async () => {
  const root = d?.root;
  await d?.stop();
  // a virtiofsd left by a failed run is killed by its pid, never by name
  if (root) for (const pid of virtiofsdPids(root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  if (share) rmSync(share, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await d!.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

test('a file written on the host is read in the guest over virtiofs; destroy stops virtiofsd', { skip: existsSync(VIRTIOFSD) ? false : `${VIRTIOFSD} is missing (apt-get install qemu-system-common)` }, async () => {
  const marker = `marker-${randomBytes(8).toString('hex')}`;
  writeFileSync(path.join(share, 'hello.txt'), `${marker}\n`);
  const xml = minimalDomainXml({
    name: NAME, ...guest, cmdline: guestCmdline('tsvirt.virtiofs=hostshare tsvirt.shell=0'),
    extraDevices: `<filesystem type='mount' accessmode='passthrough'>\n  <driver type='virtiofs'/>\n  <source dir='${share}'/>\n  <target dir='hostshare'/>\n</filesystem>`,
  }).replace('</currentMemory>\n', "</currentMemory>\n  <memoryBacking>\n    <source type='memfd'/>\n    <access mode='shared'/>\n  </memoryBacking>\n");
  const file = path.join(d!.root, `${NAME}.xml`);
  writeFileSync(file, xml);
  await ok(['define', file]);
  const inactive = await ok(['dumpxml', '--inactive', NAME]);
  assert.match(inactive, /<memoryBacking>\s*<source type='memfd'\/>\s*<access mode='shared'\/>\s*<\/memoryBacking>/);
  assert.match(inactive, /<driver type='virtiofs'\/>\s*<source dir='[^']+'\/>\s*<target dir='hostshare'\/>/);

  await ok(['start', NAME]);
  assert.match(await ok(['dumpxml', NAME]), /<target dir='hostshare'\/>\s*<alias name='fs0'\/>/, 'live XML names the share fs0');
  const daemons = virtiofsdPids(d!.root);
  // sandbox=namespace (the default) makes virtiofsd fork into a new pid namespace: 1 or 2 processes
  assert.ok(daemons.length >= 1 && daemons.length <= 2, `one virtiofsd runs for the one share (found ${daemons.join(', ') || 'none'})`);
  const serial = path.join(d!.root, 'var/log/tsvirt/qemu', NAME, 'serial0.log');
  await waitForText(serial, `TSVIRT-FS hostshare hello.txt ${marker}`, 60_000);

  await ok(['destroy', NAME]);
  for (const pid of daemons) assert.ok(await waitForExit(pid, 5000), `virtiofsd ${pid} is still running after destroy`);
  assert.equal(daemons.some(isAlive), false);
  assert.deepEqual(virtiofsdPids(d!.root), []);
});

test('a share whose folder is missing fails start with libvirt\'s message and leaves no virtiofsd', { skip: existsSync(VIRTIOFSD) ? false : `${VIRTIOFSD} is missing` }, async () => {
  const missing = path.join(share, 'no-such-dir');
  const xml = minimalDomainXml({
    name: 'fsbroken', ...guest,
    extraDevices: `<filesystem type='mount'>\n  <driver type='virtiofs'/>\n  <source dir='${missing}'/>\n  <target dir='broken'/>\n</filesystem>`,
  }).replace('</currentMemory>\n', "</currentMemory>\n  <memoryBacking>\n    <source type='memfd'/>\n    <access mode='shared'/>\n  </memoryBacking>\n");
  const file = path.join(d!.root, 'fsbroken.xml');
  writeFileSync(file, xml);
  await ok(['define', file]);
  const r = await d!.cli(['start', 'fsbroken']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`the virtiofs export directory '${missing}' does not exist`));
  assert.match(await ok(['domstate', 'fsbroken']), /shut off/);
  assert.deepEqual(virtiofsdPids(d!.root), []);
});

test('when QEMU fails after virtiofsd started, the failed start stops virtiofsd', async () => {
  // a "virtiofsd" that listens on its socket but never speaks vhost-user: QEMU gives up at start
  const fake = path.join(d!.root, 'fake-virtiofsd');
  writeFileSync(fake, `#!/usr/bin/python3
import socket, sys, time
path = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--socket-path=')][0]
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(1)
c, _ = s.accept(); c.close()
time.sleep(600)
`, { mode: 0o755 });
  const xml = minimalDomainXml({
    name: 'fsqemufail', ...guest,
    extraDevices: `<filesystem type='mount'>\n  <driver type='virtiofs'/>\n  <binary path='${fake}'/>\n  <source dir='${share}'/>\n  <target dir='x'/>\n</filesystem>`,
  }).replace('</currentMemory>\n', "</currentMemory>\n  <memoryBacking>\n    <source type='memfd'/>\n    <access mode='shared'/>\n  </memoryBacking>\n");
  const file = path.join(d!.root, 'fsqemufail.xml');
  writeFileSync(file, xml);
  await ok(['define', file]);
  const r = await d!.cli(['start', 'fsqemufail']);
  assert.notEqual(r.code, 0, 'start must fail');
  assert.match(r.stderr, /QEMU for domain 'fsqemufail' failed to start: .*vhost/s, 'QEMU\'s own reason is in the message');
  assert.deepEqual(virtiofsdPids(d!.root), [], 'the virtiofsd of the failed start is gone');
});

test('<hugepages> of a size the host has none of fails start clearly', async () => {
  const xml = minimalDomainXml({ name: 'hugeguest', ...guest })
    .replace('</currentMemory>\n', "</currentMemory>\n  <memoryBacking>\n    <hugepages>\n      <page size='1' unit='GiB'/>\n    </hugepages>\n  </memoryBacking>\n");
  const file = path.join(d!.root, 'hugeguest.xml');
  writeFileSync(file, xml);
  await ok(['define', file]);
  const nr = '/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages';
  const have = existsSync(nr) ? Number(readFileSync(nr, 'utf8')) : 0;
  const r = await d!.cli(['start', 'hugeguest']);
  if (have > 0) return; // a host with 1 GiB pages reserved may well start it
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /wants huge pages of 1048576 KiB, (but the host has none reserved|which this host does not support)/);
});
