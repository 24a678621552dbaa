// End to end: virtual networks and guest NICs. Everything runs inside a network namespace
// this file creates (tsvirtd, its bridges, dnsmasq, nft tables and QEMUs) and removes even
// on failure; no packet leaves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { run, runOk } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, minimalDomainXml, guestCmdline, waitForText, type TestGuest } from './guest.js';

const NS = `tsvt-net-${process.pid}`;
let d: TestDaemon | undefined;
let guest: TestGuest;

const inNs = (args: string[]) => run('ip', ['netns', 'exec', NS, ...args]);

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
});

after(async () => {
  await d?.stop();
  await removeNetns(NS);
});

async function ok(args: string[]): Promise<string> {
  const r = await d!.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function fails(args: string[], re: RegExp): Promise<void> {
  const r = await d!.cli(args);
  assert.notEqual(r.code, 0, `tsvirt ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, re);
}

function file(name: string, text: string): string {
  const f = path.join(d!.root, name);
  writeFileSync(f, text);
  return f;
}

const netXml = (name: string, third: number, body = '', hosts = '') => `<network>
  <name>${name}</name>${body}
  <ip address='10.77.${third}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.77.${third}.100' end='10.77.${third}.150'/>${hosts}
    </dhcp>
  </ip>
</network>
`;

/** The host side of a network: links, nft tables and dnsmasq processes inside the namespace. */
async function hostState(): Promise<{ links: string; nft: string; dnsmasq: number }> {
  const links = (await inNs(['ip', '-br', 'link'])).stdout;
  const nft = (await inNs(['nft', 'list', 'tables'])).stdout;
  const pids = (await run('ip', ['netns', 'pids', NS])).stdout.split(/\s+/).filter(Boolean);
  const dnsmasq = pids.filter((p) => existsSync(`/proc/${p}/comm`) && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'dnsmasq').length;
  return { links, nft, dnsmasq };
}

const serialLog = (name: string) => path.join(d!.root, 'var/log/tsvirt/qemu', name, 'serial0.log');
const mac = (n: number) => `52:54:00:77:00:${n.toString(16).padStart(2, '0')}`;

function guestXml(name: string, nics: Array<{ network: string; mac: string }>, cmdline: string): string {
  const extra = nics.map((n) => `<interface type='network'>\n  <mac address='${n.mac}'/>\n  <source network='${n.network}'/>\n  <model type='virtio'/>\n</interface>`).join('\n');
  return minimalDomainXml({ name, ...guest, cmdline: guestCmdline(`tsvirt.dhcp=1 tsvirt.shell=0 ${cmdline}`), extraDevices: extra });
}

test('default network is defined but not autostarted; net XML validates', async () => {
  assert.match(await ok(['net-list', '--all']), /^ default\s+inactive\s+no\s+yes\s*$/m);
  const xml = await ok(['net-dumpxml', 'default']);
  assert.match(xml, /<bridge name='virbr0' stp='on' delay='0'\/>/);
  assert.match(xml, /<port start='1024' end='65535'\/>/);
  const f = file('default-net.xml', xml);
  const v = await run('virt-xml-validate', [f, 'network']);
  assert.equal(v.code, 0, v.stderr + v.stdout);
  assert.match(await ok(['net-autostart', 'default']), /Network default marked as autostarted/);
  assert.match(await ok(['net-info', 'default']), /^Autostart:\s+yes$/m);
  await ok(['net-autostart', 'default', '--disable']);
  const uuid = (await ok(['net-uuid', 'default'])).trim();
  assert.equal((await ok(['net-name', uuid])).trim(), 'default');
  await fails(['net-info', 'nosuch'], /failed to get network 'nosuch'/);
});

test('bad network input is a clear error and leaves nothing behind', async () => {
  await ok(['net-define', file('tnat.xml', netXml('tnat', 1, "\n  <forward mode='nat'/>",
    `\n      <host mac='${mac(1)}' ip='10.77.1.11'/>\n      <host mac='${mac(2)}' ip='10.77.1.12'/>`))]);
  await fails(['net-define', file('over.xml', netXml('over', 1).replace("netmask='255.255.255.0'", "netmask='255.255.0.0'"))], /overlaps network 'tnat'/);
  await fails(['net-define', file('range.xml', netXml('range', 9).replace("start='10.77.9.100'", "start='10.78.0.2'"))], /DHCP range 10.78.0.2 - 10.77.9.150 is outside the subnet/);
  await fails(['net-define', file('mac.xml', netXml('mac', 8, "\n  <mac address='52:54:00:zz:00:01'/>"))], /invalid MAC address '52:54:00:zz:00:01'/);
  const before = await hostState();
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'link', 'add', 'tsvforeign', 'type', 'bridge']);
  await ok(['net-define', file('foreign.xml', netXml('foreign', 7, "\n  <bridge name='tsvforeign'/>"))]);
  await fails(['net-start', 'foreign'], /bridge name 'tsvforeign' is already in use by something outside tsvirt/);
  const afterFail = await hostState();
  assert.match(afterFail.links, /^tsvforeign/m, 'the foreign bridge is untouched');
  assert.equal(afterFail.nft, before.nft);
  assert.equal(afterFail.dnsmasq, before.dnsmasq);
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'link', 'del', 'tsvforeign']);
  await ok(['net-undefine', 'foreign']);
  assert.doesNotMatch(await ok(['net-list', '--all']), /foreign/);
  // a transient network lives from net-create to net-destroy
  assert.match(await ok(['net-create', file('tmp.xml', netXml('tmp', 6))]), /Network tmp created from/);
  assert.match(await ok(['net-list']), /^ tmp\s+active\s+no\s+no\s*$/m);
  await ok(['net-destroy', 'tmp']);
  assert.doesNotMatch(await ok(['net-list', '--all']), /tmp/);
  assert.deepEqual(await hostState(), before);
});

test('forward mode bridge uses an existing host bridge and never removes it', async () => {
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'link', 'add', 'tsvhost0', 'type', 'bridge']);
  await ok(['net-define', file('hostbr.xml', "<network><name>hostbr</name><forward mode='bridge'/><bridge name='tsvhost0'/></network>")]);
  await ok(['net-start', 'hostbr']);
  assert.match(await ok(['net-info', 'hostbr']), /^Bridge:\s+tsvhost0$/m);
  await ok(['net-destroy', 'hostbr']);
  assert.match((await inNs(['ip', '-br', 'link'])).stdout, /^tsvhost0/m);
  await ok(['net-start', 'hostbr']);
});

test('NAT network: two guests get leases, ping each other and the bridge; isolated has no route out; restart keeps networks', async () => {
  await ok(['net-start', 'tnat']);
  await fails(['net-start', 'tnat'], /network 'tnat' is already active/);
  await ok(['net-define', file('tiso.xml', netXml('tiso', 2))]);
  await ok(['net-start', 'tiso']);
  let hs = await hostState();
  assert.match(hs.nft, /table ip tsvirt_virbr1\b/);
  assert.match(hs.nft, /table ip tsvirt_virbr2\b/);
  assert.equal(hs.dnsmasq, 2);
  const live = file('tnat-live.xml', await ok(['net-dumpxml', 'tnat']));
  assert.equal((await run('virt-xml-validate', [live, 'network'])).code, 0);

  const g1 = guestXml('g1', [{ network: 'tnat', mac: mac(1) }], 'tsvirt.ping=10.77.1.12,10.77.1.1');
  const g2 = guestXml('g2', [{ network: 'tnat', mac: mac(2) }], 'tsvirt.netwatch=1');
  const g3 = guestXml('g3', [{ network: 'tiso', mac: mac(3) }], 'tsvirt.ping=10.77.1.1');
  await ok(['create', file('g2.xml', g2)]);
  await ok(['create', file('g1.xml', g1)]);
  await ok(['create', file('g3.xml', g3)]);
  await waitForText(serialLog('g2'), 'TSVIRT-IP eth0 10.77.1.12', 60_000);
  await waitForText(serialLog('g1'), 'TSVIRT-IP eth0 10.77.1.11', 60_000);
  await waitForText(serialLog('g1'), 'TSVIRT-PING-OK 10.77.1.12', 60_000);
  await waitForText(serialLog('g1'), 'TSVIRT-PING-OK 10.77.1.1', 30_000);
  await waitForText(serialLog('g3'), 'TSVIRT-IP eth0 10.77.2.1', 60_000);
  await waitForText(serialLog('g3'), 'TSVIRT-PING-FAIL 10.77.1.1', 60_000);

  const leases = await ok(['net-dhcp-leases', 'tnat']);
  assert.match(leases, new RegExp(`${mac(1)}\\s+ipv4\\s+10\\.77\\.1\\.11/24`));
  assert.match(leases, new RegExp(`${mac(2)}\\s+ipv4\\s+10\\.77\\.1\\.12/24`));
  assert.match(await ok(['domifaddr', 'g1']), new RegExp(`vnet\\d+\\s+${mac(1)}\\s+ipv4\\s+10\\.77\\.1\\.11/24`));
  const iflist = await ok(['domiflist', 'g2']);
  assert.match(iflist, new RegExp(`vnet\\d+\\s+network\\s+tnat\\s+virtio\\s+${mac(2)}`));
  const tap = /(vnet\d+)/.exec(iflist)![1];
  const bridge = /^Bridge:\s+(\S+)/m.exec(await ok(['net-info', 'tnat']))![1];
  assert.match((await inNs(['ip', '-o', 'link', 'show', 'dev', tap])).stdout, new RegExp(` master ${bridge} `));


  // a static host added live (dnsmasq reloads), then a live second NIC that gets that lease
  await ok(['net-update', 'tnat', 'add', 'ip-dhcp-host', `<host mac='${mac(4)}' ip='10.77.1.14'/>`, '--live', '--config']);
  assert.match(await ok(['net-dumpxml', 'tnat', '--inactive']), new RegExp(`<host mac='${mac(4)}' ip='10.77.1.14'/>`));
  await fails(['net-update', 'tnat', 'add', 'ip-dhcp-host', `<host mac='${mac(4)}' ip='10.77.1.15'/>`], /already a DHCP host entry/);
  assert.match(await ok(['attach-interface', 'g2', 'network', 'tnat', '--mac', mac(4), '--model', 'virtio', '--live']), /Interface attached successfully/);
  await waitForText(serialLog('g2'), 'TSVIRT-IP eth1 10.77.1.14', 60_000);
  const two = await ok(['domiflist', 'g2']);
  const tap2 = new RegExp(`(vnet\\d+)\\s+network\\s+tnat\\s+virtio\\s+${mac(4)}`).exec(two)?.[1];
  assert.ok(tap2, two);
  assert.match(await ok(['domif-getlink', 'g2', mac(4)]), new RegExp(`${mac(4)} up`));
  await ok(['domif-setlink', 'g2', tap2, 'down']);
  assert.match(await ok(['domif-getlink', 'g2', tap2]), new RegExp(`${tap2} down`));
  assert.match(await ok(['detach-interface', 'g2', 'network', '--mac', mac(4), '--live']), /Interface detached successfully/);
  assert.doesNotMatch((await inNs(['ip', '-br', 'link'])).stdout, new RegExp(`^${tap2}\\b`, 'm'), 'the hot-plugged tap is gone');

  // a NIC on the host bridge of a forward-mode-bridge network, and one of type bridge
  await ok(['attach-interface', 'g3', 'network', 'hostbr', '--live']);
  await ok(['attach-interface', 'g3', 'bridge', 'tsvhost0', '--live']);
  const onHost = (await inNs(['ip', '-o', 'link', 'show', 'master', 'tsvhost0'])).stdout;
  assert.equal(onHost.match(/vnet\d+/g)?.length, 2, onHost);

  await d!.kill();
  await d!.restart();
  assert.match(await ok(['net-list']), /^ tnat\s+active\s+no\s+yes\s*$/m);
  assert.equal((await hostState()).dnsmasq, 2, 'dnsmasq kept across the restart');

  for (const g of ['g1', 'g2', 'g3']) await ok(['destroy', g]);
  // the resource release runs as the domain's QEMU is reaped: allow it a moment
  let links = '';
  for (let i = 0; i < 50; i++) {
    links = (await inNs(['ip', '-br', 'link'])).stdout;
    if (!/^vnet/m.test(links)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.doesNotMatch(links, /^vnet/m, 'taps go away with the guests');
  await ok(['net-destroy', 'tnat']);
  await ok(['net-destroy', 'tiso']);
  await ok(['net-destroy', 'hostbr']);
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'link', 'del', 'tsvhost0']);
  hs = await hostState();
  assert.doesNotMatch(hs.links, /virbr/);
  assert.doesNotMatch(hs.nft, /tsvirt/);
  assert.equal(hs.dnsmasq, 0);
});
