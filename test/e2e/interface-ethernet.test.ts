// End to end: <interface type='ethernet'> on a tap the test made itself (managed='no'), as
// libvirt runs it: tsvirt opens the existing tap and passes its fd to QEMU, runs <script> and
// <downscript> with the tap name, and leaves the tap in place at destroy. Everything runs in
// a network namespace this file creates (the tap, a dnsmasq serving DHCP on it, tsvirtd and
// QEMU) and removes even on failure. One guest boot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, minimalDomainXml, guestCmdline, waitForText, type TestGuest } from './guest.js';

const NS = `tsvt-eth-${process.pid}`;
const TAP = 'tsvtap0';
const HOST_IP = '10.98.0.1';
const GUEST_IP = '10.98.0.50';
const MAC = '52:54:00:98:00:50';
let d: TestDaemon | undefined;
let guest: TestGuest;
let dnsmasq: ChildProcess | undefined;

const inNs = (args: string[]) => run('ip', ['netns', 'exec', NS, ...args]);
async function inNsOk(args: string[]): Promise<string> {
  const r = await inNs(args);
  assert.equal(r.code, 0, `${args.join(' ')} in ${NS} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  await inNsOk(['ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap']);
  await inNsOk(['ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', TAP]);
  await inNsOk(['ip', 'link', 'set', TAP, 'up']);
  d = await startTestDaemon({ netns: NS });
  // DHCP on the tap gives the guest a fixed address (the test guest configures itself by DHCP)
  dnsmasq = spawn('ip', ['netns', 'exec', NS, 'dnsmasq', '--no-daemon', '--port=0', `--interface=${TAP}`, '--bind-dynamic',
    '--dhcp-range=10.98.0.10,10.98.0.90,255.255.255.0', `--dhcp-host=${MAC},${GUEST_IP}`,
    `--dhcp-leasefile=${path.join(d.root, 'eth.leases')}`, '--conf-file=/dev/null', `--pid-file=${path.join(d.root, 'eth-dnsmasq.pid')}`],
  { stdio: 'ignore' });
});

after(async () => {
  if (dnsmasq?.pid && dnsmasq.exitCode === null) {
    const gone = new Promise((r) => dnsmasq!.once('exit', r));
    dnsmasq.kill('SIGKILL');
    await gone;
  }
  await d?.stop();
  await removeNetns(NS); // also the tap, and whatever else is still inside
});

async function ok(args: string[]): Promise<string> {
  const r = await d!.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

test('a guest on an unmanaged tap exchanges traffic with the host side, and destroy leaves the tap', async () => {
  const root = d!.root;
  const upLog = path.join(root, 'tap-up.log');
  const downLog = path.join(root, 'tap-down.log');
  const script = (name: string, log: string) => {
    const f = path.join(root, name);
    writeFileSync(f, `#!/bin/sh\necho "$1" >>'${log}'\n`);
    chmodSync(f, 0o755);
    return f;
  };
  const iface = `<interface type='ethernet'>
  <mac address='${MAC}'/>
  <script path='${script('up.sh', upLog)}'/>
  <downscript path='${script('down.sh', downLog)}'/>
  <target dev='${TAP}' managed='no'/>
  <model type='virtio'/>
</interface>`;
  const xml = minimalDomainXml({ name: 'eth1', ...guest, cmdline: guestCmdline(`tsvirt.dhcp=1 tsvirt.shell=0 tsvirt.ping=${HOST_IP}`), extraDevices: iface });
  const f = path.join(root, 'eth1.xml');
  writeFileSync(f, xml);
  await ok(['define', f]);
  // the definition keeps the unmanaged tap name, as libvirt does
  assert.match(await ok(['dumpxml', '--inactive', 'eth1']), new RegExp(`<target dev='${TAP}' managed='no'/>`));

  await ok(['start', 'eth1']);
  const log = path.join(root, 'var/log/tsvirt/qemu/eth1/serial0.log');
  await waitForText(log, `TSVIRT-IP eth0 ${GUEST_IP}`, 60_000);
  await waitForText(log, `TSVIRT-PING-OK ${HOST_IP}`, 30_000);
  // and the other way: the host side reaches the guest through the tap
  const ping = await inNs(['ping', '-c', '1', '-W', '2', GUEST_IP]);
  assert.equal(ping.code, 0, `ping ${GUEST_IP} from the namespace failed: ${ping.stdout}${ping.stderr}`);
  assert.equal(readFileSync(upLog, 'utf8').trim(), TAP, 'the <script> ran with the tap name');
  assert.match(await ok(['dumpxml', 'eth1']), new RegExp(`<target dev='${TAP}' managed='no'/>`));
  // the user's tap keeps its own MAC (tsvirt changes only taps it manages)
  assert.doesNotMatch(await inNsOk(['ip', 'link', 'show', TAP]), /link\/ether fe:54:00:98:00:50/);

  await ok(['destroy', 'eth1']);
  const still = await inNs(['ip', 'link', 'show', TAP]);
  assert.equal(still.code, 0, `the unmanaged tap ${TAP} was removed by destroy: ${still.stderr}`);
  assert.ok(existsSync(downLog) && readFileSync(downLog, 'utf8').trim() === TAP, 'the <downscript> ran with the tap name');
  await ok(['undefine', 'eth1']);
});
