// End to end: a <disk type='network'><source protocol='nbd'> served by a qemu-nbd this test
// starts on 127.0.0.1 inside its own network namespace (tsvirtd and QEMU run there too), bound
// to an <iothreads> iothread. The guest reads the marker the test wrote into the image, QEMU
// runs the iothread (its thread is named "IO iothread1" with debug-threads=on) and the
// virtio-blk device names it. One guest boot; qemu-nbd (by pid), guest and namespace are
// cleaned up on failure too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, type TestGuest } from './guest.js';
import { addNetns, removeNetns } from './netns.js';

const NS = `tsvt-nbd-${process.pid}`;
const NAME = 'nbdguest';
const PORT = 10809;
const MARKER = 'TSVIRT-NBD-MARK1';
let d: TestDaemon | undefined;
let guest: TestGuest;
let nbd: ChildProcess | undefined;

const inNs = (args: string[], timeoutMs = 10_000) => run('ip', ['netns', 'exec', NS, ...args], { timeoutMs });

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
});

after(async () => {
  if (nbd?.pid && nbd.exitCode === null) try { process.kill(nbd.pid, 'SIGKILL'); } catch { /* gone */ }
  await d?.stop();
  await removeNetns(NS);
});

async function ok(args: string[]): Promise<string> {
  const r = await d!.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Serves `image` over NBD on 127.0.0.1:PORT in the namespace; resolves once it answers. */
async function startNbd(image: string): Promise<void> {
  // `ip netns exec` execs qemu-nbd, so the child's pid is qemu-nbd's
  nbd = spawn('ip', ['netns', 'exec', NS, 'qemu-nbd', '--persistent', '--shared=4', '--format=raw', '--export-name=disk',
    '--bind=127.0.0.1', `--port=${PORT}`, image], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nbd.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await inNs(['qemu-img', 'info', '--output=json', `nbd://127.0.0.1:${PORT}/disk`]);
    if (r.code === 0) return;
    if (nbd.exitCode !== null || Date.now() > deadline) throw new Error(`qemu-nbd did not serve: ${stderr}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('a guest reads an NBD disk served in its namespace, through a virtio-blk bound to an iothread', async () => {
  const image = path.join(d!.root, 'nbd.img');
  writeFileSync(image, Buffer.concat([Buffer.from(MARKER), Buffer.alloc(1024 * 1024 - MARKER.length)]));
  await startNbd(image);

  const consoleLog = path.join(d!.root, 'console.log');
  const disk = [
    "<disk type='network' device='disk'>",
    "  <driver name='qemu' type='raw' iothread='1'/>",
    `  <source protocol='nbd' name='disk'>`,
    `    <host name='127.0.0.1' port='${PORT}'/>`,
    '  </source>',
    "  <target dev='vda' bus='virtio'/>",
    '</disk>',
  ].join('\n');
  const xml = minimalDomainXml({ name: NAME, ...guest, consoleLog, cmdline: guestCmdline(), extraDevices: disk })
    .replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>1</vcpu>\n  <iothreads>1</iothreads>");
  const file = path.join(d!.root, `${NAME}.xml`);
  writeFileSync(file, xml);
  await ok(['define', file]);
  const defined = await ok(['dumpxml', '--inactive', NAME]);
  assert.match(defined, /<iothreads>1<\/iothreads>/);
  assert.match(defined, /<source protocol='nbd' name='disk'>\s*<host name='127.0.0.1' port='10809'\/>\s*<\/source>/);
  assert.match(defined, /<driver name='qemu' type='raw' iothread='1'\/>/);

  await ok(['start', NAME]);
  try {
    // QEMU: the iothread object runs as a thread, and the disk's device names it
    const status = readFileSync(path.join(d!.root, 'run/tsvirt/qemu', `${NAME}.xml`), 'utf8');
    const pid = Number(/pid='(\d+)'/.exec(status)?.[1]);
    assert.ok(pid > 0, 'the status file names the QEMU pid');
    const threads = readdirSync(`/proc/${pid}/task`).map((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim());
    assert.ok(threads.includes('IO iothread1'), `QEMU threads: ${threads.join(', ')}`);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes('{"qom-type":"iothread","id":"iothread1"}'), 'an iothread object on the command line');
    const blk = argv.find((a) => a.includes('"virtio-blk-pci"')) ?? '';
    assert.match(blk, /"iothread":"iothread1"/);
    const node = argv.find((a) => a.includes('"driver":"nbd"')) ?? '';
    assert.match(node, /"server":\{"type":"inet","host":"127.0.0.1","port":"10809"\},"export":"disk"/);

    // the guest: its shell on the serial console prints what it reads from /dev/vda
    await waitForText(consoleLog, 'tsvirt-guest:/#', 60_000);
    const pts = /<source path='(\/dev\/pts\/\d+)'\/>/.exec(await ok(['dumpxml', NAME]))?.[1];
    assert.ok(pts, 'the serial console has a pty');
    // QEMU notices a pty client within a second (its reconnect timer) and drops input before;
    // the shell's line editor asks for the cursor position first (ESC[6n), answered here
    const fd = openSync(pts, 'r+');
    try {
      await new Promise((r) => setTimeout(r, 1500));
      writeSync(fd, '\x1b[24;1R');
      for (let i = 0; ; i++) {
        writeSync(fd, 'echo "READ-$(head -c 16 /dev/vda)-END"\r');
        try {
          await waitForText(consoleLog, `READ-${MARKER}-END`, 5_000);
          break;
        } catch (e) {
          if (i === 5) throw e;
        }
      }
    } finally {
      closeSync(fd);
    }
  } finally {
    await d!.cli(['destroy', NAME]);
  }
});
