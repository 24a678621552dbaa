// Network, storage pool and device-removed events over libvirt's protocol: stock virsh
// net-event / pool-event / event --event device-removed against tsvirtd print the same
// lines as tsvirt's own commands while the test changes a network, a dir pool, and
// hot-unplugs a disk of a running TCG guest. tsvirtd runs inside a network namespace this
// file creates (networks make bridges) and removes even on failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, REPO, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, minimalDomainXml, waitForText, GUEST_MARKER, type TestGuest } from './guest.js';
import { afterProbes, listener, probeUntilSubscribed, until, type Printer } from './event-printers.js';

const NS = `tsvt-vevt-${process.pid}`;
let d: TestDaemon | undefined;
let guest: TestGuest;

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
});
after(async () => {
  await d?.stop();
  await removeNetns(NS);
});

async function virsh(...args: string[]): Promise<string> {
  const r = await d!.virsh(args);
  assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
function file(name: string, text: string): string {
  const f = path.join(d!.root, name);
  writeFileSync(f, text);
  return f;
}
const virshPrinter = (...args: string[]) => listener('virsh', ['-c', d!.libvirtUri, ...args]);
const ownPrinter = (...args: string[]) => listener(path.join(REPO, 'bin/tsvirt'), ['-c', d!.uri, ...args]);

/** SIGINT, then each printer's lines after the probes, checked to end with the count */
async function finish(printers: Printer[], probeLine: string): Promise<string[][]> {
  for (const p of printers) p.child.kill('SIGINT');
  assert.deepEqual(await Promise.all(printers.map((p) => p.exited)), printers.map(() => 0), printers.map((p) => p.out()).join('\n---\n'));
  return printers.map((p) => {
    const all = p.out().split('\n');
    const rest = afterProbes(p, probeLine);
    assert.deepEqual(rest.slice(-4), ['event loop interrupted', `events received: ${all.length - 4}`, '', ''], p.out());
    return rest.slice(0, -4);
  });
}

const netLine = (net: string, what: string) => `event 'lifecycle' for network ${net}: ${what}`;
const netXml = (name: string, third: number) => `<network><name>${name}</name><ip address='10.77.${third}.1' netmask='255.255.255.0'/></network>\n`;

test('virsh net-event prints what tsvirt net-event prints: define, start, create, destroy, undefine', { timeout: 60_000 }, async () => {
  const evnet = file('evnet.xml', netXml('evnet', 1));
  await virsh('net-define', evnet);
  const printers = [
    virshPrinter('net-event', '--loop', '--event', 'lifecycle'),
    ownPrinter('net-event', '--loop', '--event', 'lifecycle'),
    // one network (the daemon filters by UUID), on the read-only socket
    listener('virsh', ['-r', '-c', `${d!.libvirtUri}-ro`, 'net-event', '--loop', '--event', 'lifecycle', '--network', 'evnet']),
    ownPrinter('net-event', '--loop', '--event', 'lifecycle', '--network', 'evnet'),
  ];
  try {
    const probe = netLine('evnet', 'Defined');
    await probeUntilSubscribed(printers, probe, () => virsh('net-define', evnet));
    await virsh('net-start', 'evnet');
    await virsh('net-create', file('evnet2.xml', netXml('evnet2', 2)));
    await virsh('net-destroy', 'evnet2');
    await virsh('net-destroy', 'evnet');
    await virsh('net-undefine', 'evnet');
    await until('the last network event', () => printers.every((p) => p.out().includes(netLine('evnet', 'Undefined'))));
    const [all, ownAll, one, ownOne] = await finish(printers, probe);
    assert.deepEqual(all, [
      netLine('evnet', 'Started'), netLine('evnet2', 'Started'), netLine('evnet2', 'Stopped'), netLine('evnet', 'Stopped'), netLine('evnet', 'Undefined'),
    ]);
    assert.deepEqual(ownAll, all);
    assert.deepEqual(one, [netLine('evnet', 'Started'), netLine('evnet', 'Stopped'), netLine('evnet', 'Undefined')]);
    assert.deepEqual(ownOne, one);
  } finally {
    for (const p of printers) p.child.kill('SIGKILL');
  }
  // --list, a bad event name and the timeout with nothing: the same from both
  for (const args of [['net-event', '--list'], ['pool-event', '--list']]) assert.equal((await d!.cli(args)).stdout, (await d!.virsh(args)).stdout);
  const bad = await Promise.all([d!.virsh(['net-event', '--event', 'bogus']), d!.cli(['net-event', '--event', 'bogus'])]);
  for (const r of bad) assert.deepEqual([r.code, r.stderr.trim()], [1, 'error: unknown event type bogus']);
  const quiet = await Promise.all([d!.virsh(['net-event', '--event', 'lifecycle', '--timeout', '1']), d!.cli(['net-event', '--event', 'lifecycle', '--timeout', '1'])]);
  for (const r of quiet) assert.deepEqual([r.code, r.stdout], [1, 'event loop timed out\nevents received: 0\n\n']);
});

const poolLine = (pool: string, what: string) => `event 'lifecycle' for storage pool ${pool}: ${what}`;

test('virsh pool-event prints what tsvirt pool-event prints: define, build, start, refresh, destroy, delete, undefine', { timeout: 60_000 }, async () => {
  const xml = file('evpool.xml', `<pool type='dir'><name>evpool</name><target><path>${d!.root}/evpool</path></target></pool>\n`);
  const printers = [
    virshPrinter('pool-event', '--loop', '--event', 'lifecycle'),
    ownPrinter('pool-event', '--loop', '--event', 'lifecycle'),
  ];
  const refresh = [virshPrinter('pool-event', '--loop', '--event', 'refresh'), ownPrinter('pool-event', '--loop', '--event', 'refresh')];
  try {
    const probe = poolLine('evpool', 'Defined');
    await probeUntilSubscribed(printers, probe, () => virsh('pool-define', xml));
    await virsh('pool-build', 'evpool');
    await virsh('pool-start', 'evpool');
    // the refresh printers were started with the others; refreshing until both show one
    const refreshLine = "event 'refresh' for storage pool evpool";
    await probeUntilSubscribed(refresh, refreshLine, () => virsh('pool-refresh', 'evpool'));
    await virsh('pool-destroy', 'evpool');
    await virsh('pool-delete', 'evpool');
    await virsh('pool-undefine', 'evpool');
    await until('the last pool event', () => printers.every((p) => p.out().includes(poolLine('evpool', 'Undefined'))));
    const [all, own] = await finish(printers, probe);
    assert.deepEqual(all, [
      poolLine('evpool', 'Created'), poolLine('evpool', 'Started'), poolLine('evpool', 'Stopped'), poolLine('evpool', 'Deleted'), poolLine('evpool', 'Undefined'),
    ]);
    assert.deepEqual(own, all);
    // only refresh events, and nothing after the probes' own
    assert.deepEqual(await finish(refresh, refreshLine), [[], []]);
  } finally {
    for (const p of [...printers, ...refresh]) p.child.kill('SIGKILL');
  }
});

test('virsh event --event device-removed prints the alias after detach-device --live, as tsvirt event does', { timeout: 90_000 }, async () => {
  const log = path.join(d!.root, 'evdev.console');
  const img = path.join(d!.root, 'evdev-vdb.img');
  writeFileSync(img, '');
  truncateSync(img, 2 << 20);
  await virsh('define', file('evdev.xml', minimalDomainXml({ name: 'evdev', ...guest, consoleLog: log })));
  await virsh('start', 'evdev');
  const disk = file('vdb.xml', `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${img}'/><target dev='vdb' bus='virtio'/></disk>\n`);
  const printers = [
    virshPrinter('event', '--loop', '--event', 'device-removed'),
    ownPrinter('event', '--loop', '--event', 'device-removed'),
    virshPrinter('event', '--loop', '--event', 'device-removed', '--domain', 'evdev'),
    // a lifecycle-only printer sees none of it
    virshPrinter('event', '--loop', '--event', 'lifecycle', '--domain', 'evdev'),
  ];
  try {
    await waitForText(log, GUEST_MARKER, 30_000);
    // hot-plug and unplug until every printer has shown one removal: all are subscribed
    const want = "event 'device-removed' for domain 'evdev': virtio-disk1";
    await probeUntilSubscribed(printers.slice(0, 3), want, async () => {
      assert.match(await virsh('attach-device', 'evdev', disk, '--live'), /Device attached successfully/);
      assert.match(await virsh('detach-device', 'evdev', disk, '--live'), /Device detached successfully/);
    });
    await virsh('suspend', 'evdev');
    await until('the lifecycle printer', () => printers[3]!.out().includes('Suspended'));
    const [all, own, one] = await finish(printers.slice(0, 3), want);
    assert.deepEqual([all, own, one], [[], [], []], 'one line per removal, nothing else');
    printers[3]!.child.kill('SIGINT');
    assert.equal(await printers[3]!.exited, 0);
    assert.equal(printers[3]!.out(), "event 'lifecycle' for domain 'evdev': Suspended Paused\nevent loop interrupted\nevents received: 1\n\n");
    assert.doesNotMatch(await virsh('domblklist', 'evdev'), /vdb/);
  } finally {
    for (const p of printers) p.child.kill('SIGKILL');
    await d!.virsh(['destroy', 'evdev']);
  }
});
