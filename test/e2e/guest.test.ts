// The test guest itself, booted by raw qemu-system-x86_64 under TCG: markers, ACPI power
// button, self power-off/reboot/panic, disks, DHCP over QEMU's user network (no host
// interface touched), the console shell. Prints measured timings as test diagnostics.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runOk, run } from '../../src/util/spawn.js';
import { TsvirtError } from '../../src/util/errors.js';
import {
  ensureTestGuest, guestCmdline, waitForText, minimalDomainXml,
  GUEST_MARKER, GUEST_READY, GUEST_POWERBUTTON, GUEST_MEMORY_MIB, type TestGuest,
} from './guest.js';

let guest: TestGuest;
before(async () => {
  guest = await ensureTestGuest();
});

interface Vm {
  dir: string;
  log: string;
  qmpPath: string;
  serialPath: string;
  proc: ChildProcess;
  startedAt: number;
  /** resolves when QEMU exits: exit code, signal, and Date.now() at exit */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Starts QEMU (TCG) on the test guest; t.after kills it by pid and removes its folder. */
async function startVm(
  t: { after: (fn: () => Promise<void>) => void },
  opts: { cmdline?: string; args?: string[]; memMiB?: number } = {},
): Promise<Vm> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsvirt-guest-test-'));
  const log = path.join(dir, 'console.log');
  const qmpPath = path.join(dir, 'qmp.sock');
  const serialPath = path.join(dir, 'serial.sock');
  const args = [
    '-accel', 'tcg', '-machine', 'pc', '-m', String(opts.memMiB ?? GUEST_MEMORY_MIB), '-smp', '1',
    '-nodefaults', '-display', 'none', '-no-reboot',
    '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', opts.cmdline ?? guestCmdline(),
    // serial 0 on a socket (for typing into the guest shell) that also logs everything to a file
    '-chardev', `socket,id=ser0,path=${serialPath},server=on,wait=off,logfile=${log}`,
    '-serial', 'chardev:ser0',
    '-qmp', `unix:${qmpPath},server=on,wait=off`,
    ...(opts.args ?? []),
  ];
  const startedAt = Date.now();
  const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    proc.on('exit', (code, signal) => {
      if (code) console.error(`qemu exited ${code}: ${stderr}`);
      resolve({ code, signal, at: Date.now() });
    });
  });
  proc.on('error', () => {});
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
      process.kill(proc.pid, 'SIGKILL');
    }
    if (proc.pid) await exited;
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, log, qmpPath, serialPath, proc, startedAt, exited };
}

/** Rejects after ms with a clear error, so a hung QEMU fails the test instead of the runner. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TsvirtError('operation-timeout', `${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function connectUnix(file: string): Promise<Socket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(file, () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A minimal QMP session: capabilities negotiated, one command at a time. */
async function qmp(file: string): Promise<{ cmd: (name: string, args?: object) => Promise<unknown>; close: () => void }> {
  const sock = await connectUnix(file);
  let buf = '';
  const waiting: Array<(msg: Record<string, unknown>) => void> = [];
  const greeting = new Promise<void>((resolve) => waiting.push(() => resolve()));
  sock.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ('event' in msg) continue;
      waiting.shift()?.(msg);
    }
  });
  sock.on('error', () => {});
  const cmd = (name: string, args?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      waiting.push((msg) => ('error' in msg ? reject(new Error(`${name}: ${JSON.stringify(msg.error)}`)) : resolve(msg.return)));
      sock.write(JSON.stringify(args ? { execute: name, arguments: args } : { execute: name }) + '\n');
    });
  await greeting;
  await cmd('qmp_capabilities');
  return { cmd, close: () => sock.destroy() };
}

test('boots to the marker, answers on the console shell, powers off on the ACPI power button', async (t) => {
  const vm = await startVm(t);
  await waitForText(vm.log, GUEST_MARKER, 20_000);
  const bootMs = Date.now() - vm.startedAt;
  await waitForText(vm.log, GUEST_READY, 5_000);
  const readyAt = Date.now();
  const text = await readFile(vm.log, 'latin1');
  assert.match(text, /TSVIRT-UNAME \d+\.\d+\S*-cloud-amd64/);
  assert.match(text, /TSVIRT-CMDLINE console=ttyS0 quiet panic=-1/);

  // The shell on ttyS0 runs commands typed on the serial port.
  const serial = await connectUnix(vm.serialPath);
  t.after(() => { serial.destroy(); });
  serial.on('error', () => {});
  await waitForText(vm.log, 'tsvirt-guest:/#', 10_000);
  const promptAt = Date.now();
  serial.write('echo shell-says-$((6*7))\r');
  await waitForText(vm.log, 'shell-says-42', 10_000);
  t.diagnostic(`ready ${readyAt - vm.startedAt} ms, prompt ${promptAt - vm.startedAt} ms, shell answer ${Date.now() - promptAt} ms`);

  const mon = await qmp(vm.qmpPath);
  t.after(() => mon.close());
  const pressedAt = Date.now();
  await mon.cmd('system_powerdown');
  const exit = await within(vm.exited, 10_000, 'QEMU exit after system_powerdown');
  assert.equal(exit.code, 0);
  assert.match(await readFile(vm.log, 'latin1'), new RegExp(GUEST_POWERBUTTON));
  t.diagnostic(`boot to marker ${bootMs} ms; power button to QEMU exit ${exit.at - pressedAt} ms`);
});

test('tsvirt.poweroff=1 powers the guest off by itself', async (t) => {
  const vm = await startVm(t, { cmdline: guestCmdline('tsvirt.poweroff=1') });
  const exit = await within(vm.exited, 25_000, 'QEMU exit after tsvirt.poweroff=1');
  assert.equal(exit.code, 0);
  const text = await readFile(vm.log, 'latin1');
  assert.ok(text.includes(GUEST_MARKER), 'marker printed');
  assert.ok(text.includes('TSVIRT-GUEST-SELF-POWEROFF'), `self power-off marker in:\n${text.slice(-2048)}`);
  t.diagnostic(`spawn to exit with a 1 s timer: ${exit.at - vm.startedAt} ms`);
});

test('tsvirt.reboot=0 resets the guest (QEMU exits under -no-reboot)', async (t) => {
  const vm = await startVm(t, { cmdline: guestCmdline('tsvirt.reboot=0') });
  const exit = await within(vm.exited, 25_000, 'QEMU exit after tsvirt.reboot=0');
  assert.equal(exit.code, 0);
  assert.ok((await readFile(vm.log, 'latin1')).includes('TSVIRT-GUEST-SELF-REBOOT'));
});

test('tsvirt.panic=0 panics the kernel (panic=-1 resets, QEMU exits under -no-reboot)', async (t) => {
  const vm = await startVm(t, { cmdline: guestCmdline('tsvirt.panic=0') });
  const exit = await within(vm.exited, 25_000, 'QEMU exit after tsvirt.panic=0');
  assert.equal(exit.code, 0);
  const text = await readFile(vm.log, 'latin1');
  assert.ok(text.includes('TSVIRT-GUEST-PANIC'));
  assert.match(text, /Kernel panic - not syncing/);
});

test('reports a raw virtio disk and a virtio-scsi disk with their sizes; tsvirt.watch=1 reports hot-plug', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsvirt-guest-disk-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const vda = path.join(dir, 'vda.raw');
  const sda = path.join(dir, 'sda.qcow2');
  await runOk('qemu-img', ['create', '-f', 'raw', vda, '64M']);
  await runOk('qemu-img', ['create', '-f', 'qcow2', sda, '32M']);
  const hot = path.join(dir, 'hot.raw');
  await runOk('qemu-img', ['create', '-f', 'raw', hot, '16M']);
  const vm = await startVm(t, {
    cmdline: guestCmdline('tsvirt.watch=1'),
    args: [
      '-drive', `file=${vda},format=raw,if=virtio`,
      '-device', 'virtio-scsi-pci,id=scsi0',
      '-drive', `file=${sda},format=qcow2,if=none,id=d1`, '-device', 'scsi-hd,drive=d1,bus=scsi0.0',
    ],
  });
  await waitForText(vm.log, GUEST_READY, 25_000);
  const text = await readFile(vm.log, 'latin1');
  assert.ok(text.includes('TSVIRT-DISK vda 67108864'), `vda line in:\n${text.slice(-2048)}`);
  assert.ok(text.includes('TSVIRT-DISK sda 33554432'), `sda line in:\n${text.slice(-2048)}`);

  // PCI hot-plug on the pc machine (ACPI hot-plug, built into the guest kernel).
  const mon = await qmp(vm.qmpPath);
  t.after(() => mon.close());
  await mon.cmd('blockdev-add', { 'node-name': 'hot0', driver: 'raw', file: { driver: 'file', filename: hot } });
  await mon.cmd('device_add', { driver: 'virtio-blk-pci', drive: 'hot0', id: 'hotdisk' });
  await waitForText(vm.log, 'TSVIRT-DISK-ADDED vdb 16777216', 15_000);
  await mon.cmd('device_del', { id: 'hotdisk' });
  await waitForText(vm.log, 'TSVIRT-DISK-REMOVED vdb', 15_000);
});

test('tsvirt.dhcp=1 gets an address from QEMU user networking on virtio-net', async (t) => {
  const vm = await startVm(t, {
    cmdline: guestCmdline('tsvirt.dhcp=1'),
    args: ['-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56'],
  });
  await waitForText(vm.log, GUEST_READY, 40_000);
  assert.match(await readFile(vm.log, 'latin1'), /TSVIRT-IP eth0 10\.0\.2\.15/);
});

test('waitForText rejects with the tail of the file; minimalDomainXml is valid libvirt XML', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsvirt-guest-xml-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'log');
  await writeFile(file, 'x'.repeat(5000) + 'THE-END');
  await assert.rejects(waitForText(file, 'never', 120), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'operation-timeout');
    assert.ok(e.message.includes('THE-END') && !e.message.includes('x'.repeat(2100)));
    return true;
  });
  // A file that does not exist yet counts as empty until it appears.
  const later = path.join(dir, 'later');
  const waiting = waitForText(later, 'hello', 5_000);
  setTimeout(() => void writeFile(later, 'say hello\n'), 100);
  await waiting;

  const xml = minimalDomainXml({
    name: 'guest-<1>', kernel: guest.kernel, initrd: guest.initrd, consoleLog: path.join(dir, 'c.log'),
    extraDevices: `<disk type='file' device='disk'>\n  <source file='${dir}/d.img'/>\n  <target dev='vda' bus='virtio'/>\n</disk>`,
  });
  assert.match(xml, /<name>guest-&lt;1&gt;<\/name>/);
  assert.match(xml, new RegExp(`<memory unit='KiB'>${GUEST_MEMORY_MIB * 1024}</memory>`));
  assert.ok(xml.includes(`<cmdline>${guestCmdline()}</cmdline>`));
  const xmlFile = path.join(dir, 'dom.xml');
  await writeFile(xmlFile, xml);
  const v = await run('virt-xml-validate', [xmlFile, 'domain']).catch(() => undefined);
  if (!v) {
    t.diagnostic('virt-xml-validate not installed: schema check skipped');
    return;
  }
  assert.equal(v.code, 0, `virt-xml-validate: ${v.stderr}${v.stdout}`);
});
