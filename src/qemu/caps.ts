// QEMU capability probe: start the binary once (paused, no machine, TCG), ask it over
// QMP what it can do, and cache the answer on disk keyed by the binary's identity, so
// later calls (and later daemon starts) cost a stat and a file read.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { QemuCaps, QemuMachineType } from './caps-types.js';
import { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import { probeKvm, type KvmProbeResult } from './kvm-probe.js';

export const DEFAULT_QEMU_BINARY = '/usr/bin/qemu-system-x86_64';
/** Bump when the cached shape or the probe changes, so old cache files are ignored. */
const CACHE_FORMAT = 1;
const PROBE_TIMEOUT_MS = 15000;

export interface ProbeQemuCapsOptions {
  /** Folder for the JSON cache (created if missing). Without it only the in-memory memo is used. */
  cacheDir?: string;
  /** Boot a test guest under KVM to decide accels.kvm (default true; up to ~3 s, cached). */
  kvmProbe?: boolean;
}

/** What identifies the binary: a new package (size or mtime) means a new probe. */
interface BinaryKey { format: number; binary: string; size: number; mtimeMs: number }
/** What decides whether KVM works: the kernel, the device node (recreated per boot or module load), the user. */
interface KvmKey { release: string; kvmDevice: boolean; kvmCtimeMs: number; bootId: string; uid: number }

type BaseCaps = Omit<QemuCaps, 'accels'>;
interface CacheEntry {
  key: BinaryKey;
  caps: BaseCaps;
  kvm?: { key: KvmKey; result: KvmProbeResult };
}

/** by binary path */
const memo = new Map<string, CacheEntry>();
/** cache file -> the entry it holds (as read or written by us), to skip needless writes */
const onDisk = new Map<string, CacheEntry>();
const locks = new Map<string, Promise<unknown>>();

/** Forgets the in-memory memo (tests; or after an upgrade noticed some other way). */
export function clearQemuCapsMemo(): void {
  memo.clear();
  onDisk.clear();
}

export async function probeQemuCaps(binary = DEFAULT_QEMU_BINARY, opts: ProbeQemuCapsOptions = {}): Promise<QemuCaps> {
  // One probe per binary at a time: concurrent callers wait and then hit the memo.
  const prev = locks.get(binary) ?? Promise.resolve();
  const mine = prev.catch(() => {}).then(() => probeLocked(binary, opts));
  locks.set(binary, mine);
  try {
    return await mine;
  } finally {
    if (locks.get(binary) === mine) locks.delete(binary);
  }
}

async function probeLocked(binary: string, opts: ProbeQemuCapsOptions): Promise<QemuCaps> {
  const key = await binaryKey(binary);
  const cacheFile = opts.cacheDir ? join(opts.cacheDir, cacheFileName(binary)) : undefined;
  let entry = memo.get(binary);
  if (entry && !sameKey(entry.key, key)) entry = undefined;
  if (!entry && cacheFile) {
    entry = await readCache(cacheFile, key);
    if (entry) onDisk.set(cacheFile, entry);
  }
  if (!entry) entry = { key, caps: await probeBinary(binary) };
  const wantKvm = opts.kvmProbe ?? true;
  if (wantKvm) {
    const kkey = kvmKey();
    if (!entry.kvm || !sameKey(entry.kvm.key, kkey)) {
      entry = { ...entry, kvm: { key: kkey, result: await probeKvm(binary) } };
    }
  }
  memo.set(binary, entry);
  if (cacheFile && onDisk.get(cacheFile) !== entry) {
    await writeCache(cacheFile, entry);
    onDisk.set(cacheFile, entry);
  }
  const kvm = wantKvm ? entry.kvm!.result : { usable: false, reason: 'KVM was not probed' };
  const caps: QemuCaps = { ...entry.caps, accels: { tcg: true, kvm: kvm.usable } };
  if (!kvm.usable) caps.accels.kvmReason = kvm.reason;
  return structuredClone(caps);
}

/** The machine type QEMU uses without -machine (e.g. pc-i440fx-7.2), if any. */
export function defaultMachine(caps: QemuCaps): string | undefined {
  return caps.machines.find((m) => m.isDefault)?.name;
}

/** Finds a machine type by name or alias ("pc", "q35"); undefined when the binary lacks it. */
export function findMachine(caps: QemuCaps, nameOrAlias: string): QemuMachineType | undefined {
  return caps.machines.find((m) => m.name === nameOrAlias) ?? caps.machines.find((m) => m.alias === nameOrAlias);
}

export function hasDevice(caps: QemuCaps, type: string): boolean {
  return caps.devices.includes(type);
}

// ---- keys and cache file ----

async function binaryKey(binary: string): Promise<BinaryKey> {
  try {
    const st = await fs.stat(binary);
    if (!st.isFile()) throw new TsvirtError('no-support', `QEMU binary ${binary} is not a file`);
    return { format: CACHE_FORMAT, binary, size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    if (e instanceof TsvirtError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TsvirtError('no-support', `QEMU binary ${binary} not found`);
    throw new TsvirtError('system-error', `cannot read QEMU binary ${binary}: ${(e as Error).message}`);
  }
}

function kvmKey(): KvmKey {
  let kvmDevice = false;
  let kvmCtimeMs = 0;
  try {
    kvmCtimeMs = statSync('/dev/kvm').ctimeMs;
    kvmDevice = true;
  } catch { /* absent */ }
  let bootId = '';
  try { bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { /* not Linux */ }
  return { release: release(), kvmDevice, kvmCtimeMs, bootId, uid: process.getuid?.() ?? -1 };
}

function sameKey(a: object, b: object): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function cacheFileName(binary: string): string {
  const h = createHash('sha256').update(binary).digest('hex').slice(0, 16);
  return `${basename(binary).replace(/[^A-Za-z0-9._-]/g, '_')}-${h}.json`;
}

async function readCache(file: string, key: BinaryKey): Promise<CacheEntry | undefined> {
  try {
    const e = JSON.parse(await fs.readFile(file, 'utf8')) as CacheEntry;
    if (!e || !e.key || !sameKey(e.key, key) || !e.caps || !Array.isArray(e.caps.machines)) return undefined;
    return e;
  } catch {
    return undefined; // missing or unreadable: probe again and rewrite it
  }
}

async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  try {
    await fs.mkdir(join(file, '..'), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(entry, null, 1) + '\n', 0o644);
  } catch {
    // A cache we cannot write only costs a probe next time.
  }
}

// ---- the probe itself ----

async function probeBinary(binary: string): Promise<BaseCaps> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-caps-'));
  const sock = join(dir, 'qmp.sock');
  const args = [
    '-S', '-no-user-config', '-nodefaults', '-nographic', '-machine', 'none', '-accel', 'tcg',
    '-qmp', `unix:${sock.replace(/,/g, ',,')},server=on,wait=off`,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => { if (stderr.length < 8192) stderr += s; });
  const exited = new Promise<void>((resolve) => {
    child.on('close', () => resolve());
    child.on('error', () => resolve());
  });
  const abort = new AbortController();
  let spawnError: Error | undefined;
  child.on('error', (e) => { spawnError = e; abort.abort(e); });
  let exitHow: string | undefined;
  child.on('exit', (code, signal) => {
    exitHow = signal ? `killed by ${signal}` : `exit code ${code}`;
    abort.abort(new Error(`QEMU exited (${exitHow})`));
  });
  const failure = (why: string) => {
    const detail = stderr.trim() ? `: ${stderr.trim().slice(0, 500)}` : '';
    return new TsvirtError('operation-failed', `probing ${binary} failed: ${why}${detail}`);
  };

  let mon: QmpMonitor | undefined;
  try {
    try {
      mon = await QmpMonitor.connect(sock, { timeoutMs: PROBE_TIMEOUT_MS, retryUntilMs: PROBE_TIMEOUT_MS, signal: abort.signal });
    } catch (e) {
      if (spawnError) throw failure(`cannot run it (${spawnError.message})`);
      await Promise.race([exited, sleep(200)]); // let stderr arrive
      throw failure(exitHow ? `it exited (${exitHow}) before its QMP monitor was ready` : (e as Error).message);
    }
    const o = { timeoutMs: PROBE_TIMEOUT_MS };
    const [version, target, machines, devices, cpus] = await Promise.all([
      qmp.queryVersion(mon, o),
      qmp.queryTarget(mon, o),
      qmp.queryMachines(mon, o),
      qmp.qomListTypes(mon, { implements: 'device', abstract: false }, o),
      qmp.queryCpuDefinitions(mon, o),
    ]);
    await qmp.quit(mon, o).catch(() => {}); // QEMU may close the socket before the reply arrives
    const nameArch = /^qemu-system-(.+)$/.exec(basename(binary))?.[1];
    const caps: BaseCaps = {
      binary,
      version: { major: version.qemu.major, minor: version.qemu.minor, micro: version.qemu.micro },
      arch: nameArch ?? target.arch,
      machines: machines.map(toMachine).sort((a, b) => a.name.localeCompare(b.name)),
      devices: devices.map((d) => d.name).sort(),
      cpuModels: cpus.map((c) => c.name).sort(),
    };
    const pkg = version.package.trim();
    if (pkg) caps.package = pkg;
    await Promise.race([exited, sleep(2000)]);
    return caps;
  } catch (e) {
    if (e instanceof TsvirtError && e.message.startsWith(`probing ${binary}`)) throw e;
    throw failure((e as Error).message);
  } finally {
    mon?.close();
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(2000)]);
    }
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function toMachine(m: qmp.QmpMachineInfo): QemuMachineType {
  const out: QemuMachineType = { name: m.name };
  if (m.alias) out.alias = m.alias;
  if (m['is-default']) out.isDefault = true;
  if (typeof m['cpu-max'] === 'number') out.cpuMax = m['cpu-max'];
  if (m.deprecated) out.deprecated = true;
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
