// Test harness: a real tsvirtd in its own process with an isolated --root, and the
// real CLI pointed at it. Everything started here is stopped by stop(), by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, promises as fs, existsSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from '../../src/util/spawn.js';
import { socketAnswers } from '../../src/daemon/http-server.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** shared between test daemons so the QEMU capability (and KVM) probe runs once */
export const TEST_CACHE = path.join(REPO, '.cache', 'test-caps');

export interface TestDaemon {
  root: string;
  uri: string;
  socket: string;
  pid: number;
  /** the same daemon through libvirt's protocol: qemu+unix:///system?socket=<root>/run/tsvirt/libvirt-sock */
  libvirtUri: string;
  /** runs the stock virsh (Debian's libvirt-clients) -c libvirtUri ...args */
  virsh(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; readonly?: boolean }): Promise<RunResult>;
  /** runs bin/tsvirt -c URI ...args */
  cli(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult>;
  /** SIGKILL the daemon (QEMUs it started keep running) */
  kill(): Promise<void>;
  /** start a new daemon process on the same root */
  restart(): Promise<void>;
  /** stop the daemon, kill every QEMU whose pid is in a status file of this root, remove the root */
  stop(): Promise<void>;
  logText(): string;
}

/** `netns`: run tsvirtd (and so its QEMUs, bridges, dnsmasq) inside that network namespace (made by the caller). */
/** `args`: more tsvirtd options (e.g. --listen-http 127.0.0.1:PORT). */
export async function startTestDaemon(opts: { root?: string; netns?: string; args?: string[] } = {}): Promise<TestDaemon> {
  const root = opts.root ?? mkdtempSync(path.join(os.tmpdir(), 'tsvirt-test-'));
  const socket = path.join(root, 'run/tsvirt/tsvirtd.sock');
  const uri = `qemu+unix:///system?socket=${socket}`;
  const libvirtUri = `qemu+unix:///system?socket=${path.join(root, 'run/tsvirt/libvirt-sock')}`;
  const logFile = path.join(root, 'tsvirtd.log');
  let child: ChildProcess | undefined;
  const qemuPids = new Set<number>();

  const launch = async () => {
    await fs.mkdir(root, { recursive: true });
    await fs.rm(socket, { force: true });
    const log = await fs.open(logFile, 'a');
    // bin/tsvirtd runs the compiled daemon when dist/ is current (npm run build), else tsx
    const tsvirtd = path.join(REPO, 'bin/tsvirtd');
    const argv = ['--root', root, '--cache-dir', TEST_CACHE, ...(opts.args ?? [])];
    // `ip netns exec` and the launcher both exec: the child pid is tsvirtd's
    child = spawn(opts.netns ? 'ip' : tsvirtd, opts.netns ? ['netns', 'exec', opts.netns, tsvirtd, ...argv] : argv, {
      cwd: REPO, stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    const deadline = Date.now() + 30_000;
    // the libvirt-protocol socket is bound after the API one: wait for both
    while (!(await socketAnswers(socket)) || !(await socketAnswers(path.join(root, 'run/tsvirt/libvirt-sock')))) {
      if (child.exitCode !== null) throw new Error(`tsvirtd exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`tsvirtd did not listen within 30 s: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const collectQemuPids = () => {
    const dir = path.join(root, 'run/tsvirt/qemu');
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.xml')) continue;
      const m = /pid='(\d+)'/.exec(readFileSync(path.join(dir, f), 'utf8'));
      if (m) qemuPids.add(Number(m[1]));
    }
  };

  const stopChild = async (signal: NodeJS.Signals) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const c = child;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await exited;
    }
  };

  try {
    await launch();
  } catch (e) {
    // a daemon that did not come up leaves nothing behind either
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (!opts.root) await fs.rm(root, { recursive: true, force: true });
    throw e;
  }
  const d: TestDaemon = {
    root, uri, socket, libvirtUri,
    virsh: (args, o = {}) =>
      run('virsh', ['-c', o.readonly ? `${libvirtUri}-ro` : libvirtUri, ...(o.readonly ? ['-r'] : []), ...args], {
        input: o.input ?? '', env: { ...process.env, LC_ALL: 'C', ...o.env }, timeoutMs: o.timeoutMs ?? 60_000,
      }),
    get pid() { return child!.pid!; },
    cli: (args, o = {}) =>
      run(path.join(REPO, 'bin/tsvirt'), ['-c', uri, ...args], { input: o.input ?? '', env: { ...process.env, ...o.env }, timeoutMs: o.timeoutMs ?? 60_000 }),
    kill: async () => { collectQemuPids(); await stopChild('SIGKILL'); },
    restart: async () => { await launch(); },
    stop: async () => {
      collectQemuPids();
      await stopChild('SIGTERM');
      collectQemuPids();
      for (const pid of qemuPids) {
        // only a QEMU of this root: a pid may have been reused since
        let cmd = '';
        try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
        if (!cmd.includes(root)) continue;
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      await fs.rm(root, { recursive: true, force: true });
    },
    logText: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  return d;
}
