// The guest-* calls and their mapping, through the real GuestAgent client, against a peer on
// a unix socket that answers with replies shaped as Debian 12's qemu-ga (7.2) sends them.
// The real qemu-ga is exercised by test/e2e/guest-agent-commands.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Domain } from '../conf/domain-types.js';
import { GuestAgent } from './guest-agent.js';
import * as ga from './agent-commands.js';
import { agentPeer, syncReply } from './testing/fake-agent.js';

type Replies = Record<string, (args: Record<string, unknown> | undefined) => unknown>;

async function agentAnswering(t: { after(fn: () => unknown): void }, replies: Replies) {
  const seen: Array<{ execute: string; arguments?: Record<string, unknown> }> = [];
  const p = await agentPeer(t, (msg, sock) => {
    if (msg.execute === 'guest-sync-delimited') return syncReply(msg, sock);
    seen.push(msg as { execute: string; arguments?: Record<string, unknown> });
    const fn = replies[msg.execute];
    const reply = fn ? { return: fn(msg.arguments) } : { error: { class: 'CommandNotFound', desc: `The command ${msg.execute} has not been found` } };
    sock.write(JSON.stringify(reply) + '\n');
  });
  const agent = new GuestAgent(p.path);
  agent.setGuestOpen(true);
  t.after(() => agent.close());
  return { agent, seen };
}

// the part of a domain the mapping reads: its disks' targets, PCI addresses and serials
const def = {
  devices: {
    disks: [
      { target: { dev: 'vda', bus: 'virtio' }, address: { type: 'pci', domain: 0, bus: 0, slot: 4, function: 0 } },
      { target: { dev: 'vdb', bus: 'virtio' }, serial: 'DATA1', address: { type: 'pci', domain: 0, bus: 0, slot: 7, function: 0 } },
    ],
  },
} as unknown as Domain;

test('interfaces: aliases join their interface; lo and address types kept', async (t) => {
  const { agent } = await agentAnswering(t, {
    'guest-network-get-interfaces': () => [
      { name: 'lo', 'hardware-address': '00:00:00:00:00:00', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }, { 'ip-address-type': 'ipv6', 'ip-address': '::1', prefix: 128 }] },
      { name: 'ens3', 'hardware-address': '52:54:00:7c:00:21', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '10.78.9.120', prefix: 24 }] },
      { name: 'ens3:1', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '10.0.0.5', prefix: 8 }] },
      { name: 'dummy0', 'hardware-address': 'aa:bb:cc:dd:ee:ff' },
    ],
  });
  assert.deepEqual(await ga.agentInterfaces(agent), [
    { name: 'lo', mac: '00:00:00:00:00:00', addrs: [{ type: 'ipv4', ip: '127.0.0.1', prefix: 8 }, { type: 'ipv6', ip: '::1', prefix: 128 }] },
    { name: 'ens3', mac: '52:54:00:7c:00:21', addrs: [{ type: 'ipv4', ip: '10.78.9.120', prefix: 24 }, { type: 'ipv4', ip: '10.0.0.5', prefix: 8 }] },
    { name: 'dummy0', mac: 'aa:bb:cc:dd:ee:ff', addrs: [] },
  ]);
});

test('fsinfo: mount order, disks matched to the domain by PCI address, else by serial', async (t) => {
  const { agent } = await agentAnswering(t, {
    'guest-get-fsinfo': () => [
      { name: 'vdb', mountpoint: '/data', type: 'xfs', 'used-bytes': 10, 'total-bytes': 100, disk: [{ serial: 'DATA1', 'bus-type': 'virtio', bus: 0, unit: 0, target: 0, 'pci-controller': { domain: 0, bus: 9, slot: 9, function: 0 }, dev: '/dev/vdb' }] },
      { name: 'vda1', mountpoint: '/', type: 'ext4', 'used-bytes': 1, 'total-bytes': 2, disk: [{ 'bus-type': 'virtio', bus: 0, unit: 0, target: 0, 'pci-controller': { domain: 0, bus: 0, slot: 4, function: 0 }, dev: '/dev/vda1' }] },
    ],
  });
  assert.deepEqual(await ga.agentFilesystems(agent, def), [
    { mountpoint: '/', name: 'vda1', fstype: 'ext4', totalBytes: 2, usedBytes: 1, disks: [{ alias: 'vda', device: '/dev/vda1' }] },
    { mountpoint: '/data', name: 'vdb', fstype: 'xfs', totalBytes: 100, usedBytes: 10, disks: [{ alias: 'vdb', serial: 'DATA1', device: '/dev/vdb' }] },
  ]);
});

test('freeze picks the -list command only for named mountpoints; time, password and hostname arguments', async (t) => {
  const { agent, seen } = await agentAnswering(t, {
    'guest-fsfreeze-freeze': () => 3,
    'guest-fsfreeze-freeze-list': (a) => (a!.mountpoints as string[]).length,
    'guest-fsfreeze-thaw': () => 3,
    'guest-get-time': () => 1_700_000_000_250_000_000,
    'guest-set-time': () => ({}),
    'guest-set-user-password': () => ({}),
    'guest-get-host-name': () => ({ 'host-name': 'debian' }),
  });
  assert.equal(await ga.agentFsFreeze(agent), 3);
  assert.equal(await ga.agentFsFreeze(agent, ['/', '/boot']), 2);
  assert.equal(await ga.agentFsThaw(agent), 3);
  const t1 = await ga.agentGetTime(agent);
  assert.equal(t1.seconds, 1_700_000_000);
  assert.ok(Math.abs(t1.nseconds - 250_000_000) < 1000, String(t1.nseconds));
  await ga.agentSetTime(agent, { seconds: 1_600_000_000, nseconds: 0 });
  await ga.agentSetTime(agent);
  await ga.agentSetUserPassword(agent, 'root', 'pa:ss wörd', false);
  assert.equal(await ga.agentHostname(agent), 'debian');
  assert.deepEqual(seen.map((m) => [m.execute, m.arguments]), [
    ['guest-fsfreeze-freeze', undefined],
    ['guest-fsfreeze-freeze-list', { mountpoints: ['/', '/boot'] }],
    ['guest-fsfreeze-thaw', undefined],
    ['guest-get-time', undefined],
    ['guest-set-time', { time: 1_600_000_000_000_000_000 }],
    ['guest-set-time', undefined],
    ['guest-set-user-password', { username: 'root', password: Buffer.from('pa:ss wörd').toString('base64'), crypted: false }],
    ['guest-get-host-name', undefined],
  ]);
  await assert.rejects(ga.agentSetTime(agent, { seconds: 9_300_000_000, nseconds: 0 }), /too big for guest agent/);
});

test('guestinfo parts: users in ms, OS fields, time zone, disks; a missing command is told apart', async (t) => {
  const { agent } = await agentAnswering(t, {
    'guest-get-users': () => [{ user: 'root', 'login-time': 1700000000.5 }],
    'guest-get-osinfo': () => ({ id: 'debian', name: 'Debian GNU/Linux', 'pretty-name': 'Debian GNU/Linux 12 (bookworm)', 'version-id': '12', 'kernel-release': '6.1.0-cloud-amd64', machine: 'x86_64' }),
    'guest-get-timezone': () => ({ zone: 'UTC', offset: 0 }),
    'guest-get-disks': () => [
      { name: '/dev/vda1', partition: true, dependencies: ['/dev/vda'], address: { 'bus-type': 'virtio', 'pci-controller': { domain: 0, bus: 0, slot: 4, function: 0 }, bus: 0, target: 0, unit: 0, dev: '/dev/vda1' } },
      { name: '/dev/vda', partition: false, address: { serial: 'X', 'bus-type': 'virtio', 'pci-controller': { domain: 0, bus: 0, slot: 4, function: 0 }, bus: 0, target: 0, unit: 0 } },
    ],
  });
  assert.deepEqual(await ga.agentUsers(agent), [{ name: 'root', loginTimeMs: 1700000000500 }]);
  assert.deepEqual(await ga.agentOsInfo(agent), { id: 'debian', name: 'Debian GNU/Linux', prettyName: 'Debian GNU/Linux 12 (bookworm)', versionId: '12', kernelRelease: '6.1.0-cloud-amd64', machine: 'x86_64' });
  assert.deepEqual(await ga.agentTimezone(agent), { name: 'UTC', offset: 0 });
  assert.deepEqual(await ga.agentDisks(agent, def), [
    { name: '/dev/vda1', partition: true, dependencies: ['/dev/vda'], alias: 'vda' },
    { name: '/dev/vda', partition: false, serial: 'X', alias: 'vda' },
  ]);
  const missing = await ga.agentHostname(agent).catch((e: unknown) => e);
  assert.equal(ga.isUnsupportedByAgent(missing), true);
  assert.equal(ga.isUnsupportedByAgent(new Error('x')), false);
});
