// Tuning, NUMA, memory devices, sysinfo and seclabel: libvirt 9.0's output and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatDomainXml, parseAndPrepareDomain } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { canonicalBitmap, parseBitmap } from './bitmap.js';

const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/domain/${f}`, import.meta.url), 'utf8');
const caps = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } };
const prepare = (xml: string) => parseAndPrepareDomain(xml, caps);
const rejects = (xml: string, code: string, re: RegExp) =>
  assert.throws(() => prepare(xml), (e) => isTsvirtError(e) && e.code === code && re.test(e.message), String(re));
const dom = (inner: string, devices = '', vcpu = '<vcpu>2</vcpu>') =>
  `<domain type='qemu'><name>t</name><uuid>c0ffee00-0000-4000-8000-000000000600</uuid><memory unit='MiB'>256</memory>${vcpu}${inner.includes('<os>') ? '' : "<os><type arch='x86_64' machine='pc'>hvm</type></os>"}${inner}<devices>${devices}</devices></domain>`;

test('bitmaps are parsed and written back in libvirt canonical form', () => {
  assert.equal(canonicalBitmap('1-4,^3,6'), '1-2,4,6');
  assert.equal(canonicalBitmap('0,1'), '0-1');
  assert.deepEqual(parseBitmap('3, 1'), [1, 3]);
  assert.throws(() => parseBitmap('1-'), /Failed to parse bitmap/);
  assert.throws(() => parseBitmap('^1-3'), /Failed to parse bitmap/);
});

test('blkiotune, memtune, vcpus, cputune, numatune, resource and NUMA cells come back as libvirt 9.0 writes them', () => {
  const got = formatDomainXml(prepare(fixture('tune-all.xml')), { inactive: true });
  assert.equal(got, fixture('tune-all.libvirt.xml'));
});

test('libvirt errors for NUMA, numatune and tuning', () => {
  rejects(dom("<numatune><memnode cellid='0' nodeset='0'/></numatune>"), 'xml-error', /memnode' is invalid without any guest NUMA cells/);
  rejects(dom("<cpu><numa><cell id='0' cpus='0-1' memory='128' unit='MiB'/></numa></cpu><numatune><memnode cellid='1' nodeset='0'/></numatune>"), 'xml-error', /must correspond to existing guest's NUMA cell/);
  rejects(dom("<numatune><memory placement='static'/></numatune>"), 'xml-error', /nodeset for NUMA memory tuning must be set/);
  rejects(dom("<cpu><numa><cell id='0' cpus='0-2' memory='128' unit='MiB'/></numa></cpu>"), 'internal-error', /Number of CPUs in <numa> exceeds the <vcpu> count|CPU IDs in <numa> exceed/);
  rejects(dom("<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/><cell id='0' cpus='1' memory='128' unit='MiB'/></numa></cpu>"), 'xml-error', /Duplicate NUMA cell info for cell id '0'/);
  rejects(dom("<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'><distances><sibling id='0' value='20'/></distances></cell></numa></cpu>"), 'xml-error', /'value 20' is invalid for 'sibling id 0'/);
  rejects(dom('<memtune><min_guarantee>1024</min_guarantee></memtune>'), 'config-unsupported', /min_guarantee' not supported by QEMU/);
  rejects(dom("<cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='0' cpuset='2'/></cputune>"), 'xml-error', /duplicate vcpupin for vcpu '0'/);
  rejects(dom("<cputune><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/><vcpusched vcpus='1' scheduler='batch'/></cputune>"), 'xml-error', /'vcpusched' attributes 'vcpus' must not overlap/);
  rejects(dom("<cpu mode='custom'><cache level='2' mode='emulate'/></cpu>"), 'config-unsupported', /CPU cache mode 'emulate' can only be used with level='3'/);
  rejects(dom("<cpu mode='custom'><model>qemu64</model><cache mode='passthrough'/></cpu>"), 'config-unsupported', /can only be used with 'host-passthrough' \/ 'maximum' CPUs/);
  rejects(dom("<cpu mode='host-model' migratable='on'/>"), 'xml-error', /migratable is only allowed for 'host-passthrough' \/ 'maximum'/);
});

test('default CPU: check and migratable as libvirt 9.0 fills them', () => {
  assert.match(formatDomainXml(prepare(dom("<cpu mode='host-passthrough'/>"))), /<cpu mode='host-passthrough' check='none' migratable='on'\/>/);
  assert.match(formatDomainXml(prepare(dom("<cpu mode='maximum'/>"))), /<cpu mode='maximum' check='none'\/>/);
  assert.match(formatDomainXml(prepare(dom("<cpu mode='host-model'/>"))), /<cpu mode='host-model' check='partial'\/>/);
  assert.match(formatDomainXml(prepare(dom("<cpu><model>Nehalem</model></cpu>"))), /<cpu mode='custom' match='exact' check='none'>\n {4}<model fallback='allow'>Nehalem<\/model>/);
  assert.match(formatDomainXml(prepare(dom('').replace("type='qemu'", "type='kvm'").replace('<devices>', "<cpu><model>Nehalem</model></cpu><devices>"))), /check='partial'/);
});

test('memory hotplug: maxMemory needs NUMA cells, devices need maxMemory, slots and sizes are checked', () => {
  const numa = "<cpu><numa><cell id='0' cpus='0-1' memory='256' unit='MiB'/></numa></cpu>";
  const dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>";
  rejects(dom('').replace('<memory unit', "<maxMemory slots='2' unit='GiB'>1</maxMemory><memory unit"), 'config-unsupported', /At least one numa node has to be configured/);
  rejects(dom(numa, dimm), 'config-unsupported', /cannot use\/hotplug a memory device when domain 'maxMemory' is not defined/);
  rejects(dom(numa, dimm.replace('<node>0</node>', '')).replace('<memory unit', "<maxMemory slots='2' unit='GiB'>1</maxMemory><memory unit"), 'config-unsupported', /target NUMA node needs to be specified/);
  rejects(dom(numa, dimm + dimm.replace('<target>', '<target>') + dimm).replace('<memory unit', "<maxMemory slots='2' unit='GiB'>1</maxMemory><memory unit"), 'internal-error', /failed to find an empty memory slot/);
  const d = prepare(dom(numa, dimm + dimm).replace('<memory unit', "<maxMemory slots='4' unit='GiB'>1</maxMemory><memory unit"));
  assert.equal(d.memory, (256 + 128 + 128) * 1024, '<memory> is the NUMA total plus the devices');
  assert.deepEqual(d.devices.memories!.map((m) => m.dimm?.slot), [0, 1]);
});

test('seclabel: the default model is none without a security driver; static labels keep their label', () => {
  const x = formatDomainXml(prepare(dom('').replace('</devices>', "</devices><seclabel type='dynamic'/>")));
  assert.match(x, /<seclabel type='none' model='none'\/>/);
  const y = formatDomainXml(prepare(dom('').replace('</devices>', "</devices><seclabel type='static' model='dac'><label>107:107</label><imagelabel>x</imagelabel></seclabel>")));
  assert.match(y, /<seclabel type='static' model='dac' relabel='no'>\n {4}<label>107:107<\/label>\n {2}<\/seclabel>/);
  rejects(dom('').replace('</devices>', "</devices><seclabel type='dynamic' relabel='no' model='selinux'/>"), 'xml-error', /dynamic label type must use resource relabeling/);
  rejects(dom('').replace('</devices>', "</devices><seclabel type='static' model='dac'/>"), 'xml-error', /security label is missing/);
});

test('sysinfo: fw_cfg names and SMBIOS uuid are checked as libvirt does', () => {
  rejects(dom("<sysinfo type='fwcfg'><entry name='foo'>x</entry></sysinfo>"), 'config-unsupported', /Invalid firmware name/);
  rejects(dom("<sysinfo type='fwcfg'><entry name='opt/ovmf/x'>x</entry></sysinfo>"), 'config-unsupported', /That firmware name is reserved/);
  rejects(dom("<sysinfo type='smbios'><system><entry name='uuid'>c0ffee00-0000-4000-8000-000000000999</entry></system></sysinfo>"), 'xml-error', /UUID mismatch between <uuid> and <sysinfo>/);
  rejects(dom("<sysinfo type='smbios'><bios><entry name='date'>13/01/2020</entry></bios></sysinfo>"), 'xml-error', /Invalid BIOS 'date' format/);
});

test('device-level seclabels (for disk/chardev/hostdev parsers): parse, checks and inactive format', async () => {
  const { parseXmlDocument } = await import('../util/xml-reader.js');
  const { renderXml } = await import('../util/xml-writer.js');
  const { parseDeviceSeclabels, formatDeviceSeclabel } = await import('./domain-seclabel-xml.js');
  const src = parseXmlDocument("<source file='/x'><seclabel model='dac' relabel='yes'><label>1:1</label></seclabel><seclabel model='selinux'/><seclabel model='apparmor' relabel='no'/></source>");
  src.attr('file');
  const list = parseDeviceSeclabels(src);
  src.done();
  assert.deepEqual(list, [{ model: 'dac', relabel: true, label: '1:1' }, { model: 'selinux', relabel: true }, { model: 'apparmor', relabel: false }]);
  assert.equal(renderXml(formatDeviceSeclabel(list[0])!), "<seclabel model='dac' relabel='yes'>\n  <label>1:1</label>\n</seclabel>\n");
  assert.equal(formatDeviceSeclabel(list[1]), undefined, 'relabel without a label is left out of inactive XML');
  assert.equal(renderXml(formatDeviceSeclabel(list[2])!), "<seclabel model='apparmor' relabel='no'/>\n");
  const bad = parseXmlDocument("<source><seclabel model='dac' relabel='no'><label>1:1</label></seclabel></source>");
  assert.throws(() => parseDeviceSeclabels(bad), /Cannot specify a label if relabelling is turned off. model=dac/);
  const dup = parseXmlDocument("<source><seclabel model='dac'/><seclabel model='dac'/></source>");
  assert.throws(() => parseDeviceSeclabels(dup), /seclabel for model dac is already provided/);
});
