// Helpers for e2e tests that boot the real Debian 12 images of scripts/make-debian-image.sh
// (BIOS: MBR + GRUB; UEFI: GPT + ESP + GRUB), under TCG. About 25 s to login: without a
// cloud-init seed. root's password is 'tsvirt'. A test works on an overlay volume (a qcow2
// whose backing file is the cached image), never on the cached image itself.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { TsvirtError } from '../../src/util/errors.js';
import { REPO, type TestDaemon } from './daemon.js';
import { ConsoleClient } from './console-client.js';

export interface DebianImages {
  bios: string;
  uefi: string;
}

export const DEBIAN_ROOT_PASSWORD = 'tsvirt';
/** boot to login: under TCG takes ~25 s alone; with the other core busy, much more */
export const DEBIAN_BOOT_MS = 240_000;

let images: Promise<DebianImages> | undefined;

/** Builds (first time, ~2-3 min) or finds (cached, ~1 s) both images; once per process. */
export function ensureDebianImages(): Promise<DebianImages> {
  images ??= (async () => {
    const script = path.join(REPO, 'scripts/make-debian-image.sh');
    const r = await run('bash', [script], { timeoutMs: 20 * 60_000 });
    if (r.code !== 0) throw new TsvirtError('operation-failed', `building the Debian images failed (${script}): ${r.stderr.trim().slice(-2000)}`);
    const value = (key: string) => {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`${key}=`));
      if (!line) throw new TsvirtError('operation-failed', `${script} printed no '${key}=' line`);
      return line.slice(key.length + 1);
    };
    return { bios: value('bios'), uefi: value('uefi') };
  })();
  return images;
}

/** A new qcow2 overlay on `image` at `file` (the cached image stays untouched). */
export async function overlay(image: string, file: string): Promise<void> {
  const r = await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, file, '4G']);
  if (r.code !== 0) throw new Error(`qemu-img create ${file}: ${r.stderr}`);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');

export interface DebianDomainOptions {
  name: string;
  firmware: 'bios' | 'efi';
  /** the boot disk: a file path, or a pool volume */
  disk: { file: string } | { pool: string; volume: string };
  /** a tsvirt network to put one virtio NIC on */
  network?: string;
  mac?: string;
  /** default 768 */
  memoryMiB?: number;
  /** the guest agent channel (default true) */
  agent?: boolean;
  /** raw XML inside <devices> */
  extraDevices?: string;
  /** raw XML inside <os> after <type> (e.g. <loader .../>; replaces firmware='efi' when given) */
  osExtra?: string;
  /** also write the serial console to this file (<log file=.../>), e.g. for timing a boot */
  serialLog?: string;
}

/** A libvirt domain XML for a Debian image, as virt-install would write it for a Linux guest. */
export function debianDomainXml(o: DebianDomainOptions): string {
  const kib = (o.memoryMiB ?? 768) * 1024;
  const efi = o.firmware === 'efi';
  const source = 'file' in o.disk ? `<source file='${esc(o.disk.file)}'/>` : `<source pool='${esc(o.disk.pool)}' volume='${esc(o.disk.volume)}'/>`;
  const nic = o.network
    ? `<interface type='network'><source network='${esc(o.network)}'/>${o.mac ? `<mac address='${o.mac}'/>` : ''}<model type='virtio'/></interface>`
    : '';
  const agent = o.agent === false ? '' : `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`;
  return `<domain type='qemu'>
  <name>${esc(o.name)}</name>
  <memory unit='KiB'>${kib}</memory>
  <currentMemory unit='KiB'>${kib}</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os${efi && !o.osExtra ? " firmware='efi'" : ''}>
    <type arch='x86_64' machine='${efi ? 'q35' : 'pc'}'>hvm</type>${o.osExtra ?? ''}
    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='${'file' in o.disk ? 'file' : 'volume'}' device='disk'>
      <driver name='qemu' type='qcow2'/>
      ${source}
      <target dev='vda' bus='virtio'/>
    </disk>
    ${nic}
    <serial type='pty'>${o.serialLog ? `<log file='${esc(o.serialLog)}' append='off'/>` : ''}<target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    ${agent}
    ${o.extraDevices ?? ''}
  </devices>
</domain>
`;
}

/** The guest's serial console through `tsvirt console` (the daemon's console stream). */
export class GuestShell {
  private n = 0;
  constructor(readonly con: ConsoleClient) {}

  static open(d: TestDaemon, domain: string): GuestShell {
    const child = spawn(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'console', domain], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new GuestShell(new ConsoleClient(child));
  }

  /** waits for login:, logs in, waits for the shell prompt */
  async login(user = 'root', password = DEBIAN_ROOT_PASSWORD, bootMs = DEBIAN_BOOT_MS): Promise<void> {
    const from = this.con.text.length;
    // a console opened after the prompt was printed sees nothing: Enter prints it again
    const nudge = setInterval(() => this.con.type('\r'), 5000);
    try {
      await this.con.waitFor(/login: $/m, bootMs, from);
    } finally {
      clearInterval(nudge);
    }
    const at = this.con.text.length;
    this.con.type(`${user}\r`);
    await this.con.waitFor('Password:', 30_000, at);
    this.con.type(`${password}\r`);
    await this.con.waitFor(/[#$] $/m, 60_000, at);
    // no echo and no line wrapping: what run() reads back is the command's output only
    await this.run('stty -echo cols 1000');
  }

  /** runs a shell command; resolves with its output (without the echo of the command) and status */
  async run(cmd: string, ms = 60_000): Promise<{ out: string; code: number }> {
    const tag = `TSV${++this.n}X`;
    const at = this.con.text.length;
    // the marker is split in the typed text so the echo of the command line does not match
    this.con.type(`${cmd}; echo "${tag.slice(0, 3)}""${tag.slice(3)}=$?"\r`);
    const re = new RegExp(`${tag}=(\\d+)`);
    await this.con.waitFor(re, ms, at);
    const text = this.con.text.slice(at);
    const m = re.exec(text)!;
    // the shell's next prompt belongs to this command, not to the next one's output
    await this.con.waitFor(/[#$] $/, 10_000, at + m.index).catch(() => undefined);
    const typed = `"${tag.slice(0, 3)}""${tag.slice(3)}`;
    // (the echo of the typed line, while echo is still on, is left out)
    // (bash's bracketed-paste switches are not output)
    // (nor is the prompt printed after the previous command's marker: it comes first here)
    const lines = text.slice(0, m.index).replace(/\r|\x1b\[\?2004[hl]/g, '').split('\n').filter((l) => !l.includes(typed));
    while (lines.length && lines[0]!.trim() === '') lines.shift();
    if (lines.length && /^\S+@\S+:.*[#$] ?$/.test(lines[0]!)) lines.shift();
    const out = lines.join('\n').trim();
    return { out, code: Number(m[1]) };
  }

  /** runs a shell command that must succeed; resolves with its output */
  async must(cmd: string, ms?: number): Promise<string> {
    const r = await this.run(cmd, ms);
    if (r.code !== 0) throw new Error(`in the guest, '${cmd}' failed (${r.code}): ${r.out}`);
    return r.out;
  }

  close(): void {
    this.con.type(Buffer.from([0x1d]));
    setTimeout(() => this.con.kill(), 2000).unref();
  }
}

/** Polls `probe` every second until it gives a value; fails after `ms` with the last error. */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
