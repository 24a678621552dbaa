// The one door to the host for src/host/: every sysfs, /dev and /proc access and every
// command (modprobe) goes through a HostRoot. Production uses new HostRoot('/'); tests
// use a fake tree (src/host/testing/fake-sysfs.ts) that installs `onWrite` to play the
// kernel's part for the attribute files tsvirt writes, and a `runner` for modprobe.
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';

/** Runs a host command (modprobe); throws when it fails. */
export type CommandRunner = (cmd: string, args: readonly string[]) => Promise<void>;
/**
 * Called instead of the plain file write when installed (fake kernel). It may throw an
 * Error with an errno `code` (EBUSY, EINVAL, ...) like the kernel would return.
 */
export type WriteHook = (hostPath: string, value: string) => void;

export interface HostRootOptions {
  runner?: CommandRunner;
  onWrite?: WriteHook;
}

const defaultRunner: CommandRunner = async (cmd, args) => {
  await runOk(cmd, args);
};

export class HostRoot {
  readonly dir: string;
  private readonly runner: CommandRunner;
  private readonly onWrite?: WriteHook;

  constructor(dir = '/', opts: HostRootOptions = {}) {
    this.dir = dir;
    this.runner = opts.runner ?? defaultRunner;
    this.onWrite = opts.onWrite;
  }

  /** Where a host path ('/sys/...') is on this root. */
  path(hostPath: string): string {
    return this.dir === '/' ? hostPath : join(this.dir, hostPath);
  }

  /** Trimmed text of a file, or undefined when it does not exist or cannot be read. */
  async readText(hostPath: string): Promise<string | undefined> {
    try {
      return (await fs.readFile(this.path(hostPath), 'utf8')).trim();
    } catch {
      return undefined;
    }
  }

  async readBytes(hostPath: string, max: number): Promise<Buffer | undefined> {
    let fh: fs.FileHandle | undefined;
    try {
      fh = await fs.open(this.path(hostPath), 'r');
      const buf = Buffer.alloc(max);
      const { bytesRead } = await fh.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead);
    } catch {
      return undefined;
    } finally {
      await fh?.close();
    }
  }

  /** Target of a symbolic link, or undefined. */
  async readLink(hostPath: string): Promise<string | undefined> {
    try {
      return await fs.readlink(this.path(hostPath));
    } catch {
      return undefined;
    }
  }

  /** Last component of a link's target ('driver' -> 'nvme'), or undefined. */
  async linkName(hostPath: string): Promise<string | undefined> {
    const t = await this.readLink(hostPath);
    return t === undefined ? undefined : posix.basename(t);
  }

  /** The link resolved to a host path (relative to the link's folder). */
  async resolveLink(hostPath: string): Promise<string | undefined> {
    const t = await this.readLink(hostPath);
    return t === undefined ? undefined : posix.resolve(posix.dirname(hostPath), t);
  }

  /** Names in a folder, sorted; [] when it does not exist. */
  async list(hostPath: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.path(hostPath))).sort();
    } catch {
      return [];
    }
  }

  async exists(hostPath: string): Promise<boolean> {
    try {
      await fs.lstat(this.path(hostPath));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes a sysfs attribute; a kernel refusal becomes a TsvirtError naming the file. */
  async write(hostPath: string, value: string): Promise<void> {
    try {
      if (this.onWrite) this.onWrite(hostPath, value);
      else await fs.writeFile(this.path(hostPath), value);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new TsvirtError('system-error', `cannot write '${value.trim()}' to ${hostPath}: ${code}`);
    }
  }

  /** Runs a host command such as modprobe. */
  async run(cmd: string, args: readonly string[]): Promise<void> {
    try {
      await this.runner(cmd, args);
    } catch (e) {
      if (e instanceof TsvirtError) throw e;
      throw new TsvirtError('system-error', `${cmd} ${args.join(' ')} failed: ${(e as Error).message}`);
    }
  }
}
