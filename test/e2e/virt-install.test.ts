// virt-install 4.1 (Debian's virtinst) against tsvirtd through libvirt's protocol: it creates
// the guest transient, then defines it over the running one (createXML, then defineXML), with
// the XML it writes itself (no index= on controllers, <pm>, ich9 USB companions on i440fx, a
// q35 set of root ports, virtio devices and a guest-agent channel for a known OS). Then stock
// virsh reaches the guest's serial console and leaves it with Ctrl+].
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline, waitForText, GUEST_MARKER, GUEST_MEMORY_MIB, type TestGuest } from './guest.js';
import { run, type RunResult } from '../../src/util/spawn.js';

let d: TestDaemon;
let guest: TestGuest;

before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

const serialLog = (name: string) => path.join(d.root, `${name}-serial.log`);

function virtInstall(name: string, args: string[]): Promise<RunResult> {
  return run('virt-install', [
    '--connect', d.libvirtUri, '--name', name, '--memory', String(GUEST_MEMORY_MIB), '--vcpus', '1',
    '--virt-type', 'qemu', '--import', '--noautoconsole',
    '--boot', `kernel=${guest.kernel},initrd=${guest.initrd},kernel_args=${guestCmdline()}`,
    // the serial port's output also goes to a file, where the guest's markers are waited for
    '--serial', `pty,log.file=${serialLog(name)}`,
    ...args,
  ], { env: { ...process.env, LC_ALL: 'C', HOME: d.root }, timeoutMs: 60_000 });
}

async function virsh(args: string[]): Promise<string> {
  const r = await d.virsh(args);
  assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function cli(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('virt-install --import of a kernel-boot guest (generic OS, i440fx) defines and boots it', async () => {
  const r = await virtInstall('vi-generic', ['--disk', 'none', '--osinfo', 'detect=on,require=off', '--graphics', 'none', '--network', 'none']);
  assert.equal(r.code, 0, `virt-install failed: ${r.stderr}${r.stdout}`);
  assert.match(r.stdout, /Domain creation completed/);
  await waitForText(serialLog('vi-generic'), GUEST_MARKER, 30_000);
  assert.equal((await virsh(['domstate', '--reason', 'vi-generic'])).trim(), 'running (booted)');
  // created, then made persistent over the running domain
  assert.match(await virsh(['dominfo', 'vi-generic']), /Persistent:\s+yes/);
  assert.equal(await virsh(['list', '--all', '--name']), await cli(['list', '--all', '--name']));

  const xml = await cli(['dumpxml', '--inactive', 'vi-generic']);
  // virt-install takes the first machine of the capabilities: the default one, not isapc
  assert.match(xml, /machine='pc-i440fx-[\d.]+'/);
  assert.match(xml, /<pm>\s*<suspend-to-mem enabled='no'\/>\s*<suspend-to-disk enabled='no'\/>\s*<\/pm>/);
  // the EHCI controller and its three UHCI companions share index 0
  for (const [model, port] of [['ich9-uhci1', 0], ['ich9-uhci2', 2], ['ich9-uhci3', 4]] as const) {
    assert.match(xml, new RegExp(`<controller type='usb' index='0' model='${model}'>\\s*<master startport='${port}'/>`));
  }
  assert.match(xml, /<controller type='usb' index='0' model='ich9-ehci1'>/);
  const argv = readFileSync(`/proc/${qemuPid('vi-generic')}/cmdline`, 'utf8').split('\0');
  assert.ok(argv.includes('PIIX4_PM.disable_s3=1') && argv.includes('PIIX4_PM.disable_s4=1'), argv.join(' '));
  assert.ok(argv.some((a) => a.includes('"driver":"ich9-usb-uhci2","masterbus":"usb.0","firstport":2')), argv.join(' '));
});

function qemuPid(name: string): number {
  const status = readFileSync(path.join(d.root, 'run/tsvirt/qemu', `${name}.xml`), 'utf8');
  return Number(/pid='(\d+)'/.exec(status)![1]);
}

test('virsh console reaches the guest\'s shell and Ctrl+] leaves it', async () => {
  // virsh wants a terminal: script(1) gives it a pty and relays our pipe into it
  const child = spawn('script', ['-qfec', `virsh -c '${d.libvirtUri}' console vi-generic`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
  child.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const until = async (re: RegExp, ms: number) => {
    const deadline = Date.now() + ms;
    while (!re.test(out)) {
      if (Date.now() > deadline) assert.fail(`console: no ${re} within ${ms} ms; got:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until(/Escape character is \^\]/, 15_000);
    // the guest's shell is already there: a command's output proves both directions
    child.stdin.write('\recho TSVIRT-$((6*7))\r');
    await until(/TSVIRT-42/, 15_000);
    child.stdin.write('\x1d');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    assert.equal(code, 0, `virsh console did not leave on Ctrl+]: ${out}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  // the guest goes on running after the console closed
  assert.equal((await virsh(['domstate', 'vi-generic'])).trim(), 'running');
});

test('virt-install of a known OS (q35, virtio disk, user network, VNC) boots with its disk', async () => {
  const disk = path.join(d.root, 'images', 'vi-q35.qcow2');
  const mk = await run('sh', ['-c', `mkdir -p '${path.dirname(disk)}' && qemu-img create -q -f qcow2 '${disk}' 64M`]);
  assert.equal(mk.code, 0, mk.stderr);
  const r = await virtInstall('vi-q35', [
    '--disk', `path=${disk}`, '--osinfo', 'linux2022', '--graphics', 'vnc,listen=127.0.0.1', '--network', 'user',
  ]);
  assert.equal(r.code, 0, `virt-install failed: ${r.stderr}${r.stdout}`);
  await waitForText(serialLog('vi-q35'), 'TSVIRT-DISK vda 67108864', 30_000);
  assert.equal((await virsh(['domstate', 'vi-q35'])).trim(), 'running');
  const xml = await virsh(['dumpxml', 'vi-q35']);
  assert.match(xml, /machine='pc-q35-[\d.]+'/);
  // fourteen root ports without index= got 1..14 after the root's 0
  assert.equal((xml.match(/model='pcie-root-port'/g) ?? []).length, 14);
  assert.match(xml, /<controller type='pci' index='14' model='pcie-root-port'>/);
  assert.match(await virsh(['vncdisplay', 'vi-q35']), /^127\.0\.0\.1:\d+$/m);
  // virt-install found the image through a storage pool of its folder
  assert.match(await virsh(['vol-path', '--pool', 'images', 'vi-q35.qcow2']), new RegExp(`^${disk}$`, 'm'));
});

test('virsh domstats (virConnectGetAllDomainStats, which virt-manager polls) agrees with dominfo', async () => {
  const out = await virsh(['domstats', '--state', '--cpu-total', '--balloon', '--vcpu', 'vi-generic']);
  const stat = (k: string) => new RegExp(`^  ${k.replace(/\./g, '\\.')}=(\\d+)$`, 'm').exec(out)?.[1];
  const info = await cli(['dominfo', 'vi-generic']);
  const field = (k: string) => new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1];
  assert.equal(stat('state.state'), '1', out); // running
  assert.equal(stat('state.reason'), '1', out); // booted
  assert.equal(stat('vcpu.current'), field('CPU\\(s\\)'));
  assert.equal(stat('balloon.maximum'), field('Max memory'));
  assert.ok(Number(stat('cpu.time')) > 0, out);
  // every domain without a name given; a shut-off one has no cpu.time
  const all = await virsh(['domstats', '--list-active']);
  assert.deepEqual([...all.matchAll(/^Domain: '(.+)'$/gm)].map((m) => m[1]).sort(), ['vi-generic', 'vi-q35']);
  // the block group of a domain without disks; a group tsvirt does not give: left out, or an
  // error when the client enforces it
  assert.match(await virsh(['domstats', '--block', 'vi-generic']), /^Domain: 'vi-generic'\n {2}block\.count=0\n\n/);
  assert.match(await virsh(['domstats', '--iothread', 'vi-generic']), /^Domain: 'vi-generic'\n\n/);
  const enforced = await d.virsh(['domstats', '--iothread', '--enforce', 'vi-generic']);
  assert.equal(enforced.code, 1);
  assert.match(enforced.stderr, /Operation not supported: Stats types 'iothread' are not supported by this daemon/);
});

test('a guest tsvirtd cannot start: virt-install reports the error and nothing is left', async () => {
  const before = await virsh(['list', '--all', '--name']);
  const r = await run('virt-install', [
    '--connect', d.libvirtUri, '--name', 'vi-bad', '--memory', '96', '--virt-type', 'qemu', '--import', '--noautoconsole',
    '--boot', `kernel=${path.join(d.root, 'no-such-kernel')}`, '--disk', 'none', '--osinfo', 'detect=on,require=off',
    '--graphics', 'none', '--network', 'none',
  ], { env: { ...process.env, LC_ALL: 'C', HOME: d.root }, timeoutMs: 60_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /ERROR\s+Requested operation is not valid: cannot access kernel '.*no-such-kernel'/);
  assert.equal(await virsh(['list', '--all', '--name']), before);
  assert.equal((await d.virsh(['dominfo', 'vi-bad'])).code, 1);
});

test('virt-install with a new disk (--disk size=) creates a qcow2 volume with lazy refcounts in the default pool', async () => {
  const r = await run('virt-install', [
    '--connect', d.libvirtUri, '--name', 'vi-newdisk', '--memory', String(GUEST_MEMORY_MIB), '--virt-type', 'qemu', '--noautoconsole', '--noreboot',
    '--install', `kernel=${guest.kernel},initrd=${guest.initrd},kernel_args=${guestCmdline()},kernel_args_overwrite=yes`,
    '--disk', 'size=0.05,format=qcow2,bus=virtio', '--osinfo', 'detect=on,require=off', '--graphics', 'none', '--network', 'none',
    '--serial', `pty,log.file=${serialLog('vi-newdisk')}`,
  ], { env: { ...process.env, LC_ALL: 'C', HOME: d.root }, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `virt-install failed: ${r.stderr}${r.stdout}`);
  assert.match(r.stdout, /Allocating 'vi-newdisk\.qcow2'/);
  const vol = await virsh(['vol-dumpxml', '--pool', 'default', 'vi-newdisk.qcow2']);
  assert.match(vol, /<format type='qcow2'\/>[\s\S]*<compat>1\.1<\/compat>\s*<features>\s*<lazy_refcounts\/>\s*<\/features>/);
  const file = /<path>(.+)<\/path>/.exec(vol)![1];
  const info = await run('qemu-img', ['info', '-U', '--output=json', file]);
  assert.equal(JSON.parse(info.stdout)['format-specific'].data['lazy-refcounts'], true);
  // the guest has the new disk as vda
  await waitForText(serialLog('vi-newdisk'), 'TSVIRT-DISK vda', 30_000);
  assert.equal((await virsh(['domstate', 'vi-newdisk'])).trim(), 'running');
  assert.equal(await virsh(['vol-list', 'default']), await cli(['vol-list', 'default']));
});
