import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDomainXml, parseDomainXml } from './domain-xml.js';
import { applyDomainDefaults } from './domain-defaults.js';
import { XmlError } from '../util/errors.js';

const FIXTURES = new URL('../../test/fixtures/domain/', import.meta.url).pathname;
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));
const load = (f: string) => readFileSync(join(FIXTURES, f), 'utf8');

test('at least 25 fixtures exist', () => assert.ok(fixtures.length >= 25));

test('every fixture round-trips: parse -> format -> parse is equal, format is stable', () => {
  for (const f of fixtures) {
    const d1 = parseDomainXml(load(f));
    const x1 = formatDomainXml(d1);
    const d2 = parseDomainXml(x1);
    assert.deepEqual(d2, d1, f);
    assert.equal(formatDomainXml(d2), x1, f);
    // with defaults too (live and inactive)
    const full = applyDomainDefaults(d1, { defaultMachine: 'pc-i440fx-7.2' });
    for (const opts of [{}, { inactive: true }]) {
      const x = formatDomainXml(full, opts);
      assert.equal(formatDomainXml(parseDomainXml(x), opts), x, `${f} ${JSON.stringify(opts)}`);
    }
  }
});

test('libvirt 9.0 live dumpxml output (minus seclabel/resource/cpu/audio) is reproduced byte for byte', () => {
  const xml = load('live-libvirt-running.xml');
  const d = parseDomainXml(xml);
  assert.equal(d.id, 1);
  assert.equal(d.devices.serials[0].source?.path, '/dev/pts/2');
  assert.equal(d.devices.channels[0].target?.state, 'disconnected');
  assert.equal(formatDomainXml(d), xml);
});

test('metadata using a prefix declared on <domain> keeps its namespace', () => {
  const d = parseDomainXml(`<domain type='qemu' xmlns:ts="urn:ts"><name>a</name><memory>1</memory><os><type>hvm</type></os><metadata><ts:x a="1"><ts:y/></ts:x></metadata></domain>`);
  assert.equal(d.metadata, '<ts:x a="1" xmlns:ts="urn:ts"><ts:y/></ts:x>');
  assert.equal(parseDomainXml(formatDomainXml(d)).metadata, d.metadata);
});

test('a libvirt-written document is reproduced byte for byte', () => {
  const xml = load('virt-manager-q35.xml');
  const out = formatDomainXml(parseDomainXml(xml));
  const strip = (s: string) => s.replace(/<metadata>[\s\S]*<\/metadata>\n/, '');
  assert.equal(strip(out), strip(xml));
});

test('fields are parsed into the model', () => {
  const d = parseDomainXml(load('kernel-boot.xml'));
  assert.equal(d.uuid, 'c7a5fdbd-edaf-9455-926a-d65c16db1809');
  assert.equal(d.memory, 262144);
  assert.equal(d.os.kernel, '/var/lib/tsvirt/boot/vmlinuz');
  assert.equal(d.os.cmdline, 'console=ttyS0 panic=-1 quiet');
  assert.equal(d.onReboot, 'destroy');
  assert.deepEqual(d.features, { acpi: true });
  assert.equal(d.currentMemory, undefined, 'parse adds no defaults');
  const v = parseDomainXml(load('vnc-websocket.xml')).devices.graphics[0];
  assert.deepEqual(v, { type: 'vnc', listens: [{ type: 'address', address: '0.0.0.0' }], port: 5901, autoport: false, websocket: 5701, listen: '0.0.0.0', passwd: "s3cr't&", keymap: 'en-us' });
  const h = parseDomainXml(load('hostdev.xml')).devices.hostdevs[0];
  assert.deepEqual(h.source.address, { type: 'pci', domain: 0, bus: 6, slot: 2, function: 1 });
  assert.equal(h.managed, true);
  assert.equal(h.driver, 'vfio');
  assert.deepEqual(h.boot, { order: 1 });
  const m = parseDomainXml(load('memory-units.xml'));
  assert.equal(m.memory, 976563);
  assert.equal(m.currentMemory, 488282);
  const mm = parseDomainXml(load('minimal.xml').replace('<memory>', "<maxMemory slots='16' unit='GiB'>8</maxMemory>\n  <memory>"));
  assert.deepEqual(mm.maxMemory, { size: 8 * 1024 * 1024, slots: 16 });
  assert.match(formatDomainXml(mm), /  <maxMemory slots='16' unit='KiB'>8388608<\/maxMemory>\n  <memory unit='KiB'>65536<\/memory>/);
});

test('metadata is kept verbatim with its namespaces and written back', () => {
  const d = parseDomainXml(load('metadata-title.xml'));
  assert.match(d.metadata!, /^<app1:foo xmlns:app1="http:\/\/app1.org\/app1\/">fooish<\/app1:foo>\n<app2:bar/);
  assert.equal(d.title, `A "quoted" & 'apostrophe' title`);
  const out = formatDomainXml(d);
  assert.match(out, /<title>A &quot;quoted&quot; &amp; &apos;apostrophe&apos; title<\/title>/);
  assert.match(out, /  <metadata>\n    <app1:foo xmlns:app1="http:\/\/app1.org\/app1\/">fooish<\/app1:foo>\n    <app2:bar xmlns:app2="http:\/\/app1.org\/app2\/">\n      <app2:item/);
});

test('live and inactive output', () => {
  const d = applyDomainDefaults(parseDomainXml(load('i440fx-full.xml')));
  d.id = 5;
  d.devices.serials[0].source = { path: '/dev/pts/4' };
  d.devices.serials[0].alias = 'serial0';
  d.devices.disks[0].alias = 'virtio-disk0';
  d.devices.interfaces[0].target = { dev: 'vnet3' };
  d.devices.graphics[0].port = 5902;
  const live = formatDomainXml(d, { live: true });
  assert.match(live, /^<domain type='qemu' id='5'>/);
  assert.match(live, /<serial type='pty'>\n      <source path='\/dev\/pts\/4'\/>/);
  assert.match(live, /<console type='pty' tty='\/dev\/pts\/4'>\n      <source path='\/dev\/pts\/4'\/>\n      <target type='serial' port='0'\/>\n      <alias name='serial0'\/>/);
  assert.match(live, /<alias name='virtio-disk0'\/>/);
  assert.match(live, /<target dev='vnet3'\/>/);
  assert.match(live, /<graphics type='vnc' port='5902' autoport='yes'/);
  const inactive = formatDomainXml(d, { inactive: true });
  for (const s of ["id='5'", '/dev/pts/4', 'alias', 'vnet3', "port='5902'"]) assert.ok(!inactive.includes(s), s);
  assert.match(inactive, /port='-1' autoport='yes'/);
  assert.ok(!formatDomainXml(d, { secure: false }).includes('passwd'));
});

const bad = (xml: string, re: RegExp, line?: number) =>
  assert.throws(() => parseDomainXml(xml), (e) => e instanceof XmlError && re.test(e.message) && (line === undefined || e.line === line), `${re}`);
const wrap = (inner: string, mem = '<memory>1024</memory>') => `<domain type='qemu'>\n<name>t</name>\n${mem}\n<os><type>hvm</type></os>\n${inner}\n</domain>`;

test('errors name the problem and the line', () => {
  bad("<domain type='qemu'>\n<name>t</name>\n<memory>1</memory>\n</domain", /malformed XML/);
  bad(wrap('<devices>\n<foo/>\n</devices>'), /unsupported element <foo> in <devices>/, 6);
  bad(wrap("<devices>\n<disk type='file' bar='1'><source file='/x'/><target dev='vda'/></disk>\n</devices>"), /unsupported attribute 'bar' on <disk>/, 6);
  bad(wrap("<devices><disk type='file'><source file='/x' protocol='nbd'/><target dev='vda'/></disk></devices>"), /unsupported attribute 'protocol' on <source>/);
  bad(wrap('<bogus/>'), /unsupported element <bogus> in <domain>/, 5);
  bad(wrap('', "<memory unit='KiB'>-5</memory>"), /invalid value '-5' for <memory>/, 3);
  bad(wrap('', "<memory unit='EiB'>99</memory>"), /too large/, 3);
  bad(wrap('', "<memory unit='furlong'>1</memory>"), /unknown unit 'furlong'/, 3);
  bad("<domain type='xen'><name>t</name></domain>", /invalid value 'xen' for attribute 'type'/);
  bad("<domain type='qemu'><memory>1</memory><os><type>hvm</type></os></domain>", /missing <name>/);
  bad(wrap('<uuid>nope</uuid>'), /invalid UUID 'nope'/);
  bad(wrap('<on_crash>explode</on_crash>'), /invalid value 'explode' in <on_crash>/);
  bad(wrap("<devices><graphics type='teletext'/></devices>"), /invalid value 'teletext'/);
  bad(wrap('<devices><disk><source file="/x"/></disk></devices>'), /missing <target> in <disk>/);
  bad(wrap("<devices><hostdev mode='subsystem' type='pci'/></devices>"), /Missing <source> element in hostdev device/);
  bad(wrap('<name>again</name>'), /element <name> may appear only once/);
  bad(wrap('<features><teleport/></features>'), /unexpected feature 'teleport'/);
  bad(wrap('<vcpu>two</vcpu>'), /invalid integer 'two'/);
  bad(wrap("<devices><interface type='user'><source network='x'/></interface></devices>"), /<source> is not supported/);
  bad(wrap('<devices>text</devices>'), /unexpected text 'text' in <devices>/);
});
