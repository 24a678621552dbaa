// The TPM emulator of <tpm><backend type='emulator'>: one swtpm per TPM, started before QEMU
// (libvirt's qemuTPMEmulatorStart), its state kept per domain UUID under the instance's
// <lib>/swtpm/<uuid>/tpm2 (or tpm1.2), its control socket under <run>/swtpm.
// `--terminate` makes swtpm exit when QEMU closes the socket, so a crashed QEMU leaves none behind.
import { spawn } from 'node:child_process';
import { promises as fs, constants as fsc, closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Domain, Tpm } from '../conf/domain-types.js';
import type { HostRoot } from '../host/host-root.js';
import { TsvirtError } from '../util/errors.js';
import type { UndoStack } from '../util/undo.js';

export const SWTPM_RECORD_PREFIX = 'swtpm:';
// read at each start: tests point it at a binary that fails
const swtpmBinary = () => process.env.TSVIRT_SWTPM ?? '/usr/bin/swtpm';

/** Where an instance keeps swtpm state (per domain UUID), control sockets and logs. */
export interface SwtpmDirs { stateDir: string; runDir: string; logDir: string }

/** libvirt's layout under a host root (/var/lib/.../swtpm, /run/.../swtpm, /var/log/.../swtpm). */
export function hostSwtpmDirs(root: HostRoot): SwtpmDirs {
  return { stateDir: root.path('/var/lib/tsvirt/swtpm'), runDir: root.path('/run/tsvirt/swtpm'), logDir: root.path('/var/log/tsvirt/swtpm') };
}

/** The folder with all TPM state of one domain (removed by undefine unless --keep-tpm). */
export const swtpmDomainDir = (dirs: SwtpmDirs, uuid: string) => join(dirs.stateDir, uuid);

export function swtpmPaths(dirs: SwtpmDirs, dom: Domain, index: number, tpm: Tpm): { stateDir: string; socket: string; log: string } {
  const v = tpm.backend.version === '2.0' ? 'tpm2' : 'tpm1.2';
  return {
    stateDir: join(swtpmDomainDir(dirs, dom.uuid), v),
    socket: join(dirs.runDir, `${dom.uuid}-tpm${index}.sock`),
    log: join(dirs.logDir, `${dom.name}-swtpm.log`),
  };
}

export function swtpmArgs(tpm: Tpm, p: { stateDir: string; socket: string; log: string }): string[] {
  const args = ['socket', '--tpmstate', `dir=${p.stateDir},mode=0600`, '--ctrl', `type=unixio,path=${p.socket},mode=0600`, '--log', `file=${p.log}`, '--terminate'];
  if (tpm.backend.version === '2.0') args.push('--tpm2');
  return args;
}

function cmdlineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

export async function stopSwtpm(pid: number, socket: string): Promise<void> {
  // only a swtpm on this socket: the pid may have been reused after a reboot
  if (cmdlineOf(pid)?.some((a) => a.includes(socket))) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await fs.rm(socket, { force: true }).catch(() => undefined);
}

/**
 * Starts the swtpm of each emulator TPM; the live definition gets the socket QEMU connects to.
 * Returns the record entries ("swtpm:tpm0" -> "pid:socket") that stopSwtpms() takes back.
 */
export async function startSwtpms(dirs: SwtpmDirs, def: Domain, undo: UndoStack): Promise<Record<string, string>> {
  const record: Record<string, string> = {};
  for (const [i, tpm] of (def.devices.tpms ?? []).entries()) {
    const be = tpm.backend;
    if (be.type !== 'emulator') continue;
    if (be.encryptionSecret) throw new TsvirtError('config-unsupported', 'TPM state encryption needs a secret driver, which tsvirt does not have yet');
    if (be.activePcrBanks) throw new TsvirtError('config-unsupported', 'choosing the active PCR banks needs swtpm_setup, which tsvirt does not run yet');
    const SWTPM = swtpmBinary();
    try {
      await fs.access(SWTPM);
    } catch {
      throw new TsvirtError('operation-failed', `TPM emulator: '${SWTPM}' is not installed (package swtpm)`);
    }
    const p = swtpmPaths(dirs, def, i, tpm);
    let logFd: number;
    try {
      for (const d of [p.stateDir, dirname(p.socket), dirname(p.log)]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
      // swtpm opens its state only when QEMU starts the TPM: check now that it can be written
      await fs.access(p.stateDir, fsc.W_OK);
      await fs.rm(p.socket, { force: true });
      logFd = openSync(p.log, 'a', 0o600);
    } catch (e) {
      throw new TsvirtError('operation-failed', `cannot prepare the TPM emulator state of domain '${def.name}' in '${p.stateDir}': ${(e as Error).message}`);
    }
    let pid: number;
    try {
      // its own session, like QEMU, so it outlives a tsvirtd restart
      const child = spawn(SWTPM, swtpmArgs(tpm, p), { stdio: ['ignore', logFd, logFd], detached: true });
      child.unref();
      pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', (e) => reject(new TsvirtError('operation-failed', `could not start swtpm: ${e.message}`)));
      });
    } finally {
      closeSync(logFd);
    }
    undo.push(() => stopSwtpm(pid, p.socket));
    // swtpm makes its socket a few ms after exec: poll fast at first (a 50 ms step cost ~70 ms per start)
    const deadline = Date.now() + 5000;
    for (let t = 0; !(await fs.stat(p.socket).catch(() => undefined)); t++) {
      if (!alive(pid) || Date.now() > deadline) {
        const log = await fs.readFile(p.log, 'utf8').catch(() => '');
        throw new TsvirtError('operation-failed', `swtpm did not start for TPM ${i} of domain '${def.name}': ${log.trim().split('\n').slice(-3).join(' ') || 'no socket'}`);
      }
      await new Promise((r) => setTimeout(r, t < 100 ? 2 : 50));
    }
    be.socket = p.socket;
    record[`${SWTPM_RECORD_PREFIX}tpm${i}`] = `${pid}:${p.socket}`;
  }
  return record;
}

/** Stops the swtpms named in a record (after QEMU is gone); safe to call twice. */
export async function stopSwtpms(record: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(record)) {
    if (!key.startsWith(SWTPM_RECORD_PREFIX)) continue;
    const sep = value.indexOf(':');
    const pid = Number(value.slice(0, sep));
    if (Number.isInteger(pid) && pid > 0) await stopSwtpm(pid, value.slice(sep + 1));
  }
}
