// Disks copied along with a migration (virsh migrate --copy-storage-all), as libvirt's
// qemuMigrationDstStartNBDServer / qemuMigrationSrcNBDStorageCopy: the destination QEMU
// exports each disk over NBD (writable) while it waits for the memory stream, the source
// mirrors each disk into its export and, once all mirrors are ready, migrates the memory;
// at the switch-over (the source paused) the mirrors are cancelled in sync.
import type { Disk } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { diskFormatNodeOf, imageChain } from './block-job-flows.js';
import { cancelJob, dismissIfConcluded, startMirror, waitForJob } from './block-jobs.js';
import type { QmpMonitor } from './qmp-monitor.js';

/** the disks a copy-storage migration moves: writable file-backed disks */
export function copiedDisks(disks: Disk[]): Disk[] {
  return disks.filter((d) => d.device === 'disk' && d.type === 'file' && !!d.source?.file && !d.readonly && !d.shareable);
}

const exportName = (d: Disk) => `drive-${d.target.dev}`;
const clientNode = (d: Disk) => `migration-${d.target.dev}-storage`;
const jobId = (d: Disk) => `drive-mirror-${d.target.dev}`;

/** Destination: nbd-server-start on host:port and one writable export per disk. */
export async function startNbdExports(mon: QmpMonitor, disks: Disk[], host: string, port: number): Promise<void> {
  await mon.execute('nbd-server-start', { addr: { type: 'inet', data: { host, port: String(port) } } });
  try {
    for (const d of disks) {
      const node = await diskFormatNodeOf(mon, d);
      await mon.execute('block-export-add', { type: 'nbd', id: exportName(d), 'node-name': node, name: exportName(d), writable: true });
    }
  } catch (e) {
    await stopNbdExports(mon).catch(() => undefined);
    throw e;
  }
}

/** Destination: the server and its exports go (QEMU drops the exports with the server). */
export async function stopNbdExports(mon: QmpMonitor): Promise<void> {
  await mon.execute('nbd-server-stop');
}

export interface Mirrors {
  disks: Disk[];
  /** cancel in sync (switch-over) or abandon (failure); drops the NBD client nodes */
  finish(): Promise<void>;
}

/**
 * Source: an NBD client node per disk and a full mirror into it; resolves when every mirror
 * is ready (the copy in sync, writes going to both sides).
 */
export async function mirrorToNbd(mon: QmpMonitor, disks: Disk[], host: string, port: number, o: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<Mirrors> {
  const added: Disk[] = [];
  const started: Disk[] = [];
  const finish = async () => {
    for (const d of started) {
      await cancelJob(mon, jobId(d)).catch(() => undefined);
      await waitForJob(mon, jobId(d), 'concluded').catch(() => undefined);
      await dismissIfConcluded(mon, jobId(d)).catch(() => undefined);
    }
    for (const d of added) await mon.execute('blockdev-del', { 'node-name': clientNode(d) }).catch(() => undefined);
  };
  try {
    for (const d of disks) {
      await mon.execute('blockdev-add', {
        driver: 'nbd', 'node-name': clientNode(d), server: { type: 'inet', host, port: String(port) }, export: exportName(d),
      });
      added.push(d);
      await startMirror(mon, { jobId: jobId(d), device: await diskFormatNodeOf(mon, d), target: clientNode(d), sync: 'full' });
      started.push(d);
    }
    const progress = new Map<string, [number, number]>();
    await Promise.all(disks.map((d) => waitForJob(mon, jobId(d), 'ready', {
      signal: o.signal,
      onProgress: (j) => {
        progress.set(d.target.dev, [j.offset ?? 0, j.len ?? 0]);
        let done = 0;
        let total = 0;
        for (const [a, b] of progress.values()) { done += a; total += b; }
        o.onProgress?.(done, total);
      },
    })));
  } catch (e) {
    await finish();
    if (e instanceof TsvirtError) throw e;
    throw new TsvirtError('operation-failed', `copying the disks to the destination: ${(e as Error).message}`);
  }
  return { disks, finish };
}

/** Source: what the destination needs to make each copied disk's image (virtual size, format). */
export async function describeCopiedDisks(mon: QmpMonitor, disks: Disk[]): Promise<Array<{ dev: string; size: number; format: string }>> {
  const out: Array<{ dev: string; size: number; format: string }> = [];
  for (const d of disks) {
    const top = (await imageChain(mon, await diskFormatNodeOf(mon, d)))[0];
    out.push({ dev: d.target.dev, size: top?.size ?? 0, format: top?.format ?? d.driver?.type ?? 'raw' });
  }
  return out;
}
