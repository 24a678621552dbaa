// QMP commands of internal snapshots (QEMU 7.2: snapshot-save/-load/-delete run as jobs) and
// the job queries they need. Only this layer knows the command names.
import type { QmpMonitor, QmpExecuteOptions } from './qmp-monitor.js';

type Mon = Pick<QmpMonitor, 'execute'>;
type Opts = QmpExecuteOptions;

/** Saves the VM state into node `vmstate` and a snapshot `tag` in every node of `devices`. */
export async function snapshotSave(mon: Mon, jobId: string, tag: string, vmstate: string, devices: string[], opts?: Opts): Promise<void> {
  await mon.execute('snapshot-save', { 'job-id': jobId, tag, vmstate, devices }, opts);
}

export async function snapshotLoad(mon: Mon, jobId: string, tag: string, vmstate: string, devices: string[], opts?: Opts): Promise<void> {
  await mon.execute('snapshot-load', { 'job-id': jobId, tag, vmstate, devices }, opts);
}

export async function snapshotDelete(mon: Mon, jobId: string, tag: string, devices: string[], opts?: Opts): Promise<void> {
  await mon.execute('snapshot-delete', { 'job-id': jobId, tag, devices }, opts);
}

export interface QmpJobInfo {
  id: string;
  type: string;
  /** created, running, paused, ready, standby, waiting, pending, aborting, concluded, null */
  status: string;
  'current-progress': number;
  'total-progress': number;
  error?: string;
}

export function queryJobs(mon: Mon, opts?: Opts): Promise<QmpJobInfo[]> {
  return mon.execute<QmpJobInfo[]>('query-jobs', undefined, opts);
}

export async function jobDismiss(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('job-dismiss', { id }, opts);
}

/** An atomic group of actions, e.g. blockdev-snapshot of every disk (all switch or none). */
export async function transaction(mon: Mon, actions: Array<{ type: string; data: Record<string, unknown> }>, opts?: Opts): Promise<void> {
  await mon.execute('transaction', { actions }, opts);
}
