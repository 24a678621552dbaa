// End to end on the real Debian UEFI image (GPT + ESP, unsigned GRUB at the removable path),
// ONE guest booted twice: <os firmware='efi'> with secure-boot on and enrolled-keys off selects
// Debian's 50-edk2-x86_64-secure.json (secboot code, SMM, empty variable store, so the
// unsigned GRUB still boots). The per-VM NVRAM is copied from the template at first start, under
// the instance's root; what the guest writes to it (an efibootmgr entry, a variable of its own)
// is still there after a shutdown and a second start. Then undefine is refused as libvirt
// refuses it, --keep-nvram keeps the file and --nvram removes it. Paused starts (no guest runs)
// check the other descriptors, and start failures that must leave nothing behind.
// Run it alone: /work/brief/vm-slot node --import tsx --test test/e2e/debian-uefi.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { mustSucceed } from './virsh-compare.js';
import { DEBIAN_BOOT_MS, GuestShell, debianDomainXml, ensureDebianImages, overlay, until } from './debian-guest.js';

const NAME = 'debuefi';
const OVMF = '/usr/share/OVMF';
const SECBOOT_CODE = `${OVMF}/OVMF_CODE_4M.secboot.fd`;
const VARS = `${OVMF}/OVMF_VARS_4M.fd`;
/** efivarfs name of a variable the guest makes (attributes NV+BS+RT, then the data) */
const OWN_VAR = 'TsvirtE2e-3f1e8a52-6d1b-4c39-9a7e-2f0c5b6a9d41';
const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
let d: TestDaemon | undefined;
let sh: GuestShell | undefined;
let disk = '';

const { virsh } = mustSucceed(() => d!);

/** virsh that must fail: its stderr */
async function virshFails(args: string[]): Promise<string> {
  const r = await d!.virsh(args);
  assert.notEqual(r.code, 0, `virsh ${args.join(' ')} should have failed: ${r.stdout}`);
  return r.stderr;
}

const guest = (cmd: string) => sh!.must(cmd);


/** `s` as a literal inside a RegExp */
const lit = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const nvramDir = () => path.join(d!.root, 'var/lib/tsvirt/qemu/nvram');
const nvramOf = (name: string) => path.join(nvramDir(), `${name}_VARS.fd`);

/** QEMU's argv of a running domain, from its pid in the status file */
function qemuArgv(name: string): string[] {
  const m = /pid='(\d+)'/.exec(readFileSync(path.join(d!.root, 'run/tsvirt/qemu', `${name}.xml`), 'utf8'));
  return readFileSync(`/proc/${m![1]}/cmdline`, 'utf8').split('\0');
}

/** QEMU processes of this test's root running domain `name` */
function qemusOf(name: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.includes(d!.root)) && cmd.includes(`guest=${name},debug-threads=on`)) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

/** the domain's run folders (sockets, pidfile) and status file */
function runLeftovers(name: string): string[] {
  const dir = path.join(d!.root, 'run/tsvirt/qemu');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f === `${name}.xml` || (f.startsWith('domain-') && f.endsWith(`-${name}`))) : [];
}

/** a domain without disks, for starts that stop paused or fail */
function smallXml(name: string, os: string, osAttrs = ''): string {
  return `<domain type='qemu'><name>${name}</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
  <os${osAttrs}>${os}</os><features><acpi/></features><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`;
}

async function defineFrom(name: string, xml: string): Promise<void> {
  const file = path.join(d!.root, `${name}.xml`);
  writeFileSync(file, xml);
  await virsh(['define', file]);
}

function uefiXml(): string {
  return debianDomainXml({ name: NAME, firmware: 'efi', disk: { file: disk }, agent: false,
    osExtra: "\n    <firmware><feature enabled='yes' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/></firmware>" })
    .replace('<os>', "<os firmware='efi'>")
    .replace('<features><acpi/><apic/></features>', "<features><acpi/><apic/><smm state='on'/></features>");
}

async function login(): Promise<void> {
  sh?.close();
  sh = GuestShell.open(d!, NAME);
  await sh.login();
}

before(async () => {
  const images = await ensureDebianImages();
  d = await startTestDaemon();
  disk = path.join(d.root, 'debian-uefi.qcow2');
  await overlay(images.uefi, disk);
  await defineFrom(NAME, uefiXml());
});

after(async () => {
  sh?.close();
  await d?.stop();
});

test('first start selects the secure-boot firmware and copies its NVRAM template under the root', async () => {
  assert.equal(existsSync(nvramOf(NAME)), false, 'no NVRAM before the first start');
  // the persistent definition keeps firmware='efi' (selection is per run)
  assert.match(await virsh(['dumpxml', '--inactive', NAME]), /<os firmware='efi'>/);
  await virsh(['start', '--paused', NAME]);
  const live = await virsh(['dumpxml', NAME]);
  assert.match(live, new RegExp(`<loader readonly='yes' secure='yes' type='pflash'>${lit(SECBOOT_CODE)}</loader>`));
  assert.match(live, new RegExp(`<nvram template='${lit(VARS)}'>${lit(nvramOf(NAME))}</nvram>`));
  assert.match(live, /<smm state='on'\/>/);
  // the vCPUs have not run: the copy is the template byte for byte
  assert.ok(readFileSync(nvramOf(NAME)).equals(readFileSync(VARS)), 'the NVRAM is a copy of the template');
  assert.equal(existsSync(`/var/lib/tsvirt/qemu/nvram/${NAME}_VARS.fd`), false, "nothing in the host's own /var/lib/tsvirt");
  const argv = qemuArgv(NAME);
  assert.ok(argv.some((a) => a.includes(`"filename":"${SECBOOT_CODE}"`)), 'the secboot code is pflash0');
  assert.ok(argv.some((a) => a.includes(`"filename":"${nvramOf(NAME)}"`)), 'the NVRAM is pflash1');
  assert.ok(argv.includes('driver=cfi.pflash01,property=secure,value=on'), argv.join(' '));
  assert.match(argv[argv.indexOf('-machine') + 1]!, /^pc-q35-[^,]+,.*smm=on.*pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format/);
  await virsh(['resume', NAME]);
});

test('the guest boots through OVMF to login:, in UEFI mode with secure boot not enforced', { timeout: DEBIAN_BOOT_MS + 60_000 }, async () => {
  await login();
  await guest('test -d /sys/firmware/efi');
  // SecureBoot = 0 and SetupMode = 1: no platform key enrolled (the last byte is the value)
  assert.match(await guest(`od -An -tu1 /sys/firmware/efi/efivars/SecureBoot-${EFI_GLOBAL}`), /\b0$/);
  assert.match(await guest(`od -An -tu1 /sys/firmware/efi/efivars/SetupMode-${EFI_GLOBAL}`), /\b1$/);
  assert.match(await guest('efibootmgr'), /^BootOrder: /m);
});

test('what the guest writes to its NVRAM survives a shutdown and a second start (no new copy)', { timeout: 2 * DEBIAN_BOOT_MS + 120_000 }, async () => {
  const made = await guest("efibootmgr -q -c -d /dev/vda -p 1 -L tsvirt-e2e -l '\\EFI\\debian\\grubx64.efi' && efibootmgr");
  const entry = /^Boot([0-9A-F]{4})\* tsvirt-e2e/m.exec(made)?.[1] ?? '';
  assert.ok(entry, `efibootmgr shows the new entry: ${made}`);
  // the new entry first, the others reversed. At boot OVMF moves the options of the device QEMU
  // boots from (bootindex: the booted one and ours, both on vda) to the front; the rest keep
  // the order the guest gave them, and fresh variables have the other order.
  const before = /^BootOrder: (.*)$/m.exec(made)![1]!.split(',');
  const booted = /^BootCurrent: (\S+)$/m.exec(made)![1]!;
  const order = [entry, ...before.filter((b) => b !== entry).reverse()];
  const notOnDisk = (o: string[]) => o.filter((b) => b !== entry && b !== booted);
  assert.notDeepEqual(notOnDisk(order), notOnDisk(before), 'the test changes the order of the other entries');
  const wanted = notOnDisk(order);
  await guest(`efibootmgr -q -o ${order.join(',')}`);
  await guest(`printf '\\007\\000\\000\\000tsvirt' > /sys/firmware/efi/efivars/${OWN_VAR} && sync`);
  sh!.close();
  sh = undefined;
  await virsh(['shutdown', NAME]);
  await until('the guest to power off', 180_000, async () => (/shut off/.test(await virsh(['domstate', NAME])) ? true : undefined));
  assert.equal(existsSync(nvramOf(NAME)), true, 'stopping keeps the NVRAM');
  // second start: the file is the guest's, not a new copy of the template
  await virsh(['start', '--paused', NAME]);
  const vars = readFileSync(nvramOf(NAME));
  assert.equal(vars.equals(readFileSync(VARS)), false);
  assert.ok(vars.includes(Buffer.from('tsvirt-e2e', 'utf16le')), 'the entry is in the NVRAM file');
  await virsh(['resume', NAME]);
  await login();
  const after = await guest('efibootmgr');
  assert.match(after, new RegExp(`^Boot${entry}\\* tsvirt-e2e`, 'm'));
  const now = /^BootOrder: (.*)$/m.exec(after)![1]!.split(',');
  assert.ok(now.includes(entry), `BootOrder has the new entry: ${after}`);
  assert.deepEqual(notOnDisk(now), wanted, `the guest's BootOrder is kept: ${after}`);
  assert.match(await guest(`od -An -c /sys/firmware/efi/efivars/${OWN_VAR}`), /t\s+s\s+v\s+i\s+r\s+t/);
});

test('undefine is refused while the NVRAM exists; --keep-nvram keeps it, --nvram removes it', async () => {
  sh?.close();
  sh = undefined;
  await virsh(['destroy', NAME]);
  const refused = await virshFails(['undefine', NAME]);
  assert.match(refused, /error: Failed to undefine domain '?debuefi'?\nerror: Requested operation is not valid: cannot undefine domain with nvram/);
  assert.match(await virsh(['domstate', NAME]), /shut off/, 'still defined');
  assert.match(await virsh(['undefine', '--keep-nvram', NAME]), /Domain '?debuefi'? has been undefined/);
  assert.equal(existsSync(nvramOf(NAME)), true, '--keep-nvram keeps the file');
  // defined again it finds its NVRAM; --nvram removes the file that auto-selection made
  await defineFrom(NAME, uefiXml());
  await virsh(['undefine', '--nvram', NAME]);
  assert.equal(existsSync(nvramOf(NAME)), false, '--nvram removes the file');
  await virshFails(['dominfo', NAME]);
});

test('the other descriptors: enrolled keys take the .ms template, secure-boot off the plain code', async () => {
  const cases = [
    { name: 'fwms', fw: "<feature enabled='yes' name='enrolled-keys'/>", code: 'OVMF_CODE_4M.ms.fd', vars: 'OVMF_VARS_4M.ms.fd', secure: true },
    { name: 'fwplain', fw: "<feature enabled='no' name='secure-boot'/>", code: 'OVMF_CODE_4M.fd', vars: 'OVMF_VARS_4M.fd', secure: false },
  ];
  for (const c of cases) {
    await defineFrom(c.name, smallXml(c.name, `<type arch='x86_64' machine='q35'>hvm</type><firmware>${c.fw}</firmware>`, " firmware='efi'"));
    await virsh(['start', '--paused', c.name]);
    const live = await virsh(['dumpxml', c.name]);
    assert.match(live, new RegExp(`>${lit(`${OVMF}/${c.code}`)}</loader>`));
    assert.match(live, new RegExp(`<nvram template='${lit(`${OVMF}/${c.vars}`)}'>${lit(nvramOf(c.name))}</nvram>`));
    assert.ok(readFileSync(nvramOf(c.name)).equals(readFileSync(`${OVMF}/${c.vars}`)), `${c.name}: a copy of ${c.vars}`);
    assert.equal(qemuArgv(c.name).includes('driver=cfi.pflash01,property=secure,value=on'), c.secure);
    await virsh(['destroy', c.name]);
    await virsh(['undefine', '--nvram', c.name]);
    assert.equal(existsSync(nvramOf(c.name)), false);
  }
});

test('start failures are clear errors and leave no QEMU, no NVRAM copy and no run folder', async () => {
  const dir = path.join(d!.root, 'fw');
  mkdirSync(path.join(dir, 'a-directory'), { recursive: true });
  writeFileSync(path.join(dir, 'empty_VARS.fd'), '');
  const loader = (code: string, template: string, nvram: string) =>
    `<type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>${code}</loader><nvram template='${template}'>${nvram}</nvram>`;
  const code = `${OVMF}/OVMF_CODE_4M.fd`;
  const cases: Array<{ name: string; os: string; error: string; attrs?: string }> = [
    { name: 'noloader', os: loader(`${dir}/missing_CODE.fd`, VARS, nvramOf('noloader')), error: `cannot access loader '${dir}/missing_CODE.fd' of domain 'noloader': No such file or directory` },
    { name: 'notemplate', os: loader(code, `${dir}/missing_VARS.fd`, nvramOf('notemplate')), error: `Failed to open file '${dir}/missing_VARS.fd': No such file or directory` },
    { name: 'dirtemplate', os: loader(code, `${dir}/a-directory`, nvramOf('dirtemplate')), error: `Unable to read from file '${dir}/a-directory': Is a directory` },
    // an empty template copies fine; QEMU then refuses the flash: the copy must go again
    { name: 'brokentemplate', os: loader(code, `${dir}/empty_VARS.fd`, nvramOf('brokentemplate')), error: "QEMU for domain 'brokentemplate' failed to start: " },
    { name: 'nofirmware', attrs: " firmware='efi'", os: "<type arch='x86_64' machine='pc'>hvm</type><firmware><feature enabled='yes' name='secure-boot'/></firmware>", error: "Unable to find any firmware to satisfy 'efi'" },
  ];
  for (const c of cases) {
    await defineFrom(c.name, smallXml(c.name, c.os, c.attrs));
    const err = await virshFails(['start', c.name]);
    assert.ok(err.includes(c.error), `${c.name}: ${err}`);
    // QEMU's own reason, without the command line the log holds before it
    if (c.name === 'brokentemplate') assert.match(err, /failed to start: \S+ qemu-system-x86_64: system firmware block device {1,2}has invalid size 0/);
    assert.match(await virsh(['domstate', c.name]), /shut off/);
    assert.equal(existsSync(nvramOf(c.name)), false, `${c.name}: no NVRAM copy left`);
    assert.deepEqual(runLeftovers(c.name), [], `${c.name}: no run folder or status left`);
    assert.deepEqual(qemusOf(c.name), [], `${c.name}: no QEMU left`);
    await virsh(['undefine', c.name]);
  }
});

test("a failed start leaves the guest's own NVRAM alone", async () => {
  // an existing (here unusable) variable store is the guest's: the failed start must not remove it
  const name = 'ownvars';
  mkdirSync(nvramDir(), { recursive: true });
  writeFileSync(nvramOf(name), 'guest');
  await defineFrom(name, smallXml(name, `<type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>${OVMF}/OVMF_CODE_4M.fd</loader><nvram template='${VARS}'>${nvramOf(name)}</nvram>`));
  assert.match(await virshFails(['start', name]), /QEMU for domain 'ownvars' failed to start/);
  assert.equal(readFileSync(nvramOf(name), 'utf8'), 'guest', 'not removed, not overwritten');
  assert.deepEqual(qemusOf(name), []);
  assert.match(await virshFails(['undefine', name]), /cannot undefine domain with nvram/);
  await virsh(['undefine', '--nvram', name]);
  assert.equal(existsSync(nvramOf(name)), false);
});
