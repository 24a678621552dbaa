// A TCG VM that runs one of tsvirt's checks on a real kernel (scripts/make-node-guest.sh
// NAME: Node, the bundled test/guest/NAME-check.ts and the programs it needs, in the
// initramfs). Resolves with the JSON the check prints after `mark`; QEMU is killed by pid
// when the test ends, however it ends.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runOk } from '../../src/util/spawn.js';
import { REPO } from './daemon.js';

export interface NodeGuestRun {
  name: string;
  /** host programs copied in with their libraries (e.g. /sbin/lvm) */
  programs?: string[];
  /** QEMU options besides kernel, initrd, console and memory (machine, devices, drives) */
  qemuArgs: string[];
  append?: string;
  /** the line prefix the check prints before its JSON result */
  mark: string;
  timeoutMs?: number;
  /** SIGKILL QEMU the moment the mark line arrives: the guest loses its page cache as in a power cut */
  cut?: boolean;
}

export async function runNodeGuest<T>(o: NodeGuestRun, t: { after(fn: () => void): void }): Promise<T> {
  const out = (await runOk(join(REPO, 'scripts/make-node-guest.sh'), [o.name, ...(o.programs ?? [])], { timeoutMs: 240_000 })).trim().split('\n').pop()!;
  const qemu = spawn('qemu-system-x86_64', [
    '-accel', 'tcg', '-m', '1024', '-smp', '1', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
    '-kernel', join(out, 'vmlinuz'), '-initrd', join(out, 'initrd.img'),
    '-append', `console=ttyS0 panic=-1 quiet ${o.append ?? ''}`.trim(),
    ...o.qemuArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (qemu.exitCode === null) qemu.kill('SIGKILL'); });
  const timeoutMs = o.timeoutMs ?? 90_000;
  let log = '';
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    const timer = setTimeout(() => { qemu.kill('SIGKILL'); reject(new Error(`no result within ${timeoutMs / 1000} s; console:\n${log}`)); }, timeoutMs);
    qemu.stdout.on('data', (b: Buffer) => {
      log += b.toString('latin1');
      const i = log.indexOf(o.mark);
      const end = i >= 0 ? log.indexOf('\n', i) : -1;
      if (end > 0 && result === undefined) {
        clearTimeout(timer);
        result = JSON.parse(log.slice(i + o.mark.length, end).trim()) as T;
        // a cut resolves once QEMU is gone, so the next boot can take the disk
        if (o.cut) qemu.kill('SIGKILL');
        else resolve(result);
      }
    });
    qemu.stderr.on('data', (b: Buffer) => { log += b.toString('latin1'); });
    qemu.on('exit', (code) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`QEMU exited (${code}) before the result; console:\n${log}`));
    });
  });
}
