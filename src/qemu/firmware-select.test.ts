import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { buildQemuArgv } from './argv.js';
import { BASE_CTX, goldenCaps, goldenDomain } from '../../test/golden/golden.js';
import { type FirmwareDescriptor, loadFirmwareDescriptors, needsFirmwareSelection, nvramFileOf, selectFirmware } from './firmware-select.js';

const dom = (machine: string, os = '', features = '') => parseAndPrepareDomain(`<domain type='qemu'><name>fw</name>
<uuid>c0ffee00-0000-4000-8000-000000000696</uuid><memory>65536</memory><os firmware='efi'><type arch='x86_64' machine='${machine}'>hvm</type>${os}</os>
<features><acpi/>${features}</features><devices/></domain>`, { canonicalMachines: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } });

const desc = (file: string, machines: string[], features: string[], code: string): FirmwareDescriptor => ({
  file, 'interface-types': ['uefi'], targets: [{ architecture: 'x86_64', machines }], features,
  mapping: { device: 'flash', executable: { filename: code }, 'nvram-template': { filename: `${code}.vars` } },
});
// the three descriptors Debian's ovmf installs, in their file name order
const DEBIAN = [
  desc('40-secure-enrolled', ['pc-q35-*'], ['enrolled-keys', 'requires-smm', 'secure-boot'], '/ovmf/ms'),
  desc('50-secure', ['pc-q35-*'], ['requires-smm', 'secure-boot'], '/ovmf/secboot'),
  desc('60-plain', ['pc-i440fx-*', 'pc-q35-*'], [], '/ovmf/plain'),
];

test('the first descriptor that fits wins; secure boot brings SMM', () => {
  const q35 = dom('q35');
  selectFirmware(q35, DEBIAN, '/nv');
  assert.deepEqual(q35.os.loader, { path: '/ovmf/ms', readonly: true, type: 'pflash', secure: true });
  assert.deepEqual(q35.os.nvram, { path: '/nv/fw_VARS.fd', template: '/ovmf/ms.vars' });
  assert.equal(q35.features.smm?.state, 'on');
  const pc = dom('pc');
  selectFirmware(pc, DEBIAN, '/nv');
  assert.equal(pc.os.loader?.path, '/ovmf/plain');
  assert.equal(pc.os.loader?.secure, false);
});

test('<firmware> features and SMM off narrow the choice', () => {
  const noEnroll = dom('q35', "<firmware><feature enabled='no' name='enrolled-keys'/></firmware>");
  selectFirmware(noEnroll, DEBIAN, '/nv');
  assert.equal(noEnroll.os.loader?.path, '/ovmf/secboot');
  const noSmm = dom('q35', '', "<smm state='off'/>");
  selectFirmware(noSmm, DEBIAN, '/nv');
  assert.equal(noSmm.os.loader?.path, '/ovmf/plain');
  const impossible = dom('pc', "<firmware><feature enabled='yes' name='secure-boot'/></firmware>");
  assert.throws(() => selectFirmware(impossible, DEBIAN, '/nv'), (e: unknown) => isTsvirtError(e) && /Unable to find any firmware to satisfy 'efi'/.test(e.message));
});

test('the descriptors installed here are read in libvirt\'s order', { skip: !existsSync('/usr/share/qemu/firmware') && 'no firmware descriptors installed' }, async () => {
  const list = await loadFirmwareDescriptors();
  assert.ok(list.length > 0);
  assert.deepEqual(list.map((d) => d.file), [...list.map((d) => d.file)].sort((a, b) => a.split('/').pop()!.localeCompare(b.split('/').pop()!)));
  const q35 = dom('q35');
  selectFirmware(q35, list, '/nv');
  assert.ok(existsSync(q35.os.loader!.path!), q35.os.loader!.path);
});

test('a named pflash loader takes the nvram template of its descriptor; others are left alone', () => {
  const own = parseAndPrepareDomain(`<domain type='qemu'><name>fw</name><uuid>c0ffee00-0000-4000-8000-000000000696</uuid><memory>65536</memory>
<os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/ovmf/plain</loader></os><features><acpi/></features><devices/></domain>`);
  assert.equal(needsFirmwareSelection(own), true);
  selectFirmware(own, DEBIAN, '/nv');
  assert.equal(own.os.nvram?.template, '/ovmf/plain.vars');
  assert.equal(own.os.loader?.path, '/ovmf/plain');
  assert.equal(needsFirmwareSelection(own), false, 'nothing left to fill');
  const unknown = parseAndPrepareDomain(`<domain type='qemu'><name>fw</name><uuid>c0ffee00-0000-4000-8000-000000000696</uuid><memory>65536</memory>
<os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/elsewhere/code.fd</loader></os><features><acpi/></features><devices/></domain>`);
  selectFirmware(unknown, DEBIAN, '/nv');
  assert.equal(unknown.os.nvram?.template, undefined);
});

test('the nvram file of a definition: its <nvram>, or the one firmware=efi makes at start', () => {
  assert.equal(nvramFileOf(dom('q35'), '/nv'), '/nv/fw_VARS.fd');
  assert.equal(nvramFileOf(dom('q35', '<nvram>/mine/vars.fd</nvram>'), '/nv'), '/mine/vars.fd');
  assert.equal(nvramFileOf(dom('q35', "<nvram type='file'><source file='/mine/new.fd'/></nvram>"), '/nv'), '/mine/new.fd');
  assert.equal(nvramFileOf(dom('q35', "<loader stateless='yes'/>"), '/nv'), undefined);
  const bios = parseAndPrepareDomain(`<domain type='qemu'><name>fw</name><uuid>c0ffee00-0000-4000-8000-000000000696</uuid><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>`);
  assert.equal(nvramFileOf(bios, '/nv'), undefined);
  // a new-style <nvram> source stays the file QEMU gets: selection adds no second path
  const newStyle = dom('q35', "<nvram type='file'><source file='/mine/new.fd'/></nvram>");
  selectFirmware(newStyle, DEBIAN, '/nv');
  assert.equal(newStyle.os.nvram?.path, undefined);
  assert.equal(newStyle.os.nvram?.template, '/ovmf/ms.vars');
});

test('a secure loader needs q35 and SMM, as libvirt validates it', () => {
  const refused = (edit: (d: ReturnType<typeof goldenDomain>) => void, msg: RegExp) => {
    const dom = goldenDomain('os-uefi-secboot');
    edit(dom);
    assert.throws(() => buildQemuArgv(dom, goldenCaps, BASE_CTX), (e: unknown) => isTsvirtError(e) && e.code === 'config-unsupported' && msg.test(e.message));
  };
  refused((d) => (d.features.smm = { state: 'off' }), /^Secure boot requires SMM feature enabled$/);
  refused((d) => (d.os.machine = 'pc-i440fx-7.2'), /^Secure boot is supported with q35 machine types only$/);
  const plain = goldenDomain('os-uefi-secboot');
  plain.os.loader!.secure = false;
  assert.ok(!buildQemuArgv(plain, goldenCaps, BASE_CTX).includes('driver=cfi.pflash01,property=secure,value=on'));
});
