// The peer: Debian's libvirt. Installs it when missing (bench/deps.txt), starts virtlogd and
// libvirtd by hand when they are not running (no systemd here), and stops only the daemons
// it started, by pid. VirshShell keeps one virsh (one libvirt connection) open so that a
// command's latency is libvirt's, not virsh's process start.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/util/spawn.js';
import { until } from './stats.js';

export const LIBVIRT_URI = 'qemu:///system';
const HERE = path.dirname(fileURLToPath(import.meta.url));

function missingPackages(): Promise<string[]> {
  const wanted = readFileSync(path.join(HERE, 'deps.txt'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return Promise.all(wanted.map(async (p) => {
    const r = await run('dpkg-query', ['-W', '-f=${Status}', p]);
    return r.stdout.includes('install ok installed') ? '' : p;
  })).then((l) => l.filter(Boolean));
}

export async function ensurePackages(log: (s: string) => void): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} ...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 600_000 });
  if (r.code !== 0) {
    await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
    r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 600_000 });
  }
  if (r.code !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed: ${r.stderr.slice(-1500)}`);
}

function alivePid(pidFile: string, comm: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) return pid;
  } catch { /* not running */ }
  return null;
}

function runningByComm(comm: string): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) return Number(d); } catch { /* gone */ }
  }
  return null;
}

export interface LibvirtDaemons {
  libvirtdPid: number;
  /** pids this run started (and so stops) */
  started: number[];
}

async function ensureDaemon(bin: string, pidFile: string, started: number[]): Promise<number> {
  const have = alivePid(pidFile, bin) ?? runningByComm(bin);
  if (have) return have;
  const r = await run(bin, ['-d'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${bin} -d failed: ${r.stderr.trim()}`);
  let pid: number | null = null;
  await until(`${bin} to write ${pidFile}`, () => (pid = alivePid(pidFile, bin)) !== null, 10_000, 20);
  started.push(pid!);
  return pid!;
}

export async function startLibvirt(): Promise<LibvirtDaemons> {
  const started: number[] = [];
  await ensureDaemon('virtlogd', '/run/virtlogd.pid', started);
  const libvirtdPid = await ensureDaemon('libvirtd', '/run/libvirtd.pid', started);
  await until('libvirtd to answer', async () => (await run('virsh', ['-c', LIBVIRT_URI, 'uri'])).code === 0, 30_000, 50);
  return { libvirtdPid, started };
}

export async function stopStarted(d: LibvirtDaemons): Promise<void> {
  // libvirtd first: it holds virtlogd connections
  for (const pid of [...d.started].reverse()) {
    try { process.kill(pid, 'SIGTERM'); } catch { continue; }
    try { await until(`pid ${pid} to exit`, () => !existsSync(`/proc/${pid}`), 15_000, 20); } catch {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

/** virsh with `cmds` on stdin (one connection for all of them) */
export function virshBatch(cmds: string[], timeoutMs = 600_000) {
  return run('virsh', ['-c', LIBVIRT_URI], { input: cmds.join('\n') + '\n', timeoutMs });
}

/** Destroys and undefines every libvirt domain whose name starts with prefix; removes their logs. */
export async function cleanLibvirt(prefix: string): Promise<number> {
  const names = (await run('virsh', ['-c', LIBVIRT_URI, 'list', '--all', '--name'], { timeoutMs: 120_000 })).stdout
    .split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
  if (names.length) {
    const running = (await run('virsh', ['-c', LIBVIRT_URI, 'list', '--name'])).stdout.split('\n').map((s) => s.trim());
    const cmds = names.flatMap((n) => (running.includes(n) ? [`destroy ${n}`, `undefine ${n}`] : [`undefine ${n}`]));
    await virshBatch(cmds);
  }
  const logDir = '/var/log/libvirt/qemu';
  if (existsSync(logDir)) for (const f of readdirSync(logDir)) if (f.startsWith(prefix)) rmSync(path.join(logDir, f), { force: true });
  return names.length;
}

/**
 * One long-lived `virsh` reading commands from a pipe: send(cmd) writes the command and an
 * `echo` marker and resolves with the output once the marker is back.
 */
export class VirshShell {
  private child: ChildProcessWithoutNullStreams;
  private buf = '';
  private errBuf = '';
  private waiting: { marker: string; resolve: (out: string) => void } | null = null;
  private seq = 0;

  constructor(uri = LIBVIRT_URI) {
    // stdbuf: virsh's stdout is a pipe here; line buffering lets each marker through at once
    this.child = spawn('stdbuf', ['-oL', 'virsh', '-c', uri, '-q'], { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => { this.errBuf += d; });
    this.child.stdout.on('data', (d: string) => {
      this.buf += d;
      const w = this.waiting;
      if (!w) return;
      const i = this.buf.indexOf(w.marker + '\n');
      if (i < 0) return;
      const out = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + w.marker.length + 1);
      this.waiting = null;
      w.resolve(out);
    });
  }

  /** runs one virsh command line; resolves with stdout, rejects on any stderr output */
  send(cmd: string): Promise<string> {
    const marker = `__bench_${++this.seq}__`;
    this.errBuf = '';
    return new Promise((resolve, reject) => {
      this.waiting = {
        marker,
        resolve: (out) => (this.errBuf.trim() ? reject(new Error(`virsh ${cmd}: ${this.errBuf.trim()}`)) : resolve(out)),
      };
      this.child.stdin.write(`${cmd}\necho ${marker}\n`);
    });
  }

  /** ms taken by one command */
  async time(cmd: string): Promise<number> {
    const t0 = performance.now();
    await this.send(cmd);
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end('quit\n');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
