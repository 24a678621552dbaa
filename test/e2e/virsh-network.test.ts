// Stock virsh and libvirt-python on virtual networks through libvirt's protocol. tsvirtd
// (and so its bridges, dnsmasq, nft tables and the one guest) runs inside a network
// namespace this file creates and removes even on failure. virsh's output is compared with
// tsvirt's own CLI for the same state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { comparers } from './virsh-compare.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, type TestGuest } from './guest.js';

const NS = `tsvt-vnet-${process.pid}`;
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

const { vok, cok, same } = comparers(() => d!);

async function hostState(): Promise<{ links: string; dnsmasq: number; configs: string }> {
  const links = (await run('ip', ['netns', 'exec', NS, 'ip', '-br', 'link'])).stdout;
  const pids = (await run('ip', ['netns', 'pids', NS])).stdout.split(/\s+/).filter(Boolean);
  const dnsmasq = pids.filter((p) => existsSync(`/proc/${p}/comm`) && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'dnsmasq').length;
  return { links, dnsmasq, configs: await cok(['net-list', '--all']) };
}

/** virsh fails with `re`, and networks, links and dnsmasq stay as they were */
async function vfails(args: string[], re: RegExp, readonly = false): Promise<void> {
  const before = await hostState();
  const r = await d!.virsh(args, { readonly });
  assert.notEqual(r.code, 0, `virsh ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, re);
  assert.deepEqual(await hostState(), before, `virsh ${args.join(' ')} changed something`);
}

function file(name: string, text: string): string {
  const f = path.join(d!.root, name);
  writeFileSync(f, text);
  return f;
}

const MAC1 = '52:54:00:66:00:01';
const netXml = (name: string, third: number, extra = '') => `<network>
  <name>${name}</name>
  <forward mode='nat'/>
  <ip address='10.66.${third}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.66.${third}.100' end='10.66.${third}.150'/>${extra}
    </dhcp>
  </ip>
</network>
`;

test('net-list, net-info, net-uuid, net-name, net-dumpxml of the default network', async () => {
  assert.match(await same(['net-list', '--all']), /^ default\s+inactive\s+no\s+yes\s*$/m);
  assert.doesNotMatch(await same(['net-list']), /default/);
  assert.match(await same(['net-info', 'default']), /^Bridge:\s+virbr0$/m);
  const uuid = (await same(['net-uuid', 'default'])).trim();
  assert.match(uuid, /^[0-9a-f-]{36}$/);
  assert.equal((await same(['net-name', uuid])).trim(), 'default');
  assert.equal((await same(['net-info', uuid])).split('\n')[0], 'Name:           default');
  assert.match(await same(['net-dumpxml', 'default']), /<bridge name='virbr0' stp='on' delay='0'\/>/);
  await same(['net-dumpxml', 'default', '--inactive']);
});

/** a network the test made goes away even when the test fails half-way (the later tests count networks) */
const dropAfter = (t: { after(fn: () => Promise<void>): void }, name: string) => t.after(async () => {
  await d!.cli(['net-destroy', name]);
  await d!.cli(['net-undefine', name]);
});

test('define, autostart, start, update, edit, destroy, undefine; bad input changes nothing', async (t) => {
  dropAfter(t, 'vnat');
  const f = file('vnat.xml', netXml('vnat', 1));
  assert.equal(await vok(['net-define', f]), `Network vnat defined from ${f}\n\n`);
  assert.match(await same(['net-list', '--all']), /^ vnat\s+inactive\s+no\s+yes\s*$/m);
  assert.equal(await vok(['net-autostart', 'vnat']), 'Network vnat marked as autostarted\n\n');
  assert.match(await same(['net-info', 'vnat']), /^Autostart:\s+yes$/m);
  assert.equal(await vok(['net-autostart', 'vnat', '--disable']), 'Network vnat unmarked as autostarted\n\n');
  assert.match(await same(['net-info', 'vnat']), /^Autostart:\s+no$/m);

  assert.equal(await vok(['net-start', 'vnat']), 'Network vnat started\n\n');
  const bridge = /^Bridge:\s+(\S+)$/m.exec(await same(['net-info', 'vnat']))![1];
  let hs = await hostState();
  assert.match(hs.links, new RegExp(`^${bridge}\\s`, 'm'), 'the bridge is up in the namespace');
  assert.equal(hs.dnsmasq, 1);
  assert.match(await same(['net-list']), /^ vnat\s+active\s+no\s+yes\s*$/m);
  assert.match(await same(['net-dumpxml', 'vnat']), new RegExp(`<bridge name='${bridge}'`));

  // a static DHCP host, live and in the config; then modify and delete it
  const host = `<host mac='${MAC1}' ip='10.66.1.11'/>`;
  assert.equal(await vok(['net-update', 'vnat', 'add', 'ip-dhcp-host', host, '--live', '--config']), 'Updated network vnat persistent config and live state\n');
  assert.match(await same(['net-dumpxml', 'vnat', '--inactive']), new RegExp(host));
  assert.match(await same(['net-dumpxml', 'vnat']), new RegExp(host));
  await vfails(['net-update', 'vnat', 'add', 'ip-dhcp-host', `<host mac='${MAC1}' ip='10.66.1.12'/>`], /error: Failed to update network vnat\nerror: Requested operation is not valid: there is already a DHCP host entry/);
  await vfails(['net-update', 'vnat', 'add', 'dns-host', "<host ip='10.66.1.2'><hostname>x</hostname></host>"], /net-update section 'dns-host' is not supported/);
  await vfails(['net-update', 'vnat', 'add', 'ip-dhcp-host', "<host mac='52:54:00:66:00:09' ip='10.66.1.13'", '--config'], /error: Failed to update network vnat\nerror: /);
  await vok(['net-update', 'vnat', 'modify', 'ip-dhcp-host', `<host mac='${MAC1}' ip='10.66.1.14'/>`, '--config']);
  assert.match(await same(['net-dumpxml', 'vnat', '--inactive']), /ip='10.66.1.14'/);
  assert.match(await same(['net-dumpxml', 'vnat']), /ip='10.66.1.11'/, '--config only leaves the live network');
  await vok(['net-update', 'vnat', 'delete', 'ip-dhcp-host', `<host mac='${MAC1}' ip='10.66.1.14'/>`, '--config']);
  assert.doesNotMatch(await same(['net-dumpxml', 'vnat', '--inactive']), new RegExp(MAC1));

  // net-edit: virsh runs the editor on the inactive XML and defines the result
  const sed = `sed -i s/10.66.1.150/10.66.1.140/`;
  assert.equal(await vok(['net-edit', 'vnat'], { VISUAL: sed, EDITOR: sed }), 'Network vnat XML configuration edited.\n\n');
  assert.match(await same(['net-dumpxml', 'vnat', '--inactive']), /<range start='10.66.1.100' end='10.66.1.140'\/>/);
  assert.match(await vok(['net-edit', 'vnat'], { VISUAL: 'true', EDITOR: 'true' }), /Network vnat XML configuration not changed/);

  await vfails(['net-start', 'vnat'], /error: Failed to start network vnat\nerror: Requested operation is not valid: network 'vnat' is already active/);
  await vfails(['net-define', file('bad.xml', '<network><name>bad</name><bogus/></network>')], /error: Failed to define network from .*bad.xml\nerror: /);
  await vfails(['net-define', file('over.xml', netXml('over', 1))], /overlaps network 'vnat'/);
  await vfails(['net-info', 'nosuch'], /error: failed to get network 'nosuch'\nerror: Network not found: no network with matching name 'nosuch'/);
  await vfails(['net-destroy', 'vnat'], /operation forbidden/, true);
  await vfails(['net-update', 'vnat', 'bogus', 'ip-dhcp-host', host], /unrecognized command name 'bogus'/);

  assert.equal(await vok(['net-destroy', 'vnat']), 'Network vnat destroyed\n\n');
  await vfails(['net-destroy', 'vnat'], /error: Failed to destroy network vnat\nerror: Requested operation is not valid: network 'vnat' is not active/);
  hs = await hostState();
  assert.doesNotMatch(hs.links, new RegExp(`^${bridge}\\s`, 'm'));
  assert.equal(hs.dnsmasq, 0);
  assert.equal(await vok(['net-undefine', 'vnat']), 'Network vnat has been undefined\n\n');
  assert.doesNotMatch(await same(['net-list', '--all']), /vnat/);
});

test('net-create makes a transient network that net-destroy removes', async (t) => {
  dropAfter(t, 'vtmp');
  const f = file('vtmp.xml', netXml('vtmp', 2));
  assert.equal(await vok(['net-create', f]), `Network vtmp created from ${f}\n\n`);
  assert.match(await same(['net-list']), /^ vtmp\s+active\s+no\s+no\s*$/m);
  assert.match(await same(['net-info', 'vtmp']), /^Persistent:\s+no$/m);
  await vfails(['net-autostart', 'vtmp'], /error: failed to mark network vtmp as autostarted\nerror: Requested operation is not valid: cannot set autostart for transient network 'vtmp'/);
  await vok(['net-destroy', 'vtmp']);
  assert.doesNotMatch(await same(['net-list', '--all']), /vtmp/);
  assert.equal((await hostState()).dnsmasq, 0);
});

test('net-dhcp-leases shows the lease a guest got; libvirt-python sees the networks as virt-install does', async (t) => {
  t.after(() => d!.cli(['destroy', 'vg1']).then(() => undefined));
  dropAfter(t, 'vlease');
  await vok(['net-define', file('vlease.xml', netXml('vlease', 3, `\n      <host mac='${MAC1}' ip='10.66.3.11'/>`))]);
  await vok(['net-start', 'vlease']);
  assert.equal(await same(['net-dhcp-leases', 'vlease']),
    ' Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n' +
    '-----------------------------------------------------------------------------------\n\n');
  const nic = `<interface type='network'>\n  <mac address='${MAC1}'/>\n  <source network='vlease'/>\n  <model type='virtio'/>\n</interface>`;
  const xml = minimalDomainXml({ name: 'vg1', ...guest, cmdline: guestCmdline('tsvirt.dhcp=1 tsvirt.shell=0'), extraDevices: nic });
  await cok(['create', file('vg1.xml', xml)]);
  await waitForText(path.join(d!.root, 'var/log/tsvirt/qemu/vg1/serial0.log'), 'TSVIRT-IP eth0 10.66.3.11', 60_000);
  const leases = await same(['net-dhcp-leases', 'vlease']);
  assert.match(leases, new RegExp(`^ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${MAC1}\\s+ipv4\\s+10\\.66\\.3\\.11/24\\s`, 'm'));
  assert.equal(await same(['net-dhcp-leases', 'vlease', '--mac', MAC1]), leases);
  assert.doesNotMatch(await same(['net-dhcp-leases', 'vlease', '--mac', '52:54:00:66:00:99']), /10\.66/);

  const py = `
import libvirt, sys, json
c = libvirt.open(sys.argv[1])
F = libvirt
out = {
  'all': sorted(n.name() for n in c.listAllNetworks()),
  'active': sorted(n.name() for n in c.listAllNetworks(F.VIR_CONNECT_LIST_NETWORKS_ACTIVE)),
  'inactive_persistent': sorted(n.name() for n in c.listAllNetworks(F.VIR_CONNECT_LIST_NETWORKS_INACTIVE | F.VIR_CONNECT_LIST_NETWORKS_PERSISTENT)),
  'old': [c.numOfNetworks(), c.listNetworks(), c.numOfDefinedNetworks(), c.listDefinedNetworks()],
}
n = c.networkLookupByName('vlease')
m = c.networkLookupByUUIDString(n.UUIDString())
out['same'] = m.name() == 'vlease' and m.UUIDString() == n.UUIDString()
out['state'] = [n.isActive(), n.isPersistent(), n.autostart(), n.bridgeName()]
out['xml'] = "<host mac='${MAC1}' ip='10.66.3.11'/>" in n.XMLDesc(0)
out['leases'] = [{k: l[k] for k in ('iface', 'mac', 'ipaddr', 'prefix', 'type')} for l in n.DHCPLeases()]
out['expiry_future'] = all(l['expirytime'] > 0 for l in n.DHCPLeases())
for what, call in (('noname', lambda: c.networkLookupByName('nosuch')), ('nouuid', lambda: c.networkLookupByUUIDString('00000000-0000-0000-0000-000000000001')),
                   ('flags', lambda: c.listAllNetworks(1 << 9)), ('xmlflags', lambda: n.XMLDesc(4))):
    try:
        call(); out[what] = None
    except libvirt.libvirtError as e:
        out[what] = [e.get_error_code(), str(e)]
print(json.dumps(out))
`;
  const r = await run('/usr/bin/python3', ['-c', py, d!.libvirtUri], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.deepEqual(o.all, ['default', 'vlease']);
  assert.deepEqual(o.active, ['vlease']);
  assert.deepEqual(o.inactive_persistent, ['default']);
  assert.deepEqual(o.old, [1, ['vlease'], 1, ['default']]);
  assert.equal(o.same, true);
  const bridge = /^Bridge:\s+(\S+)$/m.exec(await cok(['net-info', 'vlease']))![1];
  assert.deepEqual(o.state, [1, 1, 0, bridge]);
  assert.equal(o.xml, true);
  assert.deepEqual(o.leases, [{ iface: bridge, mac: MAC1, ipaddr: '10.66.3.11', prefix: 24, type: 0 }]);
  assert.equal(o.expiry_future, true);
  assert.deepEqual(o.noname, [43, "Network not found: no network with matching name 'nosuch'"]);
  assert.deepEqual(o.nouuid, [43, "Network not found: no network with matching uuid '00000000-0000-0000-0000-000000000001'"]);
  assert.deepEqual(o.flags, [8, 'invalid argument: unsupported flags (0x200) in function virConnectListAllNetworks']);
  assert.deepEqual(o.xmlflags, [8, 'invalid argument: unsupported flags (0x4) in function virNetworkGetXMLDesc']);

  await cok(['destroy', 'vg1']);
  await vok(['net-destroy', 'vlease']);
  await vok(['net-undefine', 'vlease']);
  assert.equal((await hostState()).dnsmasq, 0);
});
