// For tests only: start a real, paused QEMU (TCG) with a QMP socket, and always kill
// it by pid afterwards. Not used by production code.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const QEMU = process.env.TSVIRT_TEST_QEMU ?? '/usr/bin/qemu-system-x86_64';

export interface TestQemu {
  child: ChildProcess;
  pid: number;
  qmpPath: string;
  dir: string;
  stderr(): string;
  /** resolves when the process has exited */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process if still running, waits for it, removes its folder. Idempotent. */
  cleanup(): Promise<void>;
}

/**
 * Starts `qemu -S -nodefaults ... -qmp unix:<dir>/qmp.sock` plus extraArgs (default:
 * -machine none); extraArgs may be a function of the private folder, for more sockets.
 */
export async function startTestQemu(
  extraArgs: string[] | ((dir: string) => string[]) = ['-machine', 'none'],
): Promise<TestQemu> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-test-qemu-'));
  const extra = typeof extraArgs === 'function' ? extraArgs(dir) : extraArgs;
  const qmpPath = join(dir, 'qmp.sock');
  const child = spawn(QEMU, [
    '-S', '-no-user-config', '-nodefaults', '-display', 'none', '-accel', 'tcg',
    '-qmp', `unix:${qmpPath},server=on,wait=off`, ...extra,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => { err += s; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  if (child.pid === undefined) throw new Error(`cannot start ${QEMU}`);
  const pid = child.pid;
  let cleaned = false;
  return {
    child, pid, qmpPath, dir, exited,
    stderr: () => err,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        await exited;
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** True while a process with this pid exists (and is not a zombie we could not reap). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
