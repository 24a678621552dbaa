// Internal snapshots of qcow2 disks (libvirt's location='internal'): a running domain's
// memory and disks through QMP snapshot-save/-load/-delete jobs, a shut-off domain's disks
// through qemu-img snapshot -c/-a/-d.
import type { Disk, Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';
import { diskAlias } from './argv-disk.js';
import * as qmp from './qmp-commands.js';
import * as qs from './qmp-snapshot.js';
import type { QemuVm } from './vm.js';

const POLL_MS = 20;

/** the path of a local file or block disk (internal snapshots need one) */
export function diskPath(d: Disk): string | undefined {
  return d.type === 'file' ? d.source?.file : d.type === 'block' ? d.source?.dev : undefined;
}

/** libvirt's check (qemuSnapshotPrepare): internal snapshots only of qcow2 images */
export function checkInternalDisk(d: Disk): void {
  const fmt = d.driver?.type ?? 'raw';
  if (fmt !== 'qcow2') throw new TsvirtError('config-unsupported', `internal snapshot for disk ${d.target.dev} unsupported for storage type ${fmt}`);
  if (!diskPath(d)) throw new TsvirtError('config-unsupported', `internal snapshot for disk ${d.target.dev} unsupported for storage type ${d.type}`);
}

/** The qcow2 format node of each disk (libvirt-N-format under any filter nodes on top). */
async function formatNodes(vm: QemuVm, disks: Disk[]): Promise<string[]> {
  const blocks = await qmp.queryBlock(vm.monitor);
  return disks.map((d) => {
    const id = d.alias ?? diskAlias(d);
    const b = blocks.find((x) => x.qdev === id || x.qdev?.includes(`/peripheral/${id}/`) || x.qdev?.endsWith(`/peripheral/${id}`));
    const top = b?.inserted?.['node-name'];
    if (!top) throw new TsvirtError('operation-failed', `disk '${d.target.dev}' has no medium in QEMU`);
    const m = /^(libvirt-\d+)-/.exec(top);
    return m ? `${m[1]}-format` : top;
  });
}

/** Runs a snapshot job to its end and dismisses it; a failed job rejects with QEMU's error. */
async function runJob(vm: QemuVm, jobId: string, start: () => Promise<void>): Promise<void> {
  await start();
  for (;;) {
    const job = (await qs.queryJobs(vm.monitor)).find((j) => j.id === jobId);
    if (!job) throw new TsvirtError('operation-failed', `snapshot job '${jobId}' vanished`);
    if (job.status === 'concluded') {
      await qs.jobDismiss(vm.monitor, jobId).catch(() => undefined);
      if (job.error) throw new TsvirtError('operation-failed', job.error);
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

let seq = 0;
const jobId = (what: string) => `snapshot-${what}-${process.pid}-${++seq}`;

/** Snapshot `tag` of the running VM: memory into the first disk, every disk listed. */
export async function saveRunning(vm: QemuVm, tag: string, disks: Disk[]): Promise<void> {
  const nodes = await formatNodes(vm, disks);
  // QEMU stops the vCPUs for the save and runs them again after: a pause for the snapshot
  if (vm.state === 'running') vm.expectStopFor('snapshot', 'paused');
  const id = jobId('save');
  try {
    await runJob(vm, id, () => qs.snapshotSave(vm.monitor, id, tag, nodes[0], nodes));
  } finally {
    vm.clearExpectedStop();
  }
}

/** Loads snapshot `tag` (memory and disks) into the running VM; QEMU runs the vCPUs again if they ran. */
export async function loadRunning(vm: QemuVm, tag: string, disks: Disk[]): Promise<void> {
  const nodes = await formatNodes(vm, disks);
  const id = jobId('load');
  await runJob(vm, id, () => qs.snapshotLoad(vm.monitor, id, tag, nodes[0], nodes));
}

export async function deleteRunning(vm: QemuVm, tag: string, disks: Disk[]): Promise<void> {
  const nodes = await formatNodes(vm, disks);
  const id = jobId('delete');
  await runJob(vm, id, () => qs.snapshotDelete(vm.monitor, id, tag, nodes));
}

/** qemu-img snapshot on every disk of a shut-off domain: -c create, -a apply, -d delete. */
export async function offline(op: 'create' | 'apply' | 'delete', tag: string, disks: Disk[]): Promise<void> {
  const flag = { create: '-c', apply: '-a', delete: '-d' }[op];
  for (const d of disks) {
    try {
      await runOk('qemu-img', ['snapshot', flag, tag, diskPath(d)!]);
    } catch (e) {
      // delete goes on (the snapshot may be gone from one image already), the others fail
      if (op !== 'delete') throw new TsvirtError('operation-failed', `qemu-img snapshot ${flag} ${tag} ${diskPath(d)}: ${(e as Error).message}`);
    }
  }
}

/** the domain's disks an internal snapshot covers: writable disks with a medium */
export function snapshotDisks(def: Domain): Disk[] {
  return def.devices.disks.filter((d) => d.device !== 'cdrom' && d.device !== 'floppy' && !d.readonly && d.snapshot !== 'no' && d.source);
}
