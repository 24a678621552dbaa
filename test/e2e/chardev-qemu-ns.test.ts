// End to end: a guest with the qemu: namespace (an extra argument and environment variable),
// <clock offset='timezone'>, and character devices of several backends started by tsvirtd and
// real QEMU under TCG: QEMU gets the extra argument and TZ, the file serial and the unix channel
// socket exist, the live XML shows every chardev with its alias. Then <os firmware='efi'> is started:
// the loader comes from QEMU's firmware descriptors and the variable store is created in the
// instance's nvram folder. QEMU starts paused (-S) both times: no guest boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../../src/daemon/tsvirtd.js';
import { rootPaths } from '../../src/daemon/paths.js';
import { formatDomainXml } from '../../src/conf/domain-xml.js';
import { ensureTestGuest, minimalDomainXml } from './guest.js';

test('qemu:commandline, qemu:env, timezone clock and chardev backends reach QEMU', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-chr-'));
  const d = await startDaemon(rootPaths(dir), { kvmProbe: false, log: { info: () => {}, warn: () => {} } });
  t.after(async () => {
    await d.service.destroy('chrns').catch(() => undefined);
    await d.service.destroy('efins').catch(() => undefined);
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const g = await ensureTestGuest();
  const fileSerial = join(dir, 'serial1.out');
  const sock = join(dir, 'agent.sock');
  const devices = `<serial type='file'><source path='${fileSerial}'/></serial>
<serial type='udp'><source mode='connect' host='127.0.0.1' service='45999'/></serial>
<parallel type='null'/>
<console type='pty'><target type='virtio'/></console>
<channel type='unix'><source mode='bind' path='${sock}'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`;
  const xml = minimalDomainXml({ name: 'chrns', kernel: g.kernel, initrd: g.initrd, extraDevices: devices })
    .replace("<domain type='qemu'>", "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
    .replace("<clock offset='utc'/>", "<clock offset='timezone' timezone='Asia/Tokyo'/>")
    .replace('</domain>', `  <qemu:commandline>
    <qemu:arg value='-fw_cfg'/>
    <qemu:arg value='name=opt/tsvirt/e2e,string=chr-ok'/>
    <qemu:env name='TSVIRT_E2E' value='qemu env works'/>
  </qemu:commandline>
</domain>`);
  await d.service.define(xml);
  await d.service.start('chrns', true);
  const vm = d.service.registry.lookup('chrns').vm!;
  const cmdline = readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0');
  assert.equal(cmdline.at(-2), '-fw_cfg', 'the qemu:arg values come last');
  assert.equal(cmdline.at(-1), 'name=opt/tsvirt/e2e,string=chr-ok');
  const env = readFileSync(`/proc/${vm.pid}/environ`, 'utf8').split('\0');
  assert.ok(env.includes('TSVIRT_E2E=qemu env works'), env.join(' '));
  assert.ok(env.includes('TZ=Asia/Tokyo'), 'the timezone clock sets TZ for QEMU');
  assert.ok(existsSync(fileSerial), 'QEMU opened the file serial');
  assert.ok(statSync(sock).isSocket(), 'the unix channel listens');
  const live = formatDomainXml(vm.live);
  assert.match(live, /<parallel type='null'>\n\s+<target port='0'\/>\n\s+<alias name='parallel0'\/>/);
  assert.match(live, /<console type='pty' tty='\/dev\/pts\/\d+'>[\s\S]*?<alias name='serial0'\/>/);
  assert.match(live, /<target type='virtio' port='1'\/>\n\s+<alias name='console1'\/>/);
  assert.match(live, /<serial type='udp'>\n\s+<source mode='connect' host='127.0.0.1' service='45999'\/>/);
});

test('<os firmware=efi> gets its loader from the firmware descriptors at start', {
  timeout: 60_000, skip: !existsSync('/usr/share/qemu/firmware/60-edk2-x86_64.json') && 'ovmf firmware descriptors are not installed',
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-efi-'));
  const d = await startDaemon(rootPaths(dir), { kvmProbe: false, log: { info: () => {}, warn: () => {} } });
  t.after(async () => {
    await d.service.destroy('efins').catch(() => undefined);
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const g = await ensureTestGuest();
  const xml = minimalDomainXml({ name: 'efins', kernel: g.kernel, initrd: g.initrd }).replace('<os>', "<os firmware='efi'>");
  await d.service.define(xml);
  await d.service.start('efins', true);
  const vm = d.service.registry.lookup('efins').vm!;
  const live = formatDomainXml(vm.live);
  // pc (i440fx) has no SMM-only secure-boot build: the plain OVMF descriptor is the first match
  assert.match(live, /<loader readonly='yes' secure='no' type='pflash'>\/usr\/share\/OVMF\/OVMF_CODE_4M.fd<\/loader>/);
  const nvram = /<nvram template='([^']+)'>([^<]+)<\/nvram>/.exec(live);
  assert.ok(nvram, live);
  assert.equal(nvram[1], '/usr/share/OVMF/OVMF_VARS_4M.fd');
  assert.ok(nvram[2].startsWith(dir), `the variable store ${nvram[2]} is inside the instance root`);
  assert.equal(statSync(nvram[2]).size, statSync(nvram[1]).size, 'the variable store was copied from its template');
  assert.ok(readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8').includes('OVMF_CODE_4M.fd'));
  // the definition itself still asks for auto-selection
  const inactive = formatDomainXml(d.service.registry.lookup('efins').config, { inactive: true });
  assert.match(inactive, /<os firmware='efi'>/);
  assert.doesNotMatch(inactive, /<loader/);
});
