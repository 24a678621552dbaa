// Helpers for e2e tests that boot the tiny test guest (scripts/make-test-guest.sh):
// a Debian cloud kernel plus a busybox initramfs whose /init prints marker lines on the
// serial console (see test/guest/init for all of them and the tsvirt.* options).
//
// Boot speed advice (TCG, measured on a 2-core machine): keep `quiet` (printing the
// ~330 boot lines over an emulated UART costs time), keep `cryptomgr.notests` (skips the
// kernel's crypto self-tests, ~0.4 s of the ~2.3 s to /init), and add `loglevel=8` or
// drop `quiet` only when debugging a boot. `panic=-1` turns a guest panic into a reset,
// which `-no-reboot` (or on_crash/on_reboot='destroy') turns into QEMU exiting.
// Memory: the guest boots with 80 MiB; 72 MiB panics (out of memory) and 64 MiB or less
// dies silently before any console output (QEMU exits 0 under -no-reboot). Default 96 MiB.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { TsvirtError } from '../../src/util/errors.js';

/** Printed by the guest's /init once modules are loaded and the power button is armed. */
export const GUEST_MARKER = 'TSVIRT-GUEST-UP';
/** Printed after the disk and IP report lines: everything the guest reports is out. */
export const GUEST_READY = 'TSVIRT-GUEST-READY';
/** Printed when the ACPI power button was pressed, right before `poweroff -f`. */
export const GUEST_POWERBUTTON = 'TSVIRT-GUEST-POWERBUTTON';
/** Memory that boots with margin (80 MiB is the measured minimum). */
export const GUEST_MEMORY_MIB = 96;

/** Kernel command line options every test boot uses; `console=ttyS0` puts /init's markers on serial 0. */
export const GUEST_BASE_CMDLINE = 'console=ttyS0 quiet panic=-1 cryptomgr.notests';

export interface TestGuest {
  kernel: string;
  initrd: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let guestPromise: Promise<TestGuest> | undefined;

/**
 * Builds (first time, ~10 s) or finds (cached, ~1 s) the test guest; runs the build script
 * once per process. Honours TSVIRT_GUEST_DIR like the script does.
 */
export function ensureTestGuest(): Promise<TestGuest> {
  guestPromise ??= buildGuest();
  return guestPromise;
}

async function buildGuest(): Promise<TestGuest> {
  const script = path.join(repoRoot, 'scripts/make-test-guest.sh');
  const r = await run('bash', [script], { timeoutMs: 10 * 60_000 });
  if (r.code !== 0) {
    const why = r.stderr.trim() || r.stdout.trim() || (r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`);
    throw new TsvirtError('operation-failed', `building the test guest failed (${script}): ${why}`);
  }
  const value = (key: string): string => {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${key}=`));
    if (!line) throw new TsvirtError('operation-failed', `${script} printed no '${key}=' line: ${r.stdout.trim()}`);
    return line.slice(key.length + 1);
  };
  return { kernel: value('kernel'), initrd: value('initrd') };
}

/** The test guest's kernel command line: the base options plus `extra` (e.g. 'tsvirt.poweroff=1'). */
export function guestCmdline(extra?: string): string {
  const more = extra?.trim();
  return more ? `${GUEST_BASE_CMDLINE} ${more}` : GUEST_BASE_CMDLINE;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/**
 * Polls `file` (a console log) until it contains `text`. A missing file counts as empty.
 * On timeout rejects with an operation-timeout error that quotes the file's last 2 KB.
 */
export async function waitForText(file: string, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const content = await readText(file);
    if (content.includes(text)) return;
    if (Date.now() >= deadline) {
      const tail = content.slice(-2048);
      throw new TsvirtError(
        'operation-timeout',
        `'${text}' did not appear in ${file} within ${timeoutMs} ms; last ${tail.length} bytes:\n${tail}`,
      );
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

export interface MinimalDomainOptions {
  name: string;
  kernel: string;
  initrd: string;
  /** default guestCmdline() */
  cmdline?: string;
  /** default GUEST_MEMORY_MIB */
  memoryMiB?: number;
  /** also write the serial console's output to this file (libvirt <log file=.../>), for waitForText */
  consoleLog?: string;
  /** raw XML inserted inside <devices> after the console */
  extraDevices?: string;
  /** default 'qemu' (TCG): nested KVM here hangs real guests, see FACTS.md */
  type?: 'qemu' | 'kvm';
}

/**
 * A libvirt domain XML booting the test guest: 1 vCPU, direct kernel boot, ACPI (needed for
 * the power button), a pty serial port with its console, no graphics, no NIC,
 * on_poweroff destroy. Devices not listed get the driver's defaults (e.g. memballoon). Valid for `virt-xml-validate FILE domain`.
 */
export function minimalDomainXml(opts: MinimalDomainOptions): string {
  const memKiB = Math.round((opts.memoryMiB ?? GUEST_MEMORY_MIB) * 1024);
  const log = opts.consoleLog ? `\n      <log file='${escapeXml(opts.consoleLog)}' append='off'/>` : '';
  const extra = opts.extraDevices ? `\n${opts.extraDevices.replace(/^/gm, '    ').trimEnd()}` : '';
  return `<domain type='${opts.type ?? 'qemu'}'>
  <name>${escapeXml(opts.name)}</name>
  <memory unit='KiB'>${memKiB}</memory>
  <currentMemory unit='KiB'>${memKiB}</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${escapeXml(opts.kernel)}</kernel>
    <initrd>${escapeXml(opts.initrd)}</initrd>
    <cmdline>${escapeXml(opts.cmdline ?? guestCmdline())}</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'>${log}
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>${extra}
  </devices>
</domain>
`;
}
