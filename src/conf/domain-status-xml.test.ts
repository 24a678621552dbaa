import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAndPrepareDomain } from './domain-xml.js';
import { formatDomainStatusXml, parseDomainStatusXml, type DomainStatus } from './domain-status-xml.js';
import { XmlError } from '../util/errors.js';

test('status XML round-trips with the live domain', () => {
  const domain = parseAndPrepareDomain(readFileSync(new URL('../../test/fixtures/domain/i440fx-full.xml', import.meta.url), 'utf8'));
  domain.id = 3;
  domain.devices.serials[0].source = { path: '/dev/pts/7' };
  domain.devices.serials[0].alias = 'serial0';
  // the serial-type console is the first serial port: libvirt writes it with the same pty and alias
  domain.devices.consoles[0].source = { path: '/dev/pts/7' };
  domain.devices.consoles[0].alias = 'serial0';
  domain.devices.interfaces[0].target = { dev: 'vnet0' };
  const st: DomainStatus = {
    state: 'running',
    reason: 'booted',
    pid: 4242,
    monitorPath: '/run/tsvirt/qemu/domain-3-i440fx-full/monitor.sock',
    startedAt: 1764045000000,
    extra: { 'tap.0': 'vnet0', vncPort: '5900', 'hostdev.0000:06:02.1': 'vfio-pci' },
    domain,
  };
  const xml = formatDomainStatusXml(st);
  assert.match(xml, /^<domstatus state='running' reason='booted' pid='4242'>\n  <monitor path='\/run\/tsvirt\/qemu\/domain-3-i440fx-full\/monitor.sock' type='unix'\/>\n  <started time='1764045000000'\/>\n  <extra name='tap.0' value='vnet0'\/>/);
  assert.match(xml, /\n  <domain type='qemu' id='3'>\n    <name>i440fx-full<\/name>/);
  assert.match(xml, /<source path='\/dev\/pts\/7'\/>/);
  const back = parseDomainStatusXml(xml);
  assert.deepEqual(back, st);
  assert.equal(formatDomainStatusXml(back), xml);
});

test('bad status XML is rejected', () => {
  assert.throws(() => parseDomainStatusXml("<domstatus state='running' pid='1'/>"), (e) => e instanceof XmlError && /missing <monitor>/.test(e.message));
  assert.throws(() => parseDomainStatusXml("<domstatus state='dancing' pid='1'><monitor path='/x'/><domain type='qemu'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain></domstatus>"), /invalid value 'dancing'/);
  assert.throws(() => parseDomainStatusXml("<domstatus state='running' pid='1'><monitor path='/x'/><bogus/><domain type='qemu'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain></domstatus>"), /unsupported element <bogus> in <domstatus>/);
});
