import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDomainXml, parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';

const dom = (devices: string) => `<domain type='qemu'><name>t</name><uuid>c0ffee00-0000-4000-8000-000000000699</uuid>
<memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`;
const prepare = (devices: string) => parseAndPrepareDomain(dom(devices), { defaultMachine: 'pc-i440fx-7.2' });
const fails = (devices: string, msg: RegExp) =>
  assert.throws(() => prepare(devices), (e: unknown) => isTsvirtError(e) && msg.test(e.message));

test('every source type parses and formats back in libvirt\'s layout', () => {
  const x = [
    "<serial type='tcp'><source mode='bind' host='0.0.0.0' service='2445' tls='no'/><protocol type='raw'/><target port='0'/></serial>",
    "<serial type='dev'><source path='/dev/ttyS0'/><target port='1'/></serial>",
    "<serial type='pipe'><source path='/tmp/p'/><target port='2'/></serial>",
    "<serial type='vc'><target port='3'/></serial>",
    "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>",
    "<channel type='dbus'><source channel='org.qemu.x'/><target type='virtio' name='org.qemu.x'/></channel>",
  ].join('');
  const out = formatDomainXml(parseDomainXml(dom(x)));
  assert.match(out, /<source mode='bind' host='0.0.0.0' service='2445' tls='no'\/>\n\s+<protocol type='raw'\/>/);
  assert.match(out, /<serial type='dev'>\n\s+<source path='\/dev\/ttyS0'\/>/);
  assert.match(out, /<serial type='vc'>\n\s+<target port='3'\/>/);
  assert.match(out, /<channel type='dbus'>\n\s+<source channel='org.qemu.x'\/>/);
});

test('tcp without a protocol gets raw and mode connect, as libvirt writes it', () => {
  const out = formatDomainXml(prepare("<serial type='tcp'><source host='h' service='1'/></serial>"), { inactive: true });
  assert.match(out, /<source mode='connect' host='h' service='1'\/>\n\s+<protocol type='raw'\/>/);
});

test('a unix source seclabel override is kept', () => {
  const out = formatDomainXml(prepare("<serial type='unix'><source mode='bind' path='/tmp/s'><seclabel model='dac' relabel='no'/></source></serial>"), { inactive: true });
  assert.match(out, /<source mode='bind' path='\/tmp\/s'>\n\s+<seclabel model='dac' relabel='no'\/>\n\s+<\/source>/);
});

test('libvirt\'s errors for bad sources and targets', () => {
  fails("<serial type='tcp'><source service='1'/></serial>", /Missing source host attribute/);
  fails("<serial type='file'/>", /Missing source path attribute/);
  fails("<serial type='unix'><source mode='connect' path='/x'><reconnect enabled='yes' timeout='0'/></source></serial>", /timeout cannot be '0'/);
  fails("<serial type='tcp'><source mode='bind' host='h' service='1'><reconnect enabled='yes' timeout='3'/></source></serial>", /only for connect mode/);
  fails("<serial type='pty'><target type='isa-serial'><model name='pci-serial'/></target></serial>", /requires target type 'pci-serial'/);
  fails("<serial type='pty'><target type='system-serial'/></serial>", /not compatible with guest architecture/);
  fails("<channel type='spiceport'><source channel='x'/><target type='virtio'/></channel>", /without spice graphics/);
  fails("<serial type='bogus'/>", /unknown type presented to host for character device: bogus/);
  fails("<channel type='pty'/>", /target type must be specified for channel device/);
  fails("<channel type='pty'><target type='guestfwd' address='::1' port='1'/></channel>", /only supports IPv4/);
  fails("<console type='pty'/><console type='pty'><target type='serial'/></console>", /Only the first console can be a serial port/);
});

test('ports: isa serials fill free ports, consoles are numbered by position, a stub console mirrors serial0', () => {
  const d = prepare("<serial type='pty'><target port='1'/></serial><serial type='pty'/><console type='pty'><target type='virtio' port='7'/></console>");
  assert.deepEqual(d.devices.serials.map((s) => s.target?.port), [1, 2]);
  assert.deepEqual(d.devices.consoles.map((c) => [c.target?.type, c.target?.port]), [['serial', 1], ['virtio', 0]]);
  // a pci-serial first: no console is added
  assert.equal(prepare("<serial type='pty'><target type='pci-serial'/></serial>").devices.consoles.length, 0);
});

test('parallel ports are a list of their own', () => {
  const d = prepare("<parallel type='pty'/><parallel type='file'><source path='/tmp/lp'/></parallel>");
  assert.deepEqual(d.devices.parallels?.map((p) => p.target?.port), [0, 1]);
  assert.match(formatDomainXml(d, { inactive: true }), /<parallel type='file'>\n\s+<source path='\/tmp\/lp'\/>\n\s+<target port='1'\/>/);
});

test('a virtio channel may leave out its socket path; a generated one is dropped', () => {
  const d = prepare("<channel type='unix'><source mode='bind' path='/var/lib/x/domain-1-t/org.qemu.guest_agent.0'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
  assert.equal(d.devices.channels[0].source?.path, undefined);
  assert.equal(d.devices.channels[0].source?.mode, 'bind');
});
