// Disk XML beyond local files: network protocols, nvme, vhostuser, dir, auth/encryption placement,
// iothreads; compared with what libvirt 9.0 wrote for the same input (test/fixtures/disk-network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatDomainXml, parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';

const FIX = new URL('../../test/fixtures/disk-network/', import.meta.url);
const caps = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines: { pc: 'pc-i440fx-7.2' } };
const prepare = (xml: string) => parseAndPrepareDomain(xml, caps);

const domain = (devices: string, top = '') => `<domain type='qemu'><name>d</name><uuid>c0ffee00-0000-4000-8000-0000000013c1</uuid>
<memory>262144</memory>${top}<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`;
const netDisk = (source: string, extra = '') => domain(`<disk type='network' device='disk'>${extra}${source}<target dev='vda' bus='virtio'/></disk>`);

function assertError(xml: string, code: string, re: RegExp): void {
  assert.throws(() => prepare(xml), (e: unknown) => {
    assert.ok(isTsvirtError(e), `not a TsvirtError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });
}

test('network, nvme, vhostuser and dir disks: dumpxml is what libvirt 9.0 writes', () => {
  const input = readFileSync(new URL('netdisks.xml', FIX), 'utf8');
  const expected = readFileSync(new URL('netdisks.libvirt.xml', FIX), 'utf8');
  const out = formatDomainXml(prepare(input), { inactive: true });
  assert.equal(out, expected);
  assert.equal(formatDomainXml(prepare(out), { inactive: true }), out, 'second round trip changes nothing');
});

test('default ports are filled per protocol, not for unix sockets, rbd or nfs', () => {
  const d = prepare(netDisk("<source protocol='nbd'><host name='h'/></source>")).devices.disks[0];
  assert.deepEqual(d.source?.hosts, [{ name: 'h', port: 10809 }]);
  const u = prepare(netDisk("<source protocol='nbd'><host transport='unix' socket='/s'/></source>")).devices.disks[0];
  assert.deepEqual(u.source?.hosts, [{ transport: 'unix', socket: '/s' }]);
  const r = prepare(netDisk("<source protocol='rbd' name='p/i'><host name='m'/></source>")).devices.disks[0];
  assert.deepEqual(r.source?.hosts, [{ name: 'm' }]);
});

test("libvirt's parse errors for network sources", () => {
  assertError(netDisk("<source protocol='iscsi'><host name='h'/></source>"), 'xml-error', /missing name for disk source/);
  assertError(netDisk("<source protocol='nbd'><host transport='unix'/></source>"), 'xml-error', /missing socket for unix transport/);
  assertError(netDisk("<source protocol='nbd'><host name='h' socket='/s'/></source>"), 'xml-error', /does not support socket attribute/);
  assertError(netDisk("<source protocol='gluster' name='noslash'><host name='h'/></source>"), 'xml-error', /can't split path 'noslash'/);
  assertError(netDisk("<source protocol='nbd'><host name='h' transport='udp'/></source>"), 'xml-error', /unknown protocol transport type 'udp'/);
  assertError(netDisk("<source protocol='bogus' name='x'/>"), 'xml-error', /invalid value 'bogus' for attribute 'protocol'/);
  const auth = "<auth username='u'><secret type='iscsi' usage='x'/></auth>";
  assertError(netDisk(`<source protocol='iscsi' name='t/1'><host name='h'/>${auth}</source>`, auth), 'xml-error', /an <auth> definition already found/);
  assertError(netDisk("<source protocol='nbd'><host name='h'/><bogus/></source>"), 'xml-error', /unsupported element <bogus> in <source>/);
});

test("libvirt's define-time checks of storage sources", () => {
  assertError(netDisk("<source protocol='tftp' name='/x'><host name='h'/></source>"), 'config-unsupported', /'tftp' protocol is not supported with this QEMU binary/);
  assertError(netDisk("<source protocol='nfs' name='/x'><host name='h' port='2049'/></source>"), 'config-unsupported', /port cannot be specified in 'nfs' protocol host/);
  assertError(netDisk("<source protocol='http' name='/x'><host name='h'/><ssl verify='no'/></source>"), 'xml-error', /unsupported attribute 'verify' on <ssl>/); // libvirt ignores it; tsvirt does not drop it silently
  assertError(domain("<disk type='dir' device='floppy'><driver type='fat'/><source dir='/d'/><target dev='fda'/></disk>"), 'config-unsupported', /virtual FAT storage can't be accessed in read-write mode/);
  assertError(domain("<disk type='file'><driver type='qcow2'/><source file='/a'/><target dev='vda'/><encryption format='luks2'><secret type='passphrase' usage='x'/></encryption></disk>"),
    'config-unsupported', /luks2 is currently not supported by the qemu encryption engine/);
  assertError(domain("<disk type='file'><source file='/a'/><target dev='vda'/><vendor>X</vendor></disk>"), 'config-unsupported', /Only scsi disk supports vendor and product/);
  assertError(domain("<disk type='file'><driver type='qcow2'/><source file='/a'/><target dev='vda'/><shareable/></disk>"), 'config-unsupported',
    /shared access for disk 'vda' requires use of supported storage format/);
  assertError(domain("<disk type='file' device='lun'><source file='/a'/><target dev='sda' bus='scsi'/></disk>"), 'config-unsupported', /device='lun' is only valid for block type/);
  assertError(netDisk("<source protocol='iscsi' name='t/1'><host name='h'/><auth username='u'><secret type='ceph' usage='x'/></auth></source>"),
    'config-unsupported', /invalid secret type 'ceph'/);
  assertError(netDisk("<source protocol='nbd'><host name='h'/><auth username='u'><secret usage='x'/></auth></source>"), 'config-unsupported', /authentication is not supported for protocol 'nbd'/);
  assertError(domain("<disk type='file'><driver io='native'/><source file='/a'/><target dev='vda'/></disk>"), 'config-unsupported', /io='native' needs either no disk cache or directsync/);
  assertError(domain("<disk type='file'><source file='/a'/><target dev='vdb1'/></disk>"), 'config-unsupported', /partitions can't appear in disk targets/);
});

test('iothreads: the count fills the lowest free ids; a disk must name an existing one on virtio', () => {
  const dom = prepare(domain("<disk type='file'><source file='/a'/><target dev='vda'/><driver iothread='3'/></disk>",
    "<iothreads>3</iothreads><iothreadids><iothread id='3'/></iothreadids>"));
  assert.deepEqual(dom.iothreadids?.map((t) => t.id), [3, 1, 2]);
  const out = formatDomainXml(dom, { inactive: true });
  assert.match(out, /<iothreads>3<\/iothreads>\n {2}<iothreadids>\n {4}<iothread id='3'\/>\n {4}<iothread id='1'\/>/);
  assert.doesNotMatch(formatDomainXml(prepare(domain('', '<iothreads>2</iothreads>')), { inactive: true }), /iothreadids/);
  assertError(domain("<disk type='file'><source file='/a'/><target dev='vda'/><driver iothread='2'/></disk>", '<iothreads>1</iothreads>'),
    'config-unsupported', /Disk iothread '2' not defined in iothreadid/);
  assertError(domain("<disk type='file'><source file='/a'/><target dev='sda' bus='sata'/><driver iothread='1'/></disk>", '<iothreads>1</iothreads>'),
    'config-unsupported', /IOThreads not available for bus sata target sda/);
  assertError(domain('', "<iothreadids><iothread id='1'/><iothread id='1'/></iothreadids>"), 'xml-error', /duplicate iothread id '1' found/);
  assertError(domain('', "<iothreadids><iothread id='1' thread_pool_min='2'/></iothreadids>"), 'config-unsupported', /thread_pool_min must be smaller or equal to thread_pool_max/);
});

test('disks are kept in libvirt order: by bus, then target name', () => {
  const dom = parseDomainXml(domain(["<disk><source file='/b'/><target dev='hdb' bus='ide'/></disk>", "<disk><source file='/v'/><target dev='vda' bus='virtio'/></disk>",
    "<disk><source file='/a'/><target dev='hda' bus='ide'/></disk>"].join('')));
  assert.deepEqual(dom.devices.disks.map((d) => d.target.dev), ['hda', 'hdb', 'vda']);
});

test('an explicit backing chain: written as libvirt does (indexes are live-only, metadata cache in bytes)', () => {
  const input = readFileSync(new URL('chain.xml', FIX), 'utf8');
  const out = formatDomainXml(prepare(input), { inactive: true });
  assert.equal(out, readFileSync(new URL('chain.libvirt.xml', FIX), 'utf8'));
  assert.equal(formatDomainXml(prepare(out), { inactive: true }), out);
});
