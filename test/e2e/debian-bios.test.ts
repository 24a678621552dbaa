// End to end on the real Debian BIOS image, ONE guest shared by every check: SeaBIOS boots it
// from a qcow2 volume of a dir pool (an overlay made by vol-create-as --backing-vol), it logs
// in on the serial console read through tsvirt's console, gets a DHCP lease on a NAT network
// (all inside a netns), sees the TPM of the swtpm tsvirt runs, the virtio RNG and the balloon
// (setmem --live, dommemstat with the guest's statistics). Then destroy ends swtpm, undefine
// keeps or removes the TPM state, and a swtpm whose state cannot be made fails the start
// leaving no swtpm, no QEMU and no tap behind.
// Run it alone: /work/brief/vm-slot node --import tsx --test test/e2e/debian-bios.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { mustSucceed } from './virsh-compare.js';
import { addNetns, removeNetns } from './netns.js';
import { DEBIAN_BOOT_MS, GuestShell, debianDomainXml, ensureDebianImages, until } from './debian-guest.js';

const NS = `tsvt-deb-${process.pid}`;
const NAME = 'debbios';
const NET = 'debnet';
const POOL = 'debpool';
const VOL = 'debbios.qcow2';
const MAC = '52:54:00:7b:00:11';
let d: TestDaemon | undefined;
let sh: GuestShell | undefined;
let uuid = '';
let xmlFile = '';

const inNs = (args: string[]) => run('ip', ['netns', 'exec', NS, ...args]);

const { virsh } = mustSucceed(() => d!);

const guest = (cmd: string) => sh!.must(cmd);


/** processes whose command line names this test's root (QEMU, swtpm), by program */
function processesOfRoot(): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.includes(d!.root))) out.push(path.basename(cmd[0]!));
    } catch { /* gone */ }
  }
  return out.filter((c) => c.startsWith('qemu-system') || c === 'swtpm');
}

const qemuPid = () => {
  const m = /pid='(\d+)'/.exec(readFileSync(path.join(d!.root, 'run/tsvirt/qemu', `${NAME}.xml`), 'utf8'));
  return Number(m![1]);
};
const swtpmStateDir = () => path.join(d!.root, 'var/lib/tsvirt/swtpm', uuid);

function domainXml(): string {
  return debianDomainXml({
    name: NAME, firmware: 'bios', disk: { pool: POOL, volume: VOL }, network: NET, mac: MAC, agent: false,
    extraDevices: `<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='virtio'><stats period='2'/></memballoon>`,
  })
    // a boot menu, and the disk's own boot order instead of <os><boot dev>
    .replace("<boot dev='hd'/>", "<bootmenu enable='yes' timeout='1000'/>")
    .replace("<target dev='vda' bus='virtio'/>", "<target dev='vda' bus='virtio'/>\n      <boot order='1'/>");
}

before(async () => {
  const images = await ensureDebianImages();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
  const netFile = path.join(d.root, 'net.xml');
  writeFileSync(netFile, `<network><name>${NET}</name><forward mode='nat'/>
    <ip address='10.78.5.1' netmask='255.255.255.0'><dhcp><range start='10.78.5.100' end='10.78.5.150'/></dhcp></ip></network>`);
  await virsh(['net-define', netFile]);
  await virsh(['net-start', NET]);
  const poolDir = path.join(d.root, 'pool');
  mkdirSync(poolDir);
  await virsh(['pool-define-as', POOL, 'dir', '--target', poolDir]);
  await virsh(['pool-start', POOL]);
  // virsh finds a backing volume only in a pool: the image cache is one (read, never written)
  await virsh(['pool-create-as', 'debimages', 'dir', '--target', path.dirname(images.bios)]);
  await virsh(['vol-create-as', POOL, VOL, '4G', '--format', 'qcow2', '--backing-vol', images.bios, '--backing-vol-format', 'qcow2']);
  xmlFile = path.join(d.root, `${NAME}.xml`);
  writeFileSync(xmlFile, domainXml());
  await virsh(['define', xmlFile]);
  uuid = (await virsh(['domuuid', NAME])).trim();
  // defined again later with the same UUID: the TPM state belongs to it
  writeFileSync(xmlFile, domainXml().replace('</name>', `</name>\n  <uuid>${uuid}</uuid>`));
  await virsh(['start', NAME]);
  sh = GuestShell.open(d, NAME);
});

after(async () => {
  sh?.close();
  await d?.stop();
  await removeNetns(NS);
});

test('the pool volume is a qcow2 overlay on the cached image', async () => {
  const xml = await virsh(['vol-dumpxml', '--pool', POOL, VOL]);
  assert.match(xml, /<format type='qcow2'\/>/);
  assert.match(xml, new RegExp(`<backingStore>\\s*<path>${(await ensureDebianImages()).bios.replace(/[.]/g, '\\.')}</path>\\s*<format type='qcow2'/>`));
  assert.match(xml, /<capacity unit='bytes'>4294967296<\/capacity>/);
});

test('SeaBIOS boots the volume by itself; login on the serial console through tsvirt console', { timeout: DEBIAN_BOOT_MS + 120_000 }, async () => {
  await sh!.login();
  assert.equal(await guest('id -un'), 'root');
  assert.match(await guest('cat /proc/cmdline'), /root=/, 'booted by GRUB from the disk, not by a -kernel');
});

test('QEMU got the boot menu, the disk boot index, the TPM, the RNG and the balloon', () => {
  const argv = readFileSync(`/proc/${qemuPid()}/cmdline`, 'utf8').split('\0');
  const after = (opt: string) => argv.flatMap((a, i) => (a === opt ? [argv[i + 1]!] : []));
  assert.ok(after('-boot').includes('menu=on,splash-time=1000,strict=on'), after('-boot').join(' | '));
  assert.equal(argv.includes('-kernel'), false);
  const devices = after('-device');
  const disk = devices.find((x) => x.includes('virtio-blk-pci'));
  assert.match(disk ?? '', /"bootindex":1\b/);
  assert.ok(devices.some((x) => x.includes('tpm-crb')), devices.join('\n'));
  assert.ok(devices.some((x) => x.includes('virtio-rng-pci')));
  assert.ok(devices.some((x) => x.includes('virtio-balloon-pci')));
  assert.ok(after('-chardev').some((c) => c.includes(path.join(d!.root, 'run/tsvirt/swtpm'))), 'swtpm socket under the instance root');
});

test('DHCP lease: the address inside equals net-dhcp-leases and domifaddr', { timeout: 180_000 }, async () => {
  const inside = await until('an IPv4 address in the guest', 120_000, async () => {
    const m = /inet (10\.78\.5\.\d+)\//.exec(await guest('ip -4 -o addr show scope global'));
    return m?.[1];
  });
  const leases = await until('the lease in net-dhcp-leases', 30_000, async () => {
    const out = await virsh(['net-dhcp-leases', NET]);
    return out.includes(MAC) ? out : undefined;
  });
  assert.match(leases, new RegExp(`${MAC}\\s+ipv4\\s+${inside.replace(/\./g, '\\.')}/24`));
  const ifaddr = await virsh(['domifaddr', NAME]);
  assert.match(ifaddr, new RegExp(`${MAC}\\s+ipv4\\s+${inside.replace(/\./g, '\\.')}/24`), ifaddr);
});

test('TPM: the guest has tpm0 and it answers; swtpm runs with its state under the instance root', async () => {
  assert.match(await guest('ls /sys/class/tpm/'), /\btpm0\b/);
  const hex = await guest('tpm2_getrandom --hex 8');
  assert.match(hex, /^[0-9a-f]{16}$/m, hex);
  assert.ok(processesOfRoot().includes('swtpm'), 'swtpm runs while the guest runs');
  assert.ok(existsSync(path.join(swtpmStateDir(), 'tpm2')), 'state under <root>/var/lib/tsvirt/swtpm/<uuid>/tpm2');
  assert.equal(existsSync(`/var/lib/tsvirt/swtpm/${uuid}`), false, 'nothing under the host root');
});

test('virtio-rng is the guest\'s hardware RNG', async () => {
  assert.match(await guest('cat /sys/class/misc/hw_random/rng_current'), /virtio_rng/);
});

test('balloon: setmem --live shrinks the guest; dommemstat shows actual and the guest statistics', { timeout: 180_000 }, async () => {
  const memTotal = async () => Number(/MemTotal:\s+(\d+) kB/.exec(await guest('grep MemTotal /proc/meminfo'))![1]);
  const before = await memTotal();
  // <stats period='2'> was applied at start: the guest reports on its own
  const stats = await until('guest statistics in dommemstat', 60_000, async () => {
    const out = await virsh(['dommemstat', NAME]);
    return /^unused \d+$/m.test(out) && /^usable \d+$/m.test(out) ? out : undefined;
  });
  for (const k of ['actual', 'available', 'last_update', 'rss']) assert.match(stats, new RegExp(`^${k} \\d+$`, 'm'), stats);
  assert.equal(Number(/^available (\d+)$/m.exec(stats)![1]), before, 'available is the guest\'s MemTotal');

  await virsh(['setmem', NAME, '512M', '--live']);
  const actual = await until('actual 524288', 60_000, async () => (/^actual 524288$/m.test(await virsh(['dommemstat', NAME])) ? true : undefined));
  assert.ok(actual);
  const shrunk = await until('MemTotal to drop', 60_000, async () => {
    const now = await memTotal();
    return before - now >= 200 * 1024 ? now : undefined;
  });
  assert.ok(shrunk < before);
  assert.match(await virsh(['dumpxml', NAME]), /<currentMemory unit='KiB'>524288<\/currentMemory>/);
  assert.match(await virsh(['dumpxml', '--inactive', NAME]), /<currentMemory unit='KiB'>786432<\/currentMemory>/, '--live leaves the definition');

  // a new period, live; more than <memory> is refused
  await virsh(['dommemstat', NAME, '--period', '3', '--live']);
  assert.match(await virsh(['dumpxml', NAME]), /<stats period='3'\/>/);
  const big = await d!.virsh(['setmem', NAME, '2G', '--live']);
  assert.notEqual(big.code, 0);
  assert.match(big.stderr, /cannot set memory higher than max memory/);

  // tsvirt's own CLI: setmem takes KiB; dommemstat gives the same numbers under virsh's labels
  const set = await d!.cli(['setmem', NAME, '786432', '--live']);
  assert.equal(set.code, 0, set.stderr);
  const cli = await until('actual 786432 in tsvirt dommemstat', 60_000, async () => {
    const r = await d!.cli(['dommemstat', NAME]);
    return /^actual 786432$/m.test(r.stdout) ? r.stdout : undefined;
  });
  assert.match(cli, /^actual \d+\nswap_in \d+\n(.|\n)*^usable \d+\n(.|\n)*^rss \d+\n$/m);
});

test('destroy ends swtpm; undefine --keep-tpm keeps the state, plain undefine removes it', { timeout: 60_000 }, async () => {
  sh!.close();
  sh = undefined;
  await virsh(['destroy', NAME]);
  await until('swtpm and QEMU to end', 10_000, async () => (processesOfRoot().length === 0 ? true : undefined));
  assert.ok(existsSync(swtpmStateDir()), 'a stopped domain keeps its TPM state');

  const both = await d!.virsh(['undefine', NAME, '--tpm', '--keep-tpm']);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--tpm and --keep-tpm are mutually exclusive/);

  const cliBoth = await d!.cli(['undefine', NAME, '--tpm', '--keep-tpm']);
  assert.match(cliBoth.stderr, /Options --tpm and --keep-tpm are mutually exclusive/);
  await virsh(['undefine', NAME, '--keep-tpm']);
  assert.ok(existsSync(path.join(swtpmStateDir(), 'tpm2')), '--keep-tpm keeps it');
  await virsh(['define', xmlFile]);
  await virsh(['undefine', NAME]);
  assert.equal(existsSync(swtpmStateDir()), false, 'undefine removes the TPM state');
});

test('a swtpm that cannot make its state fails the start clearly, leaving no swtpm, QEMU or tap', { timeout: 60_000 }, async () => {
  await virsh(['define', xmlFile]);
  const linksBefore = (await inNs(['ip', '-o', 'link'])).stdout.split('\n').filter((l) => /vnet|tap/.test(l));
  // a file where the domain's state folder goes
  mkdirSync(path.dirname(swtpmStateDir()), { recursive: true });
  writeFileSync(swtpmStateDir(), 'not a folder');
  const r = await d!.virsh(['start', NAME]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`cannot prepare the TPM emulator state of domain '${NAME}'`));
  assert.match(await virsh(['domstate', NAME]), /shut off/);
  assert.deepEqual(processesOfRoot(), []);
  const linksAfter = (await inNs(['ip', '-o', 'link'])).stdout.split('\n').filter((l) => /vnet|tap/.test(l));
  assert.deepEqual(linksAfter, linksBefore, 'the tap made for the NIC is gone again');
  assert.equal(existsSync(path.join(d!.root, 'run/tsvirt/qemu', `${NAME}.xml`)), false, 'no status file');
});

test('with <os><boot dev=\'hd\'/> instead of the disk\'s boot order, SeaBIOS still boots the volume', { timeout: DEBIAN_BOOT_MS }, async () => {
  await fsp.rm(swtpmStateDir(), { force: true });
  const xml = path.join(d!.root, 'bootdev.xml');
  // debianDomainXml's own <boot dev='hd'/>, no boot menu, no TPM
  writeFileSync(xml, debianDomainXml({ name: NAME, firmware: 'bios', disk: { pool: POOL, volume: VOL }, network: NET, mac: MAC, agent: false })
    .replace('</name>', `</name>\n  <uuid>${uuid}</uuid>`));
  await virsh(['define', xml]);
  await virsh(['start', NAME]);
  const argv = readFileSync(`/proc/${qemuPid()}/cmdline`, 'utf8').split('\0');
  assert.equal(argv[argv.indexOf('-boot') + 1], 'strict=on');
  assert.match(argv.find((a) => a.includes('virtio-blk-pci')) ?? '', /"bootindex":1\b/, '<boot dev=hd> becomes the first disk\'s boot index');
  // not a second boot to login: (it would double this file's time) GRUB reading the kernel off
  // vda shows SeaBIOS booted the disk, and strict=on lets it boot nothing else
  const read = await until('the guest to read 12 MiB off vda', DEBIAN_BOOT_MS - 10_000, async () => {
    const m = /^vda rd_bytes (\d+)$/m.exec(await virsh(['domblkstat', NAME, 'vda']));
    return m && Number(m[1]) >= 12 * 1024 * 1024 ? Number(m[1]) : undefined;
  });
  assert.ok(read >= 12 * 1024 * 1024);
  await virsh(['destroy', NAME]);
});
