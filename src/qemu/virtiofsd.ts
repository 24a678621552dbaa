// The virtiofsd processes of a domain's virtiofs shares (libvirt's qemu_virtiofs.c): one per
// <filesystem><driver type='virtiofs'/> without <source socket=>, started before QEMU with
// its vhost-user socket in the domain's run folder, and stopped once QEMU is gone (also after
// a failed start). Its pid is kept in the VM's record (virtiofsd.fsN), which the status file
// keeps across a tsvirtd restart.
import { spawn } from 'node:child_process';
import { promises as fs, constants as fsc, closeSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { Domain, Filesystem } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import type { UndoStack } from '../util/undo.js';
import { fsAlias, virtiofsSocketPath } from './argv-fs.js';
import { cmdlineOf, isAlive, killPid, logTail, waitForExit } from './qemu-process.js';

/** Debian's QEMU 7.2 virtiofsd (package qemu-system-common), what /usr/share/qemu/vhost-user/*.json names. */
export const DEFAULT_VIRTIOFSD = '/usr/lib/qemu/virtiofsd';
const VHOST_USER_DIRS = ['/etc/qemu/vhost-user', '/usr/share/qemu/vhost-user'];
const READY_TIMEOUT_MS = 10_000;
export const RECORD_PREFIX = 'virtiofsd.';

/** The shares tsvirt runs a virtiofsd for, with their index in dom.devices.filesystems. */
export function managedVirtiofs(dom: Domain): Array<{ fs: Filesystem; index: number }> {
  return (dom.devices.filesystems ?? [])
    .map((fs, index) => ({ fs, index }))
    .filter(({ fs }) => fs.driver?.type === 'virtiofs' && fs.source?.socket === undefined);
}

/** The virtiofsd a vhost-user description file of type 'fs' names (libvirt's qemuVhostUserFillDomainFS), else Debian's. */
export function defaultVirtiofsd(dirs = VHOST_USER_DIRS): string {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir); // a handful of entries, once per start
    } catch {
      continue;
    }
    for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
      try {
        const j = JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as { type?: string; binary?: string };
        if (j.type === 'fs' && j.binary) return j.binary;
      } catch {
        // a broken description file is skipped, as QEMU's own tools do
      }
    }
  }
  return DEFAULT_VIRTIOFSD;
}

/** fuse -o values escape ',' and '\' with a backslash (libfuse's fuse_opt). */
const fuseOpt = (v: string) => v.replace(/[\\,]/g, (c) => `\\${c}`);

/** virtiofsd's argv (libvirt's qemuVirtioFSBuildCommandLine, with --socket-path instead of a passed fd). */
export function virtiofsdArgs(fs: Filesystem, socketPath: string): string[] {
  const b = fs.binary ?? {};
  let o = `source=${fuseOpt(fs.source?.dir ?? '')}`;
  if (b.cache) o += `,cache=${b.cache}`;
  if (b.sandbox) o += `,sandbox=${b.sandbox}`;
  if (b.xattr !== undefined) o += b.xattr ? ',xattr' : ',no_xattr';
  if (b.lock?.flock !== undefined) o += b.lock.flock ? ',flock' : ',no_flock';
  if (b.lock?.posix !== undefined) o += b.lock.posix ? ',posix_lock' : ',no_posix_lock';
  const args = [`--socket-path=${socketPath}`, '-o', o];
  if (b.threadPoolSize !== undefined) args.push(`--thread-pool-size=${b.threadPoolSize}`);
  return args;
}

/** libvirt's log file of a share's virtiofsd: <logdir>/<domain>-<alias>-virtiofsd.log. */
export function virtiofsdLogFile(logFile: string, dom: Domain, index: number): string {
  return path.join(path.dirname(logFile), `${dom.name}-${fsAlias(index)}-virtiofsd.log`);
}

async function waitReady(pid: number, socket: string, log: string, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let delay = 2;
  for (;;) {
    const st = await fs.stat(socket).catch(() => undefined);
    if (st?.isSocket()) return;
    if (!isAlive(pid)) {
      const tail = (await logTail(log)).trim().split('\n').slice(-3).join('\n');
      throw new TsvirtError('operation-failed', `virtiofsd died unexpectedly (${what})${tail ? `: ${tail}` : ''}`);
    }
    if (Date.now() >= deadline) throw new TsvirtError('operation-failed', `virtiofsd did not create its socket '${socket}' within ${READY_TIMEOUT_MS} ms (${what})`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/**
 * Starts the virtiofsd of every managed share; resolves with the record entries
 * (virtiofsd.fsN -> pid). Each started process gets an undo step, so a later failure stops it.
 */
export async function startVirtiofsds(dom: Domain, runDir: string, logFile: string, undo: UndoStack): Promise<Record<string, string>> {
  const record: Record<string, string> = {};
  const shares = managedVirtiofs(dom);
  if (shares.length === 0) return record;
  const defaultBinary = defaultVirtiofsd();
  for (const { fs: share, index } of shares) {
    const binary = share.binary?.path ?? defaultBinary;
    const what = `filesystem '${share.target.dir}' of domain '${dom.name}'`;
    try {
      await fs.access(binary, fsc.X_OK);
    } catch {
      throw new TsvirtError('operation-failed', `virtiofsd binary '${binary}' is not executable`);
    }
    const dir = share.source?.dir ?? '';
    if (!(await fs.stat(dir).catch(() => undefined))) {
      throw new TsvirtError('operation-failed', `the virtiofs export directory '${dir}' does not exist`);
    }
    const socket = virtiofsSocketPath(share, index, runDir);
    await fs.rm(socket, { force: true });
    const log = virtiofsdLogFile(logFile, dom, index);
    const args = virtiofsdArgs(share, socket);
    const logFd = openSync(log, 'a', 0o600);
    let pid: number;
    try {
      writeSync(logFd, `${new Date().toISOString()}: starting up\n${[binary, ...args].join(' ')}\n`);
      // its own session and no pipe to tsvirtd, so it outlives a tsvirtd restart like QEMU does
      const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd], detached: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
      child.unref();
      pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', (e) => reject(new TsvirtError('operation-failed', `Could not start 'virtiofsd' (${what}): ${e.message}`)));
      });
    } finally {
      closeSync(logFd);
    }
    undo.push(() => stopVirtiofsd(pid, socket));
    await waitReady(pid, socket, log, what);
    record[`${RECORD_PREFIX}${fsAlias(index)}`] = `${pid}:${socket}`;
  }
  return record;
}

async function stopVirtiofsd(pid: number, socket?: string): Promise<void> {
  // the pid may have been reused after a host reboot: only kill a virtiofsd
  const cmd = cmdlineOf(pid);
  if (cmd && cmd.some((a) => a.includes('virtiofsd') || (socket !== undefined && a.includes(socket)))) {
    killPid(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 2000))) {
      killPid(pid, 'SIGKILL');
      await waitForExit(pid, 2000);
    }
  }
  if (socket) await fs.rm(socket, { force: true }).catch(() => undefined);
}

/** Stops the virtiofsds named in a VM's record (after QEMU is gone); safe to call twice. */
export async function stopVirtiofsds(record: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(record)) {
    if (!key.startsWith(RECORD_PREFIX)) continue;
    const sep = value.indexOf(':');
    const pid = Number(sep < 0 ? value : value.slice(0, sep));
    if (Number.isInteger(pid) && pid > 0) await stopVirtiofsd(pid, sep < 0 ? undefined : value.slice(sep + 1));
  }
}
