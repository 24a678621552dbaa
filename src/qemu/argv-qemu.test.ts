// Proves the golden argv is real: each golden case (paths moved into a temp folder, image and
// nvram files created there) is given to the real qemu-system-x86_64, which must start paused
// (-S), answer QMP, and own every -device id the argv names. Then QEMU is told to quit and is
// killed by pid if it does not. Left out: disk-block (needs a real block device), hostdev-vfio
// (needs a bound VFIO device), cpu-host-passthrough-kvm (KVM is not usable here); tap-backed
// interfaces are switched to user networking, as a test has no tap fds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';
import { buildQemuArgv } from './argv.js';
import { QmpMonitor } from './qmp-monitor.js';
import { runOk } from '../util/spawn.js';
import { UndoStack } from '../util/undo.js';
import { startVirtiofsds } from './virtiofsd.js';
import { goldenCases, goldenCaps, goldenCtx, goldenDomain } from '../../test/golden/golden.js';

const QEMU = process.env.TSVIRT_TEST_QEMU ?? '/usr/bin/qemu-system-x86_64';
const SKIP = new Set(['disk-block', 'hostdev-vfio', 'cpu-host-passthrough-kvm',
  // host USB/TPM/vhost devices, an NSS smartcard, an ivshmem-server or an swtpm socket: absent here
  'hostdev-usb', 'hostdev-usb-guestreset', 'hostdev-mdev-vhost-scsi', 'usb-smartcard-certs', 'tpm-passthrough', 'tpm-external-crb', 'shmem-doorbell', 'vsock-cid',
  'input-evdev']); // a host /dev/input/event device
const GUEST_DIR = process.env.TSVIRT_GUEST_DIR ?? new URL('../../.cache/test-guest', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Moves every host path of the domain into `dir`, creating the files QEMU opens. */
async function localize(dom: Domain, ctx: ArgvContext, dir: string, servers: net.Server[], cleanup: UndoStack): Promise<ArgvContext> {
  const moved = (p: string) => join(dir, basename(p));
  await fs.mkdir(join(dir, 'log'));
  const out: ArgvContext = {
    ...ctx, monitorPath: join(dir, 'monitor.sock'), pidfilePath: join(dir, 'qemu.pid'),
    logDir: join(dir, 'log'), channelDir: dir, vncPorts: [(await freePort()) - 5900],
  };
  const image = async (path: string, format: string) => {
    if (format === 'qcow2') await runOk('qemu-img', ['create', '-q', '-f', 'qcow2', path, '1M']);
    else await fs.writeFile(path, Buffer.alloc(1024 * 1024));
  };
  for (const [i, disk] of dom.devices.disks.entries()) {
    const fmt = disk.driver?.type ?? 'raw';
    if (disk.type === 'volume') {
      out.resolvedDiskPaths = { ...out.resolvedDiskPaths, [i]: join(dir, `vol${i}.${fmt}`) };
      await image(out.resolvedDiskPaths[i], fmt);
    } else if (disk.source?.file) {
      disk.source.file = moved(disk.source.file);
      await image(disk.source.file, fmt);
    }
  }
  if (dom.os.kernel) {
    dom.os.kernel = join(GUEST_DIR, 'vmlinuz');
    if (dom.os.initrd) dom.os.initrd = join(GUEST_DIR, 'initrd.img');
  }
  if (dom.os.nvram?.path) {
    dom.os.nvram.path = moved(dom.os.nvram.path);
    await fs.copyFile(dom.os.nvram.template!, dom.os.nvram.path);
  }
  for (const m of dom.devices.memories ?? []) { // nvdimm / virtio-pmem backing files (sparse)
    if (m.source?.path) await fs.truncate(m.source.path = moved(m.source.path), 0).catch(() => fs.writeFile(m.source!.path!, '')).then(() => fs.truncate(m.source!.path!, m.target.size * 1024));
  }
  const egd = dom.devices.rngs.flatMap((r) => (r.backend.model === 'egd' ? [r.backend.chardev] : [])); // an rng's entropy daemon socket
  for (const c of [...dom.devices.serials, ...dom.devices.consoles, ...dom.devices.channels, ...egd]) {
    if (c.log) c.log.file = moved(c.log.file);
    if (!c.source?.path || c.type === 'pty') continue;
    c.source.path = moved(c.source.path);
    if (c.type === 'unix' && c.source.mode === 'connect') {
      const srv = net.createServer((s) => s.on('error', () => {}));
      await new Promise<void>((r) => srv.listen(c.source!.path!, r));
      servers.push(srv);
    }
  }
  for (const g of dom.devices.graphics) {
    for (const l of g.listens) {
      if (l.socket) l.socket = moved(l.socket);
      if (l.address) l.address = '127.0.0.1';
    }
    if (g.port !== undefined && g.port > 0) g.port = await freePort();
    if (g.websocket !== undefined) g.websocket = await freePort();
  }
  for (const iface of dom.devices.interfaces) if (iface.type !== 'user') Object.assign(iface, { type: 'user', source: undefined });
  // <filesystem>: source folders in `dir`; every virtiofs share (an external-socket one too) gets a real virtiofsd
  for (const f of dom.devices.filesystems ?? []) {
    if (f.source?.socket !== undefined) f.source = { dir: f.source.socket };
    if (f.source?.dir) await fs.mkdir((f.source.dir = moved(f.source.dir)), { recursive: true });
  }
  await startVirtiofsds(dom, dir, join(dir, 'log', 'qemu.log'), cleanup);
  return out;
}

/** Runs QEMU with the argv; resolves with the ids under /machine/peripheral once QMP answers. */
async function startAndInspect(argv: string[], ctx: ArgvContext): Promise<{ ids: string[]; status: string }> {
  const child = spawn(QEMU, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const pid = child.pid!;
  const ac = new AbortController();
  child.once('exit', () => ac.abort(new Error(`QEMU exited: ${stderr.trim()}`)));
  let mon: QmpMonitor | undefined;
  try {
    mon = await QmpMonitor.connect(ctx.monitorPath, { timeoutMs: 15_000, retryUntilMs: 15_000, signal: ac.signal });
    const list = await mon.execute<Array<{ name: string }>>('qom-list', { path: '/machine/peripheral' });
    const status = await mon.execute<{ status: string }>('query-status');
    await mon.execute('quit').catch(() => {});
    return { ids: list.map((x) => x.name), status: status.status };
  } catch (e) {
    await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
    throw new Error(`QEMU did not accept the argv: ${stderr.trim() || (e as Error).message}`);
  } finally {
    mon?.close();
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 2000);
    if (child.exitCode === null && child.signalCode === null) {
      if (!mon) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      await exited;
    }
    clearTimeout(timer);
  }
}

for (const name of goldenCases()) {
  const dom0 = goldenDomain(name);
  const why = SKIP.has(name) ? 'needs host hardware or KVM'
    : dom0.os.kernel && !existsSync(join(GUEST_DIR, 'vmlinuz')) ? `no test kernel in ${GUEST_DIR} (npm run guest)` : undefined;
  test(`real QEMU accepts the argv of ${name}`, { skip: why }, async (t) => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-argv-'));
    const servers: net.Server[] = [];
    const cleanup = new UndoStack();
    t.after(async () => {
      for (const s of servers) s.close();
      await cleanup.run();
      await fs.rm(dir, { recursive: true, force: true });
    });
    const dom = structuredClone(dom0);
    // QEMU makes an ivshmem-plain's /dev/shm file: remove the ones this test made
    for (const s of dom.devices.shmems ?? []) {
      const file = `/dev/shm/${s.name}`;
      if (!existsSync(file)) cleanup.push(() => fs.rm(file, { force: true }));
    }
    const ctx = await localize(dom, goldenCtx(name), dir, servers, cleanup);
    const argv = buildQemuArgv(dom, goldenCaps, ctx);
    const { ids, status } = await startAndInspect(argv, ctx);
    assert.equal(status, 'prelaunch', 'QEMU started with -S stays paused before the guest runs');
    // USB companion controllers have no id to look for
    const deviceIds = argv.filter((_, i) => argv[i - 1] === '-device').map((a) => JSON.parse(a).id as string | undefined).filter((id) => id !== undefined);
    for (const id of deviceIds) assert.ok(ids.includes(id), `device ${id} is missing in QEMU (has ${ids.join(', ')})`);
  });
}
