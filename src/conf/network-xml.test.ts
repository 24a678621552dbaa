import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetworkXml, formatNetworkXml } from './network-xml.js';
import { DEFAULT_NETWORK_XML, fillNetworkDefaults, validateNetwork } from './network-defaults.js';

const net = (ip: string, extra = '') => `<network><name>n${ip.replace(/\./g, '')}</name>${extra}<ip address='${ip}' prefix='24'><dhcp><range start='${ip.replace(/\.1$/, '.10')}' end='${ip.replace(/\.1$/, '.20')}'/></dhcp></ip></network>`;

test('default network gets libvirt defaults and round-trips', () => {
  const def = fillNetworkDefaults(parseNetworkXml(DEFAULT_NETWORK_XML), []);
  assert.equal(def.bridge?.name, 'virbr0');
  assert.deepEqual(def.forward?.natPorts, { start: 1024, end: 65535 });
  assert.match(def.mac!, /^52:54:00:/);
  const xml = formatNetworkXml(def);
  assert.match(xml, /<port start='1024' end='65535'\/>/);
  assert.match(xml, /<ip address='192.168.122.1' netmask='255.255.255.0'>/);
  assert.deepEqual(parseNetworkXml(xml), def);
});

test('bridge names virbrN skip used ones; forward none is isolated', () => {
  const a = fillNetworkDefaults(parseNetworkXml(net('10.0.1.1')), []);
  const b = fillNetworkDefaults(parseNetworkXml(net('10.0.2.1', "<forward mode='none'/>")), [a]);
  assert.equal(b.bridge?.name, 'virbr1');
  assert.equal(b.forward, undefined);
});

test('bad input is a clear error', () => {
  const a = fillNetworkDefaults(parseNetworkXml(net('10.0.1.1')), []);
  const over = fillNetworkDefaults(parseNetworkXml(`<network><name>o</name><ip address='10.0.1.129' prefix='25'/></network>`), [a]);
  assert.throws(() => validateNetwork(over, [a]), /overlaps network 'n10011'/);
  const range = parseNetworkXml(`<network><name>r</name><ip address='10.9.0.1' prefix='24'><dhcp><range start='10.9.1.2' end='10.9.1.9'/></dhcp></ip></network>`);
  assert.throws(() => validateNetwork(range, []), /DHCP range 10.9.1.2 - 10.9.1.9 is outside the subnet/);
  assert.throws(() => parseNetworkXml(`<network><name>m</name><mac address='zz:00'/></network>`), /invalid MAC address 'zz:00'/);
  assert.throws(() => parseNetworkXml(`<network><name>m</name><bogus/></network>`), /unsupported element <bogus>/);
});

test('every kind of network XML tsvirt writes validates with virt-xml-validate', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { run } = await import('../util/spawn.js');
  const docs = [
    DEFAULT_NETWORK_XML,
    `<network><name>r</name><forward mode='route' dev='eth0'/><bridge name='br9' stp='off' delay='2'/><mtu size='9000'/>
      <domain name='lab.test' localOnly='yes'/><dns><forwarder addr='10.0.0.53'/><forwarder domain='x.test' addr='10.0.0.54'/>
      <host ip='10.5.0.7'><hostname>a</hostname><hostname>b</hostname></host></dns>
      <ip address='10.5.0.1' prefix='24'><dhcp><range start='10.5.0.10' end='10.5.0.20'/><host mac='52:54:00:00:00:01' name='g' ip='10.5.0.5'/></dhcp></ip></network>`,
    `<network><name>iso</name><ip address='10.6.0.1' netmask='255.255.255.0'/></network>`,
    `<network><name>host</name><forward mode='bridge'/><bridge name='br0'/></network>`,
    `<network><name>n</name><forward mode='nat'><nat><port start='2000' end='3000'/></nat></forward><ip address='10.7.0.1' prefix='16'/></network>`,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-netxml-'));
  try {
    for (const [i, xml] of docs.entries()) {
      const def = parseNetworkXml(xml);
      fillNetworkDefaults(def, []);
      validateNetwork(def, []);
      const out = formatNetworkXml(def);
      assert.deepEqual(parseNetworkXml(out), def, 'round trip');
      const f = join(dir, `${i}.xml`);
      writeFileSync(f, out);
      const r = await run('virt-xml-validate', [f, 'network']);
      assert.equal(r.code, 0, `${out}\n${r.stderr}${r.stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
