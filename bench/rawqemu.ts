// The limit: QEMU started directly, the way a management stack must at least do it:
// spawn paused (-S) with a QMP socket, qmp_capabilities, cont. Same guest and devices as the
// domain XML the daemons get.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { guestCmdline, GUEST_MEMORY_MIB, type TestGuest } from '../test/e2e/guest.js';

export class RawQemu {
  readonly qmpPath: string;
  readonly serialLog: string;
  child!: ChildProcess;
  private sock!: net.Socket;
  private buf = '';
  private pending: ((msg: any) => void)[] = [];
  exited!: Promise<void>;
  /** false: start() leaves the guest paused (e.g. a migration destination) */
  protected contOnStart = true;

  constructor(readonly dir: string, readonly name: string, readonly guest: TestGuest) {
    this.qmpPath = path.join(dir, `${name}.qmp`);
    this.serialLog = path.join(dir, `${name}.serial.log`);
  }

  protected argv(): string[] {
    return [
      '-name', `guest=${this.name}`, '-machine', 'pc,accel=tcg', '-m', String(GUEST_MEMORY_MIB), '-smp', '1',
      '-nodefaults', '-no-user-config', '-display', 'none',
      '-kernel', this.guest.kernel, '-initrd', this.guest.initrd, '-append', guestCmdline(),
      '-chardev', `file,id=serial0,path=${this.serialLog}`, '-serial', 'chardev:serial0',
      '-device', 'virtio-balloon-pci', '-qmp', `unix:${this.qmpPath},server=on,wait=off`, '-S',
    ];
  }

  /** spawn to running (after `cont` returns); ms */
  async start(): Promise<number> {
    const t0 = performance.now();
    this.child = spawn('qemu-system-x86_64', this.argv(), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (d) => { stderr += d; });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
    let failed = false;
    this.child.once('exit', () => { failed = true; });
    for (;;) {
      if (failed) throw new Error(`qemu exited during start: ${stderr.trim()}`);
      if (existsSync(this.qmpPath) && (await this.connect())) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    await this.reply(); // greeting
    await this.cmd('qmp_capabilities');
    if (this.contOnStart) await this.cmd('cont');
    return performance.now() - t0;
  }

  private connect(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.createConnection({ path: this.qmpPath });
      s.once('connect', () => {
        this.sock = s;
        s.setEncoding('utf8');
        s.on('data', (d: string) => this.onData(d));
        s.on('error', () => undefined);
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  }

  private onData(d: string) {
    this.buf += d;
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).trim();
      this.buf = this.buf.slice(i + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.event) continue;
      this.pending.shift()?.(msg);
    }
  }

  private reply(): Promise<any> {
    return new Promise((r) => this.pending.push(r));
  }

  async cmd(execute: string, args?: Record<string, unknown>): Promise<any> {
    const p = this.reply();
    this.sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    const msg = await p;
    if (msg.error) throw new Error(`QMP ${execute}: ${msg.error.desc}`);
    return msg.return;
  }

  /** `quit` to process exit; ms */
  async quit(): Promise<number> {
    const t0 = performance.now();
    this.sock.write(JSON.stringify({ execute: 'quit' }) + '\n');
    await this.exited;
    return performance.now() - t0;
  }

  /** ACPI power button to process exit (the guest powers off and QEMU exits); ms */
  async powerdown(): Promise<number> {
    const t0 = performance.now();
    this.sock.write(JSON.stringify({ execute: 'system_powerdown' }) + '\n');
    await this.exited;
    return performance.now() - t0;
  }

  kill(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
