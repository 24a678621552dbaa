// Character device backends, <features>/<clock> flags, the qemu: namespace and domain extras on the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CharDevice, Domain } from '../conf/domain-types.js';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { chardevArg } from './argv-chardev.js';
import { cpuFeatureFlags } from './argv-features.js';
import { clockArgs } from './argv-clock.js';
import { applyQemuNamespace, qemuNamespaceEnv } from './argv-qemu-ns.js';
import { domainMiscArgs } from './argv-domain-misc.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';

const chr = (c: Partial<CharDevice>): CharDevice => ({ type: 'pty', ...c });
const unsupported = (msg: RegExp) => (e: unknown) => isTsvirtError(e) && e.code === 'config-unsupported' && msg.test(e.message);
const dom = (body: string, devices = '', root = "type='qemu'"): Domain => parseAndPrepareDomain(`<domain ${root}><name>t</name>
<uuid>c0ffee00-0000-4000-8000-000000000697</uuid><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os>
${body}<devices>${devices}</devices></domain>`, { defaultMachine: 'pc-i440fx-7.2' });

test('-chardev for each backend, as qemuBuildChardevStr writes it', () => {
  assert.equal(chardevArg(chr({ type: 'dev', source: { path: '/dev/ttyS0' } }), 'charserial0', 's'), 'serial,id=charserial0,path=/dev/ttyS0');
  assert.equal(chardevArg(chr({ type: 'dev', source: { path: '/dev/parport0' } }), 'charparallel0', 'p'), 'parallel,id=charparallel0,path=/dev/parport0');
  assert.equal(chardevArg(chr({ type: 'pipe', source: { path: '/tmp/a,b' } }), 'c', 'x'), 'pipe,id=c,path=/tmp/a,,b');
  assert.equal(chardevArg(chr({ type: 'udp', source: { connectService: '5' } }), 'c', 'x'), 'udp,id=c,host=,port=5,localaddr=,localport=0');
  assert.equal(chardevArg(chr({ type: 'tcp', source: { mode: 'bind', host: 'h', service: '7' } }), 'c', 'x'), 'socket,id=c,host=h,port=7,server=on,wait=off');
  assert.equal(chardevArg(chr({ type: 'unix', source: { mode: 'connect', path: '/s', reconnect: { enabled: false } } }), 'c', 'x'), 'socket,id=c,path=/s,reconnect=0');
  assert.equal(chardevArg(chr({ type: 'vc' }), 'c', 'x'), 'vc,id=c');
  assert.equal(chardevArg(chr({ type: 'null', log: { file: '/l' } }), 'c', 'x'), 'null,id=c,logfile=/l');
});

test('SPICE and D-Bus backends (QEMU modules) name their channel; TLS fails at start with a clear message', () => {
  assert.equal(chardevArg(chr({ type: 'spicevmc' }), 'c', 'channel 0'), 'spicevmc,id=c,name=vdagent');
  assert.equal(chardevArg(chr({ type: 'spicevmc' }), 'c', 'redirdev 0', { spicevmcName: 'usbredir' }), 'spicevmc,id=c,name=usbredir');
  assert.equal(chardevArg(chr({ type: 'spiceport', source: { channel: 'org.qemu.console.serial.0' } }), 'c', 'x'), 'spiceport,id=c,name=org.qemu.console.serial.0');
  assert.equal(chardevArg(chr({ type: 'dbus', source: { channel: 'x' } }), 'c', 'x'), 'dbus,id=c,name=x');
  assert.throws(() => chardevArg(chr({ type: 'tcp', source: { host: 'h', service: '1', tls: true } }), 'c', 'x'), unsupported(/TLS/));
});

test('-cpu flags from <features> and timers; vpindex needs KVM', () => {
  const d = dom("<features><hyperv mode='passthrough'><vpindex state='on'/></hyperv><kvm><hint-dedicated state='on'/></kvm></features><clock><timer name='kvmclock' present='yes'/></clock>");
  assert.deepEqual(cpuFeatureFlags(d, 'kvm'), [['kvmclock', 'on'], ['hv-passthrough', 'on'], ['hv-vpindex', 'on'], ['kvm-hint-dedicated', 'on']]);
  assert.throws(() => cpuFeatureFlags(d, 'tcg'), unsupported(/vpindex' needs KVM/));
});

test('-rtc: variable offsets are computed from now, absolute from start', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0) / 1000;
  assert.deepEqual(clockArgs(dom("<clock offset='variable' adjustment='3600' basis='utc'/>"), BASE_CTX, now)[0], ['-rtc', 'base=2026-01-01T13:00:00']);
  assert.deepEqual(clockArgs(dom("<clock offset='absolute' start='0'/>"), BASE_CTX, now)[0], ['-rtc', 'base=1970-01-01T00:00:00']);
  assert.deepEqual(clockArgs(dom("<clock><timer name='pit' tickpolicy='catchup'/></clock>"), { ...BASE_CTX, accel: 'kvm' }, now)[1], ['-global', 'kvm-pit.lost_tick_policy=slew']);
});

test('qemu namespace: overrides merge into the device, args go last, env is returned', () => {
  const ns = "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'";
  const d = dom(`<qemu:commandline><qemu:arg value='-x'/><qemu:env name='FOO' value='1'/></qemu:commandline>
    <qemu:override><qemu:device alias='serial0'><qemu:frontend><qemu:property name='index' type='remove'/><qemu:property name='p' type='signed' value='-3'/></qemu:frontend></qemu:device></qemu:override>`,
  "<serial type='pty'/>", `type='qemu' ${ns}`);
  const out = applyQemuNamespace(['-device', JSON.stringify({ driver: 'isa-serial', id: 'serial0', index: 0 }), '-pidfile', 'p'], d);
  assert.deepEqual(out, ['-device', '{"driver":"isa-serial","id":"serial0","p":-3}', '-pidfile', 'p', '-x']);
  assert.deepEqual(qemuNamespaceEnv(d), { FOO: '1' });
  const bad = dom("<qemu:override><qemu:device alias='nope'><qemu:frontend><qemu:property name='a' type='string' value='b'/></qemu:frontend></qemu:device></qemu:override>", '', `type='qemu' ${ns}`);
  assert.throws(() => applyQemuNamespace([], bad), unsupported(/no device with alias 'nope'/));
});

test('perf and keywrap are accepted at define but fail at start; genid becomes vmgenid', () => {
  assert.throws(() => domainMiscArgs(dom("<perf><event name='cmt' enabled='yes'/></perf>"), goldenCaps), unsupported(/perf event 'cmt'/));
  assert.throws(() => domainMiscArgs(dom("<keywrap><cipher name='dea' state='on'/></keywrap>"), goldenCaps), unsupported(/dea-key-wrap is not available/));
  const g = domainMiscArgs(dom('<genid>c0ffee00-0000-4000-8000-0000000000aa</genid>'), goldenCaps);
  assert.deepEqual(g, [['-device', '{"driver":"vmgenid","guid":"c0ffee00-0000-4000-8000-0000000000aa","id":"vmgenid0"}']]);
});
