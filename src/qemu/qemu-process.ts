// Spawning QEMU and watching its process. QEMU runs in its own session with its
// output going to the domain's log file (never a pipe to tsvirtd), so it keeps
// running when tsvirtd stops or is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, openSync, closeSync, readFileSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import { TsvirtError } from '../util/errors.js';

/** Quotes an argument for the log only (QEMU is never started through a shell). */
function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** `env` adds variables for QEMU (<qemu:env>, TZ for <clock offset='timezone'>) to its minimal environment. */
export function launchQemu(binary: string, argv: string[], logFile: string, extraFds: number[] = [], env: Record<string, string> = {}): ChildProcess {
  const logFd = openSync(logFile, 'a', 0o600);
  try {
    const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...env };
    // as libvirt's /var/log/libvirt/qemu/NAME.log: when, where, then the environment and the command line
    const header = `${new Date().toISOString()}: starting up kernel: ${os.release()}, hostname: ${os.hostname()}\n` +
      [...Object.entries(childEnv).map(([k, v]) => `${k}=${shellQuote(v)}`), binary, ...argv.map(shellQuote)].join(' \\\n') + '\n';
    writeSync(logFd, header);
    const child = spawn(binary, argv, {
      stdio: ['ignore', logFd, logFd, ...extraFds],
      detached: true,
      env: childEnv,
    });
    child.unref();
    return child;
  } finally {
    closeSync(logFd);
  }
}


/** Ends a run in the domain's log as libvirt does: "TIME: shutting down, reason=R" (libvirt's shut-off reason). */
export async function logQemuStop(logFile: string, reason: string): Promise<void> {
  await fs.appendFile(logFile, `${new Date().toISOString()}: shutting down, reason=${reason}\n`);
}

/** Waits until a just-spawned child has a pid or failed to spawn. */
export function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (child.pid !== undefined) return resolve(child.pid);
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', (e) => reject(new TsvirtError('system-error', `cannot start QEMU: ${e.message}`)));
  });
}

/** True while the process exists and is not a zombie (a zombie is dead for our purposes). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The process's command line, to make sure a pid from a status file is still our QEMU. */
export function cmdlineOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/** CPU time used by a process in nanoseconds (user + system), 0 when it is gone. */
export function cpuTimeNs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return Math.round((ticks / 100) * 1e9);
  } catch {
    return 0;
  }
}

/** Resolves when the process is gone, or false after timeoutMs. Polls /proc, so it works for non-children. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
  return true;
}

export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The last bytes of a log, for error messages about a QEMU that failed to start. */
export async function logTail(file: string, bytes = 1500): Promise<string> {
  try {
    const fh = await fs.open(file, 'r');
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.toString();
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}
