// End to end: the commands answered by the QEMU guest agent inside a real Debian guest, ONE
// BIOS guest on a NAT network (everything inside a netns) shared by every check, through
// stock virsh (libvirt's protocol) and tsvirt's CLI: domifaddr from the agent, the DHCP lease
// and the host's ARP table agree; domfsinfo, domfsfreeze/domfsthaw, domtime, guestinfo,
// domhostname; set-user-password, then a login with the new password.
// Run it alone: /work/brief/vm-slot node --import tsx --test test/e2e/guest-agent-commands.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { mustSucceed } from './virsh-compare.js';
import { addNetns, removeNetns } from './netns.js';
import { DEBIAN_BOOT_MS, GuestShell, debianDomainXml, ensureDebianImages, overlay, until } from './debian-guest.js';

const NS = `tsvt-ga-${process.pid}`;
const NAME = 'debagent';
const NET = 'ganet';
const MAC = '52:54:00:7c:00:21';
let d: TestDaemon | undefined;
let sh: GuestShell | undefined;
let guestIp = '';

const { virsh, cli } = mustSucceed(() => d!);


/** the same command through virsh and tsvirt: both succeed, both outputs */
async function both(args: string[]): Promise<[string, string]> {
  return [await virsh(args), await cli(args)];
}

const guest = (cmd: string) => sh!.must(cmd);


const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  const images = await ensureDebianImages();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
  const netFile = path.join(d.root, 'net.xml');
  writeFileSync(netFile, `<network><name>${NET}</name><forward mode='nat'/>
    <ip address='10.78.9.1' netmask='255.255.255.0'><dhcp><range start='10.78.9.100' end='10.78.9.150'/></dhcp></ip></network>`);
  await virsh(['net-define', netFile]);
  await virsh(['net-start', NET]);
  const disk = path.join(d.root, 'debagent.qcow2');
  await overlay(images.bios, disk);
  const xmlFile = path.join(d.root, `${NAME}.xml`);
  writeFileSync(xmlFile, debianDomainXml({ name: NAME, firmware: 'bios', disk: { file: disk }, network: NET, mac: MAC }));
  await virsh(['define', xmlFile]);
  await virsh(['start', NAME]);
  sh = GuestShell.open(d, NAME);
});

after(async () => {
  sh?.close();
  await d?.stop();
  await removeNetns(NS);
});

test("a domain that is not running, and the read-only socket: libvirt's errors", async () => {
  const f = path.join(d!.root, 'idle.xml');
  writeFileSync(f, debianDomainXml({ name: 'idle', firmware: 'bios', disk: { file: path.join(d!.root, 'none.qcow2') } }));
  await virsh(['define', f]);
  const v = await d!.virsh(['domfsinfo', 'idle']);
  assert.notEqual(v.code, 0);
  assert.match(v.stderr, /Requested operation is not valid: domain is not running/);
  const c = await d!.cli(['domfsinfo', 'idle']);
  assert.match(c.stderr, /^error: Unable to get filesystem information\nerror: Requested operation is not valid: domain is not running$/m);
  assert.match((await d!.cli(['domtime', 'idle'])).stderr, /domain is not running/);
  // the agent runs code in the guest: not for read-only clients; the lease source is
  const ro = await d!.virsh(['guestinfo', NAME], { readonly: true });
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /operation forbidden/);
  assert.equal((await d!.virsh(['domifaddr', NAME, '--source', 'lease'], { readonly: true })).code, 0);
  await virsh(['undefine', 'idle']);
});

test('the guest boots, logs in, and its agent answers', { timeout: DEBIAN_BOOT_MS + 120_000 }, async () => {
  await sh!.login();
  guestIp = await until('an IPv4 address in the guest', 120_000, async () => /inet (10\.78\.9\.\d+)\//.exec(await guest('ip -4 -o addr show scope global'))?.[1]);
  await until('the agent connected', 120_000, async () => ((await d!.virsh(['domifaddr', NAME, '--source', 'agent'])).code === 0 ? true : undefined));
});

test('domifaddr: the agent, the lease and the ARP table give the same address', { timeout: 120_000 }, async () => {
  assert.ok(guestIp, 'the guest has an address');
  const ip = re(guestIp);
  const [agentV, agentC] = await both(['domifaddr', NAME, '--source', 'agent']);
  assert.equal(agentC, agentV, 'tsvirt prints what virsh prints');
  // the guest's own names: lo is listed, then its NIC with the MAC the domain gave it
  assert.match(agentV, /^ lo\s+00:00:00:00:00:00\s+ipv4\s+127\.0\.0\.1\/8$/m, agentV);
  assert.match(agentV, new RegExp(`^ \\S+\\s+${MAC}\\s+ipv4\\s+${ip}/24$`, 'm'), agentV);

  const lease = await until('the lease', 30_000, async () => {
    const out = await virsh(['domifaddr', NAME, '--source', 'lease']);
    return out.includes(guestIp) ? out : undefined;
  });
  assert.match(lease, new RegExp(`vnet\\d+\\s+${MAC}\\s+ipv4\\s+${ip}/24`), lease);

  // the neighbour table has the guest once the host has talked to it
  const ping = await run('ip', ['netns', 'exec', NS, 'ping', '-c', '1', '-W', '5', guestIp]);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  const [arpV, arpC] = await both(['domifaddr', NAME, '--source', 'arp']);
  assert.equal(arpC, arpV);
  // libvirt's arp source: the host's tap name and no prefix
  assert.match(arpV, new RegExp(`^ vnet\\d+\\s+${MAC}\\s+ipv4\\s+${ip}/0$`, 'm'), arpV);

  const one = await virsh(['domifaddr', NAME, '--source', 'agent', '--interface', 'lo', '--full']);
  assert.doesNotMatch(one, new RegExp(MAC));
  const bad = await d!.cli(['domifaddr', NAME, '--source', 'dhcp']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Unknown data source 'dhcp'/);
});

test('domfsinfo lists / on vda', async () => {
  const [v, c] = await both(['domfsinfo', NAME]);
  assert.equal(c, v);
  assert.match(v, /^ Mountpoint\s+Name\s+Type\s+Target$/m);
  assert.match(v, /^ \/\s+vda1\s+ext4\s+vda$/m, v);
});

test('domfsfreeze and domfsthaw: all filesystems, or the ones named', { timeout: 120_000 }, async () => {
  let frozen = false;
  try {
    const all = await virsh(['domfsfreeze', NAME]);
    frozen = true;
    const n = Number(/^Froze (\d+) filesystem\(s\)$/m.exec(all)?.[1]);
    assert.ok(n >= 1, all);
    const thawed = await cli(['domfsthaw', NAME]);
    frozen = false;
    assert.equal(thawed.trim(), `Thawed ${n} filesystem(s)`);

    assert.equal((await cli(['domfsfreeze', NAME, '--mountpoint', '/'])).trim(), 'Froze 1 filesystem(s)');
    frozen = true;
    // qemu-ga thaws all or nothing, as libvirt says
    const some = await d!.virsh(['domfsthaw', NAME, '/']);
    assert.notEqual(some.code, 0);
    assert.match(some.stderr, /specifying mountpoints is not supported/);
    assert.equal((await virsh(['domfsthaw', NAME])).trim(), 'Thawed 1 filesystem(s)');
    frozen = false;
  } finally {
    if (frozen) await d!.virsh(['domfsthaw', NAME]);
  }
  // the guest writes again
  await guest('touch /root/after-thaw && sync');
});

test('domtime reads and sets the guest clock', { timeout: 120_000 }, async () => {
  const now = Math.floor(Date.now() / 1000);
  const [v, c] = await both(['domtime', NAME]);
  const t = Number(/^Time: (\d+)$/m.exec(v)?.[1]);
  assert.ok(Math.abs(t - now) < 300, `guest time ${t}, host ${now}`);
  assert.match(c, /^Time: \d+$/m);
  const back = now - 7200;
  await virsh(['domtime', NAME, '--time', String(back)]);
  const inside = Number(await guest('date +%s'));
  assert.ok(Math.abs(inside - back) < 120, `guest date ${inside}, set ${back}`);
  const pretty = await cli(['domtime', NAME, '--pretty']);
  assert.match(pretty, /^Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
  await cli(['domtime', NAME, '--now']);
  const restored = Number(/^Time: (\d+)$/m.exec(await virsh(['domtime', NAME]))?.[1]);
  assert.ok(Math.abs(restored - Date.now() / 1000) < 120, `restored ${restored}`);
  const clash = await d!.cli(['domtime', NAME, '--now', '--time', '5']);
  assert.match(clash.stderr, /Options --time and --now are mutually exclusive/);
});

test('guestinfo: libvirt\'s typed parameters, the same through virsh and tsvirt', { timeout: 120_000 }, async () => {
  const hostname = await guest('hostname');
  const args = ['guestinfo', NAME, '--os', '--hostname', '--timezone'];
  const [v, c] = await both(args);
  assert.equal(c, v);
  assert.match(v, /^os\.id\s+: debian$/m, v);
  assert.match(v, /^os\.version-id\s+: 12$/m);
  assert.match(v, new RegExp(`^os\\.kernel-release\\s+: ${re(await guest('uname -r'))}$`, 'm'));
  assert.match(v, new RegExp(`^hostname\\s+: ${re(hostname)}$`, 'm'));
  assert.match(v, /^timezone\.offset\s+: -?\d+$/m);
  // everything the agent has: users (root on the console), filesystems, disks, interfaces
  const all = await virsh(['guestinfo', NAME]);
  assert.match(all, /^user\.0\.name\s+: root$/m, all);
  assert.match(all, /^fs\.\d+\.mountpoint\s+: \/$/m);
  assert.match(all, /^fs\.\d+\.disk\.0\.alias\s+: vda$/m);
  assert.match(all, /^disk\.\d+\.name\s+: \/dev\/vda1?$/m);
  assert.match(all, new RegExp(`^if\\.\\d+\\.addr\\.\\d+\\.addr\\s+: ${re(guestIp)}$`, 'm'));
  const fsOnly = await cli(['guestinfo', NAME, '--filesystem']);
  assert.doesNotMatch(fsOnly, /^os\./m);
  assert.match(fsOnly, /^fs\.count\s+: [1-9]/m);
});

test('domhostname from the agent (the default, as libvirt 9.0)', async () => {
  const hostname = await guest('hostname');
  const [v, c] = await both(['domhostname', NAME, '--source', 'agent']);
  assert.equal(v.trim(), hostname);
  assert.equal(c, v);
  assert.equal((await cli(['domhostname', NAME])).trim(), hostname);
});

test('set-user-password: the console login takes the new password', { timeout: 240_000 }, async () => {
  const out = await virsh(['set-user-password', NAME, 'root', 'agent-pw-1']);
  assert.match(out, new RegExp(`Password set successfully for root in ${NAME}`));
  sh!.con.type('exit\r');
  await sh!.login('root', 'agent-pw-1');
  assert.match(await guest('id -un'), /^root$/m);
  // an already encrypted password (crypt(3) SHA-512) through tsvirt
  const hash = (await run('openssl', ['passwd', '-6', 'agent-pw-2'])).stdout.trim();
  assert.match(hash, /^\$6\$/);
  assert.match(await cli(['set-user-password', NAME, 'root', hash, '--encrypted']), /Password set successfully for root/);
  sh!.con.type('exit\r');
  await sh!.login('root', 'agent-pw-2');
  assert.match(await guest('id -un'), /^root$/m);
});
