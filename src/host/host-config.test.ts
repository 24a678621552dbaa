import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firewallRules, tableName } from './nft.js';
import { dnsmasqConf, dnsmasqFiles } from './dnsmasq.js';

test('nft rules: NAT masquerades the subnet with the port range; isolated only rejects', () => {
  const nat = firewallRules({ bridge: 'virbr0', subnet: '10.1.0.0/24', mode: 'nat', natPorts: { start: 1024, end: 65535 } });
  assert.match(nat, /^table ip tsvirt_virbr0 \{/);
  assert.match(nat, /ip saddr 10.1.0.0\/24 ip daddr != 10.1.0.0\/24 meta l4proto \{ tcp, udp \} masquerade to :1024-65535/);
  const iso = firewallRules({ bridge: 'virbr1', subnet: '10.2.0.0/24', mode: 'isolated' });
  assert.doesNotMatch(iso, /masquerade|ip saddr/);
  assert.match(iso, /iifname "virbr1" reject/);
  assert.equal(tableName('my-br.0'), 'tsvirt_my_br_0');
});

test('dnsmasq config: ranges, static hosts, no router for isolated networks', () => {
  const files = dnsmasqFiles('/run/x', 'n');
  const conf = dnsmasqConf({
    bridge: 'virbr1', address: '10.2.0.1', netmask: '255.255.255.0', ranges: [{ start: '10.2.0.10', end: '10.2.0.20' }],
    hosts: [{ mac: '52:54:00:00:00:01', ip: '10.2.0.5', name: 'g' }], forwarders: [], dnsHosts: [], noRouter: true,
  }, files);
  assert.match(conf, /^interface=virbr1$/m);
  assert.match(conf, /^dhcp-range=10.2.0.10,10.2.0.20,255.255.255.0$/m);
  assert.match(conf, /^dhcp-host=52:54:00:00:00:01,10.2.0.5,g$/m);
  assert.match(conf, /^dhcp-option=3$/m);
  assert.match(conf, /^pid-file=\/run\/x\/n.pid$/m);
});
