// USB devices on a running TCG guest (one boot): a <hub type='usb'/> with a <redirdev> on it whose
// chardev connects to a unix socket this test listens on (QEMU's usb-redir sends its usbredir
// hello there), and an optional USB <hostdev> that is not on the host (start goes on, the live
// XML marks it missing). QEMU's devices are checked over a second QMP monitor the domain gets
// through <qemu:commandline>. Then a mandatory USB <hostdev> that does not exist: define
// accepts it, start fails with libvirt's message and leaves no QEMU process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { GUEST_MARKER, ensureTestGuest, minimalDomainXml, waitForText } from './guest.js';
import { QmpMonitor } from '../../src/qemu/qmp-monitor.js';

let d: TestDaemon;
let server: net.Server | undefined;
const received: Buffer[] = [];
let connections = 0;

before(async () => {
  d = await startTestDaemon();
});
after(async () => {
  server?.close();
  await d?.stop();
});

/** A domain XML with the test guest, `devices` in <devices> and `qemuArgs` as <qemu:commandline>. */
async function domainXml(name: string, devices: string, qemuArgs: string[] = []): Promise<{ file: string; log: string }> {
  const guest = await ensureTestGuest();
  const log = path.join(d.root, `${name}.log`);
  let xml = minimalDomainXml({ name, ...guest, consoleLog: log, extraDevices: devices });
  if (qemuArgs.length) {
    xml = xml.replace("<domain type='qemu'>", "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
      .replace('</domain>', `  <qemu:commandline>\n${qemuArgs.map((a) => `    <qemu:arg value='${a}'/>\n`).join('')}  </qemu:commandline>\n</domain>`);
  }
  const file = path.join(d.root, `${name}.xml`);
  writeFileSync(file, xml);
  return { file, log };
}

/** pids of QEMU processes started for domain `name` (its -name guest=NAME). */
function qemuPidsOf(name: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'latin1').split('\0');
      if (argv[0]?.includes('qemu-system') && argv.some((a) => a.startsWith(`guest=${name},`) || a === `guest=${name}`)) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

test('a hub and a redirdev on it: QEMU has both and the redirdev chardev connects to our listener', { timeout: 90_000 }, async () => {
  const sock = path.join(d.root, 'usbredir.sock');
  const qmpSock = path.join(d.root, 'test-qmp.sock');
  const gotHello = new Promise<void>((resolve) => {
    server = net.createServer((c) => {
      connections++;
      c.on('data', (b: Buffer) => {
        received.push(b);
        if (Buffer.concat(received).includes('usb-redir')) resolve();
      });
      c.on('error', () => {});
    });
  });
  await new Promise<void>((r) => server!.listen(sock, r));
  const name = 'usb-redir-guest';
  const { file, log } = await domainXml(name, `
<hub type='usb'>
  <address type='usb' bus='0' port='1'/>
</hub>
<redirdev bus='usb' type='unix'>
  <source mode='connect' path='${sock}'/>
  <address type='usb' bus='0' port='1.1'/>
</redirdev>
<hostdev mode='subsystem' type='usb'>
  <source startupPolicy='optional'>
    <vendor id='0x1234'/>
    <product id='0xbeef'/>
  </source>
</hostdev>`, ['-qmp', `unix:${qmpSock},server=on,wait=off`]);
  let r = await d.virsh(['define', file]);
  assert.equal(r.code, 0, r.stderr);
  r = await d.virsh(['start', name]);
  assert.equal(r.code, 0, r.stderr);
  await Promise.race([gotHello, new Promise((_, rej) => setTimeout(() => rej(new Error(`no usbredir hello on ${sock} (${connections} connections)`)), 20_000))]);
  assert.equal(connections, 1);

  const mon = await QmpMonitor.connect(qmpSock, { timeoutMs: 10_000, retryUntilMs: 10_000 });
  try {
    const ids = (await mon.execute<Array<{ name: string; type: string }>>('qom-list', { path: '/machine/peripheral' })).map((x) => `${x.name}:${x.type}`);
    for (const want of ['hub0:child<usb-hub>', 'redir0:child<usb-redir>', 'hostdev0:child<usb-host>']) assert.ok(ids.includes(want), `QEMU lacks ${want}: ${ids.join(', ')}`);
    const port = await mon.execute<string>('qom-get', { path: '/machine/peripheral/redir0', property: 'port' });
    assert.equal(port, '1.1', 'the redirdev sits on the hub');
    // a connected unix client shows as "unix:" (the peer has no name); the hello above came through it
    const chardevs = await mon.execute<Array<{ label: string; filename: string; 'frontend-open': boolean }>>('query-chardev');
    const redir = chardevs.find((c) => c.label === 'charredir0');
    assert.ok(redir?.filename.startsWith('unix:') && redir['frontend-open'], `charredir0 is not an open unix socket: ${JSON.stringify(chardevs)}`);
  } finally {
    mon.close();
  }
  await waitForText(log, GUEST_MARKER, 60_000);
  const live = await d.virsh(['dumpxml', name]);
  assert.match(live.stdout, /<hub type='usb'>\s*<address type='usb' bus='0' port='1'\/>/);
  assert.match(live.stdout, /<source startupPolicy='optional' missing='yes'>/, 'the absent optional device is marked missing');
  r = await d.virsh(['destroy', name]);
  assert.equal(r.code, 0, r.stderr);
});

test('a USB hostdev that is not on the host: define accepts it, start fails clearly and leaves no QEMU', { timeout: 30_000 }, async () => {
  const name = 'usb-missing-guest';
  const { file } = await domainXml(name, `
<hostdev mode='subsystem' type='usb' managed='yes'>
  <source>
    <vendor id='0x1234'/>
    <product id='0xbeef'/>
  </source>
</hostdev>`);
  let r = await d.virsh(['define', file]);
  assert.equal(r.code, 0, r.stderr);
  r = await d.virsh(['start', name]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Did not find USB device 1234:beef/);
  assert.deepEqual(qemuPidsOf(name), [], 'no QEMU process is left');
  assert.equal(existsSync(path.join(d.root, 'run/tsvirt/qemu', `${name}.xml`)), false, 'no status file is left');
  r = await d.virsh(['domstate', name]);
  assert.match(r.stdout, /shut off/);
});
