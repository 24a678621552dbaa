// Raw QEMU halves of the migration and save/restore rows: the counter guest started directly
// (optionally as a `-incoming defer` destination), a live migration over TCP by hand, and a
// save to / restore from a file through a unix socket (what libvirt and tsvirt do underneath).
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import * as net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { guestCmdline, type TestGuest } from '../test/e2e/guest.js';
import { RawQemu } from './rawqemu.js';
import { until } from './stats.js';

/** The counter guest under raw QEMU; with `incoming`, paused waiting for migrate-incoming; with `disk`, a qcow2 data disk. */
export class RawCounterQemu extends RawQemu {
  constructor(dir: string, name: string, guest: TestGuest, private readonly incoming = false, private readonly disk?: string) {
    super(dir, name, guest);
    this.contOnStart = !incoming;
  }

  protected override argv(): string[] {
    const a = super.argv();
    // the same words as counterDomainXml's (which names its data disk vdb)
    a[a.indexOf('-append') + 1] = guestCmdline(`tsvirt.counter=10${this.disk ? ' tsvirt.counterdisk=vdb' : ''}`);
    const disk = this.disk ? ['-drive', `file=${this.disk},if=none,id=drive-vdb,format=qcow2`, '-device', 'virtio-blk-pci,drive=drive-vdb'] : [];
    return [...a, ...disk, ...(this.incoming ? ['-incoming', 'defer'] : [])];
  }

  /** an HMP command (savevm/loadvm: what libvirt 9.0 runs for internal snapshots); throws on an error text */
  async hmp(line: string): Promise<string> {
    const out = String(await this.cmd('human-monitor-command', { 'command-line': line }));
    if (/error|fail/i.test(out)) throw new Error(`${line}: ${out.trim()}`);
    return out;
  }

  /** polls query-migrate until the stream ended; the final answer (throws unless completed) */
  async migrationEnd(): Promise<any> {
    for (;;) {
      const r = await this.cmd('query-migrate');
      if (r.status === 'completed') return r;
      if (r.status === 'failed' || r.status === 'cancelled') throw new Error(`migration ${r.status}: ${r['error-desc'] ?? ''}`);
      await new Promise((res) => setTimeout(res, 2));
    }
  }

  /** a destination: waits until the incoming stream has been loaded (leaves inmigrate) */
  async incomingDone(): Promise<void> {
    await until(`${this.name} to finish the incoming migration`, async () => (await this.cmd('query-status')).status !== 'inmigrate', 120_000, 2);
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX (MiB/s) in bytes/s */
export const UNLIMITED_BYTES_PER_S = 8796093022207 * 1024 * 1024;

export interface RawMigration {
  /** destination spawn to destination running (what a `virsh migrate` also has to do) */
  totalMs: number;
  /** the `migrate` command to destination running */
  streamMs: number;
  downtimeMs: number;
}

/** Live migration src -> dst (a new incoming QEMU, not yet started), then `cont` there. */
export async function rawMigrate(src: RawCounterQemu, dst: RawCounterQemu): Promise<RawMigration> {
  const t0 = performance.now();
  const uri = `tcp:127.0.0.1:${await freePort()}`;
  await dst.start();
  await dst.cmd('migrate-incoming', { uri });
  // libvirt's (and tsvirt's) unlimited speed; QEMU's own default is 32 MiB/s
  await src.cmd('migrate-set-parameters', { 'max-bandwidth': UNLIMITED_BYTES_PER_S });
  const t1 = performance.now();
  await src.cmd('migrate', { uri });
  const end = await src.migrationEnd();
  await dst.incomingDone();
  await dst.cmd('cont');
  const t2 = performance.now();
  return { totalMs: t2 - t0, streamMs: t2 - t1, downtimeMs: Number(end.downtime) };
}

/** Save (as virsh save does): pause, migrate into `file` through a unix socket, quit. ms */
export async function rawSave(vm: RawCounterQemu, file: string): Promise<number> {
  const sock = path.join(vm.dir, `${vm.name}.save.sock`);
  rmSync(sock, { force: true });
  const t0 = performance.now();
  const out = createWriteStream(file);
  const written = new Promise<void>((resolve, reject) => { out.once('finish', resolve); out.once('error', reject); });
  const server = net.createServer((c) => c.pipe(out));
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await vm.cmd('stop');
    await vm.cmd('migrate', { uri: `unix:${sock}` });
    await vm.migrationEnd();
    await written;
    await vm.quit();
  } finally {
    server.close();
    rmSync(sock, { force: true });
  }
  return performance.now() - t0;
}

/** Restore: start a `-incoming defer` QEMU, stream `file` into it, `cont`. ms (spawn included) */
export async function rawRestore(vm: RawCounterQemu, file: string): Promise<number> {
  const sock = path.join(vm.dir, `${vm.name}.restore.sock`);
  rmSync(sock, { force: true });
  const t0 = performance.now();
  await vm.start();
  await vm.cmd('migrate-incoming', { uri: `unix:${sock}` });
  await until(`${sock} to listen`, async () => new Promise<boolean>((resolve) => {
    const c = net.createConnection({ path: sock });
    c.once('connect', () => { createReadStream(file).pipe(c); resolve(true); });
    c.once('error', () => resolve(false));
  }), 30_000, 1);
  await vm.incomingDone();
  await vm.cmd('cont');
  rmSync(sock, { force: true });
  return performance.now() - t0;
}
