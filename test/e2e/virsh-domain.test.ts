// Stock virsh 9.0 (and libvirt-python) on domains through libvirt's protocol: definitions
// and errors without QEMU, then one TCG guest for the live commands, devices and statistics.
// tsvirtd runs in a network namespace with a bridge of its own, so the guest's NIC has a
// real tap whose counters domifstat must report. virsh's output is compared with tsvirt's
// own CLI where the CLI has the command, and the statistics with what QEMU's process and
// the tap show in /proc and /sys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, truncateSync } from 'node:fs';
import * as path from 'node:path';
import { run, runOk, type RunResult } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { comparers, ok } from './virsh-compare.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, GUEST_MARKER, GUEST_POWERBUTTON, type TestGuest } from './guest.js';

const NS = `tsvt-vdom-${process.pid}`;
const BRIDGE = 'tsvdbr0';
let d: TestDaemon | undefined;
let guest: TestGuest;

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'link', 'add', BRIDGE, 'type', 'bridge']);
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', BRIDGE, 'up']);
  d = await startTestDaemon({ netns: NS });
  // the harness waits for tsvirtd's own socket; libvirt's is bound right after it
  const sock = path.join(d.root, 'run/tsvirt/libvirt-sock');
  for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
});

after(async () => {
  await d?.stop();
  await removeNetns(NS);
});

const { vok, cok, same } = comparers(() => d!);
/** both fail with the same `error:` lines. virsh also prints an empty line on stdout after a
 * failed command (its vshError flush); that is not an error line, so only stderr is compared. */
async function sameError(args: string[], want: RegExp): Promise<string> {
  const v = await d!.virsh(args);
  const c = await d!.cli(args);
  assert.equal(v.code, 1, `virsh ${args.join(' ')} should fail: ${v.stdout}`);
  assert.equal(c.code, 1, `tsvirt ${args.join(' ')} should fail: ${c.stdout}`);
  const lines = (s: string) => s.split('\n').filter((l) => l.startsWith('error: '));
  assert.deepEqual(lines(v.stderr), lines(c.stderr), `virsh and tsvirt errors differ on ${args.join(' ')}`);
  assert.match(v.stderr, want);
  return v.stderr;
}
const file = (name: string, text: string) => {
  const f = path.join(d!.root, name);
  writeFileSync(f, text);
  return f;
};
/** a sparse raw image of `bytes` in the daemon's root */
const sparse = (name: string, bytes: number) => {
  const f = file(name, '');
  truncateSync(f, bytes);
  return f;
};
const field = (out: string, label: string) => new RegExp(`^${label}:?\\s+(.*)$`, 'm').exec(out)?.[1]?.trim();
const counters = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => l.trim().split(/\s+/)).map((w) => [w[w.length - 2], Number(w[w.length - 1])]));

test('definitions, lookups, edit, undefine flags and errors, without QEMU', async () => {
  const img = sparse('def1.img', 1 << 20);
  const xml = minimalDomainXml({
    name: 'def1', ...guest,
    extraDevices: `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${img}'/><target dev='vda' bus='virtio'/></disk>\n`
      + `<interface type='bridge'><mac address='52:54:00:00:d0:01'/><source bridge='${BRIDGE}'/><model type='virtio'/></interface>`,
  });
  assert.match(await vok(['define', file('def1.xml', xml)]), /Domain 'def1' defined from/);
  assert.match(await same(['list', '--all']), /-\s+def1\s+shut off/);
  await same(['dominfo', 'def1']);
  assert.equal((await same(['domstate', '--reason', 'def1'])).trim(), 'shut off (unknown)');
  assert.equal((await same(['domid', 'def1'])).trim(), '-');
  const uuid = (await same(['domuuid', 'def1'])).trim();
  assert.equal((await same(['domname', uuid])).trim(), 'def1');
  assert.match(await same(['dumpxml', '--inactive', 'def1']), /<source bridge='tsvdbr0'\/>/);
  assert.match(await same(['domblklist', '--details', 'def1']), new RegExp(`file\\s+disk\\s+vda\\s+${img}`));
  assert.match(await same(['domiflist', 'def1']), /bridge\s+tsvdbr0\s+virtio\s+52:54:00:00:d0:01/);
  // sizes of a shut-off domain's image come from the file (1 MiB raw, sparse)
  const blk = await vok(['domblkinfo', 'def1', 'vda']);
  assert.equal(field(blk, 'Capacity'), String(1 << 20));
  assert.equal(field(blk, 'Allocation'), '0');
  assert.equal((await vok(['vcpucount', 'def1', '--maximum', '--config'])).trim(), '1');
  assert.match(await vok(['vcpuinfo', 'def1']), /CPU Affinity:\s+y+/);
  assert.match(await vok(['domjobinfo', 'def1']), /Job type:\s+None/);

  await vok(['autostart', 'def1']);
  assert.match(await same(['dominfo', 'def1']), /Autostart:\s+enable/);
  await vok(['autostart', '--disable', 'def1']);
  assert.match(await same(['dominfo', 'def1']), /Autostart:\s+disable/);

  // virsh edit: dumpxml --inactive, the editor, define; EDITOR is a script that edits the file
  const editor = file('editor.sh', "#!/bin/sh\nsed -i 's/<vcpu placement=.static.>1</<vcpu placement=\"static\">2</' \"$1\"\n");
  chmodSync(editor, 0o755);
  assert.match(await vok(['edit', 'def1'], { EDITOR: editor, VISUAL: editor }), /Domain 'def1' XML configuration edited/);
  assert.match(await same(['dominfo', 'def1']), /CPU\(s\):\s+2/);
  assert.match(await vok(['edit', 'def1'], { EDITOR: 'true', VISUAL: 'true' }), /not changed/);

  // virsh desc: GET/SET_METADATA on <description> and <title>
  assert.equal((await vok(['desc', 'def1'])).trim(), 'No description for domain: def1');
  assert.match(await vok(['desc', 'def1', '--config', '--new-desc', 'a test domain']), /description updated/);
  assert.match(await vok(['desc', 'def1', '--title', '--new-desc', 'Def One']), /title updated/);
  assert.equal((await vok(['desc', 'def1'])).trim(), 'a test domain');
  assert.match(await vok(['list', '--all', '--title']), /def1\s+shut off\s+Def One/);
  assert.match(await same(['dumpxml', 'def1']), /<title>Def One<\/title>\n\s*<description>a test domain<\/description>/);

  // errors read as tsvirt's CLI prints them
  await sameError(['dominfo', 'nosuch'], /^error: failed to get domain 'nosuch'$/m);
  await sameError(['start', 'nosuch'], /failed to get domain 'nosuch'/);
  await sameError(['define', file('bad.xml', '<domain><name>x</name>')], /error: XML error: /);
  await sameError(['define', file('bad2.xml', xml.replace('<features>', '<features><nosuch/>'))], /nosuch/);
  assert.doesNotMatch(await vok(['list', '--all', '--name']), /^x$/m, 'a bad define changed nothing');

  // undefine --storage / --remove-all-storage: virsh finds the volumes and deletes them itself
  const pool = path.join(d!.root, 'pool');
  mkdirSync(pool);
  await vok(['pool-create-as', 'p1', 'dir', '--target', pool]);
  await vok(['vol-create-as', 'p1', 'a.img', '1M']);
  await vok(['vol-create-as', 'p1', 'b.img', '1M']);
  const twoDisks = (name: string) => minimalDomainXml({
    name, ...guest,
    extraDevices: `<disk type='file' device='disk'><source file='${pool}/a.img'/><target dev='vda' bus='virtio'/></disk>\n`
      + `<disk type='file' device='disk'><source file='${pool}/b.img'/><target dev='vdb' bus='virtio'/></disk>`,
  });
  await vok(['define', file('st1.xml', twoDisks('st1'))]);
  const u1 = await vok(['undefine', 'st1', '--storage', 'vdb', '--nvram']);
  assert.match(u1, /Domain 'st1' has been undefined/);
  assert.match(u1, /Volume 'vdb'\(.*b\.img\) removed/);
  const vols = async () => (await vok(['vol-list', 'p1'])).split('\n').slice(2).map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
  assert.deepEqual(await vols(), ['a.img']);
  await vok(['define', file('st2.xml', twoDisks('st2').replace(/\n.*b\.img.*\n/, '\n'))]);
  assert.match(await vok(['undefine', 'st2', '--remove-all-storage', '--keep-nvram']), /Volume 'vda'\(.*a\.img\) removed/);
  assert.deepEqual(await vols(), []);
  await sameError(['undefine', 'st2'], /failed to get domain 'st2'/);
});

test('one running guest: lifecycle, devices, statistics', async () => {
  const log = path.join(d!.root, 'live1.console');
  const disk = sparse('live1.img', 4 << 20);
  const xml = minimalDomainXml({
    name: 'live1', ...guest, consoleLog: log, cmdline: guestCmdline('tsvirt.cdwatch=1'),
    extraDevices: `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>\n`
      + `<controller type='scsi' index='0' model='virtio-scsi'/>\n`
      + `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='scsi'/><readonly/></disk>\n`
      + `<interface type='bridge'><mac address='52:54:00:00:d0:02'/><source bridge='${BRIDGE}'/><model type='virtio'/></interface>`,
  });
  await vok(['define', file('live1.xml', xml)]);
  assert.match(await vok(['start', 'live1']), /Domain 'live1' started/);
  // virsh checks the domain's id itself and never calls create: its one line is its own
  // text, and tsvirt's CLI prints the same
  await sameError(['start', 'live1'], /^error: Domain is already active$/m);
  await waitForText(log, GUEST_MARKER, 30_000);
  assert.equal((await same(['domstate', '--reason', 'live1'])).trim(), 'running (booted)');
  const id = (await same(['domid', 'live1'])).trim();
  assert.match(id, /^\d+$/);
  await assert.rejects(ok(d!.virsh(['create', file('dup.xml', xml)]), 'create of a running domain'), /already/);
  assert.equal((await vok(['domid', 'live1'])).trim(), id, 'the failed start and create changed nothing');
  assert.equal((await same(['domname', id])).trim(), 'live1');
  assert.match(await same(['list']), /live1\s+running/);
  assert.equal(await vok(['dumpxml', 'live1']), await cok(['dumpxml', 'live1']));
  const pid = Number(/pid='(\d+)'/.exec(readFileSync(path.join(d!.root, 'run/tsvirt/qemu/live1.xml'), 'utf8'))![1]);

  // NIC counters: the tap's, seen from the guest. The host pings an address on the bridge:
  // its ARP requests go out through the tap, so the guest's rx grows; each virsh number
  // must lie between the sysfs readings before and after it.
  const tap = /^\s*(\S+)\s+bridge\s+tsvdbr0/m.exec(await same(['domiflist', 'live1']))![1];
  assert.match(tap, /^vnet\d+$/);
  const sys = async (n: string) => Number((await runOk('ip', ['netns', 'exec', NS, 'cat', `/sys/class/net/${tap}/statistics/${n}`])).trim());
  await runOk('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', '10.77.0.1/24', 'dev', BRIDGE]);
  await run('ip', ['netns', 'exec', NS, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '10.77.0.2']);
  const lo = { rx: await sys('tx_packets'), rxB: await sys('tx_bytes'), tx: await sys('rx_packets') };
  const ifs = counters(await vok(['domifstat', 'live1', tap]));
  const hi = { rx: await sys('tx_packets'), rxB: await sys('tx_bytes'), tx: await sys('rx_packets') };
  const within = (v: number, a: number, b: number, what: string) => assert.ok(v >= a && v <= b, `${what} ${v} not in [${a}, ${b}]`);
  assert.ok(lo.rx >= 1, `the host sent nothing through ${tap}`);
  within(ifs.rx_packets, lo.rx, hi.rx, 'rx_packets');
  within(ifs.rx_bytes, lo.rxB, hi.rxB, 'rx_bytes');
  within(ifs.tx_packets, lo.tx, hi.tx, 'tx_packets');
  within(counters(await vok(['domifstat', 'live1', '52:54:00:00:d0:02'])).rx_packets, lo.rx, await sys('tx_packets'), 'rx_packets by MAC');
  // no DHCP on a plain bridge: virsh prints its header and no rows, as tsvirt's CLI does
  const ifaddr = await vok(['domifaddr', 'live1']);
  assert.equal(ifaddr.trim().split('\n').length, 2);
  assert.equal(ifaddr, await cok(['domifaddr', 'live1']));

  // block counters from QEMU: the kernel's partition scan read vda; the empty CD-ROM has none
  const vda = counters(await vok(['domblkstat', 'live1', 'vda']));
  assert.ok(vda.rd_req >= 1 && vda.rd_bytes >= 512, `vda read nothing? ${JSON.stringify(vda)}`);
  assert.equal(counters(await vok(['domblkstat', 'live1', disk])).rd_bytes, vda.rd_bytes, 'by source path, the same disk');
  assert.equal(counters(await vok(['domblkstat', 'live1', 'sda'])).rd_bytes, 0);
  const iso = path.join(d!.root, 'cd1.iso');
  writeFileSync(iso, 'TSVIRTCDROMDISC1'.padEnd(4096, '.'));
  assert.match(await vok(['change-media', 'live1', 'sda', iso, '--insert', '--live']), /Successfully inserted media/);
  await waitForText(log, 'TSVIRT-CDROM TSVIRTCDROMDISC1', 15_000);
  assert.ok(counters(await vok(['domblkstat', 'live1', 'sda'])).rd_bytes >= 2048, 'the guest read the inserted medium');
  assert.match(await same(['domblklist', 'live1']), new RegExp(`sda\\s+${iso}`));
  assert.equal(field(await vok(['domblkinfo', 'live1', 'sda']), 'Capacity'), '4096');
  assert.match(await vok(['change-media', 'live1', 'sda', '--eject', '--live']), /Successfully ejected media/);
  assert.match(await same(['domblklist', '--details', 'live1']), /file\s+cdrom\s+sda\s+-/);
  await assert.rejects(ok(d!.virsh(['domblkstat', 'live1', 'vdz']), 'domblkstat vdz'), /invalid argument: invalid path: vdz/);

  // memory: the balloon has all of it; RSS is QEMU's own
  const mem = counters(await vok(['dommemstat', 'live1']));
  assert.equal(mem.actual, 96 * 1024);
  const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  assert.ok(Math.abs(mem.rss - rss) < rss * 0.2, `rss ${mem.rss} vs /proc ${rss}`);

  // vCPU thread time from /proc, no more than the whole process has used
  const vi = await vok(['vcpuinfo', 'live1']);
  assert.equal(field(vi, 'State'), 'running');
  const vcpuSec = Number(/^CPU time:\s+([\d.]+)s/m.exec(vi)![1]);
  const procSec = Number(/^CPU time:\s+([\d.]+)s/m.exec(await vok(['dominfo', 'live1']))![1]);
  assert.ok(vcpuSec > 0 && vcpuSec <= procSec + 0.1, `vcpu ${vcpuSec}s, process ${procSec}s`);
  assert.match(await vok(['vcpucount', 'live1']), /current\s+live\s+1/);
  assert.equal((await vok(['domcontrol', 'live1'])).trim(), 'ok');
  assert.match(await vok(['domjobinfo', 'live1']), /Job type:\s+None/);

  // the calls Nova makes, through libvirt-python
  const py = await runOk('/usr/bin/python3', ['-c', `
import libvirt, json
c = libvirt.open(${JSON.stringify(d!.libvirtUri)})
dom = c.lookupByName('live1')
print(json.dumps({
  'block': dom.blockStats('vda'), 'blockFlags': dom.blockStatsFlags('vda'), 'iface': dom.interfaceStats('${tap}'),
  'mem': dom.memoryStats(), 'vcpus': dom.vcpus()[0], 'vcpusFlags': dom.vcpusFlags(), 'info': dom.blockInfo('vda'),
  'job': dom.jobInfo()[0], 'ctl': dom.controlInfo()[0], 'labels': [list(l) for l in dom.securityLabelList()],
  'model': c.getSecurityModel(), 'managed': dom.hasManagedSaveImage(),
}))`]);
  const j = JSON.parse(py);
  assert.equal(j.block[1], vda.rd_bytes);
  assert.equal(j.block[4], -1, 'QEMU keeps no error count');
  assert.equal(j.blockFlags.rd_bytes, vda.rd_bytes);
  assert.ok(j.iface[0] >= ifs.rx_bytes && j.iface[1] >= ifs.rx_packets, 'rx counters only grow');
  assert.equal(j.mem.actual, 96 * 1024);
  assert.equal(j.vcpus[0][1], 1, 'VIR_VCPU_RUNNING');
  assert.equal(j.vcpusFlags, 1);
  assert.deepEqual(j.info, [4 << 20, 0, 4 << 20]);
  assert.deepEqual([j.job, j.ctl, j.managed], [0, 0, 0]);
  assert.deepEqual(j.labels, [['', false]], 'no security driver: one empty label');
  assert.deepEqual(j.model, ['', '']);

  // devices: attach-disk live, attach-device live+config, detach, update
  const extra = sparse('extra.img', 2 << 20);
  assert.match(await vok(['attach-disk', 'live1', extra, 'vdb', '--live']), /Disk attached successfully/);
  assert.match(await same(['domblklist', 'live1']), /vdb\s+.*extra\.img/);
  assert.doesNotMatch(await same(['domblklist', '--inactive', 'live1']), /vdb/, '--live only');
  assert.equal(counters(await vok(['domblkstat', 'live1', 'vdb'])).wr_bytes, 0);
  const nic = file('nic.xml', "<interface type='bridge'><mac address='52:54:00:00:d0:03'/><source bridge='tsvdbr0'/><model type='virtio'/></interface>\n");
  assert.match(await vok(['attach-device', 'live1', nic, '--live', '--config']), /Device attached successfully/);
  assert.match(await same(['domiflist', 'live1']), /52:54:00:00:d0:03/);
  assert.match(await same(['domiflist', '--inactive', 'live1']), /52:54:00:00:d0:03/);
  assert.match(await vok(['detach-device', 'live1', nic, '--persistent']), /Device detached successfully/);
  assert.doesNotMatch(await same(['domiflist', '--inactive', 'live1']), /52:54:00:00:d0:03/);
  // without flags virsh calls the old virDomainAttachDevice / DetachDevice: the running domain only
  await vok(['attach-device', 'live1', nic]);
  assert.match(await same(['domiflist', 'live1']), /52:54:00:00:d0:03/);
  assert.doesNotMatch(await same(['domiflist', '--inactive', 'live1']), /52:54:00:00:d0:03/);
  await vok(['detach-device', 'live1', nic]);
  assert.doesNotMatch(await same(['domiflist', 'live1']), /52:54:00:00:d0:03/);
  const cd = file('cd.xml', `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${iso}'/><target dev='sda' bus='scsi'/><readonly/></disk>\n`);
  assert.match(await vok(['update-device', 'live1', cd, '--config']), /Device updated successfully/);
  assert.match(await same(['domblklist', '--inactive', 'live1']), new RegExp(`sda\\s+${iso}`));
  assert.match(await same(['domblklist', 'live1']), /sda\s+-/, '--config left the running CD-ROM empty');
  assert.match(await vok(['detach-disk', 'live1', 'vdb', '--current']), /Disk detached successfully/);
  assert.doesNotMatch(await same(['domblklist', 'live1']), /vdb/);

  // keys, pause, reset, reboot
  await vok(['send-key', 'live1', 'KEY_LEFTSHIFT']);
  await vok(['send-key', 'live1', '--codeset', 'qnum', '0x2a']);
  await assert.rejects(ok(d!.virsh(['send-key', 'live1', '--codeset', 'usb', '4']), 'send-key usb'), /usb keycode set/);
  assert.match(await vok(['suspend', 'live1']), /Domain 'live1' suspended/);
  assert.equal((await same(['domstate', '--reason', 'live1'])).trim(), 'paused (user)');
  assert.match(await vok(['resume', 'live1']), /Domain 'live1' resumed/);
  assert.equal((await same(['domstate', '--reason', 'live1'])).trim(), 'running (unpaused)');
  writeFileSync(log, '');
  assert.match(await vok(['reset', 'live1']), /Domain 'live1' was reset/);
  await waitForText(log, GUEST_MARKER, 30_000);
  writeFileSync(log, '');
  assert.match(await vok(['reboot', 'live1']), /Domain 'live1' is being rebooted/);
  await waitForText(log, GUEST_POWERBUTTON, 30_000);
  await waitForText(log, GUEST_MARKER, 30_000);
  assert.equal((await same(['domstate', 'live1'])).trim(), 'running', 'a reboot keeps the domain running');
  assert.match(await vok(['shutdown', 'live1']), /Domain 'live1' is being shutdown/);
  for (let i = 0; i < 300 && !/shut off/.test(await vok(['domstate', 'live1'])); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await same(['domstate', '--reason', 'live1'])).trim(), 'shut off (shutdown)');
  await assert.rejects(ok(d!.virsh(['dommemstat', 'live1']), 'dommemstat'), /domain is not running/);

  // a transient domain from XML, then destroy: it is gone
  assert.match(await vok(['create', file('tr1.xml', minimalDomainXml({ name: 'tr1', ...guest }))]), /Domain 'tr1' created from/);
  assert.match(await vok(['dominfo', 'tr1']), /Persistent:\s+no/);
  assert.match(await vok(['destroy', 'tr1']), /Domain 'tr1' destroyed/);
  await sameError(['dominfo', 'tr1'], /failed to get domain 'tr1'/);
  await sameError(['destroy', 'live1'], /domain is not running|not running/);
});
