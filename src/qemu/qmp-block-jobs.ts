// QMP commands of block jobs (QEMU 7.2 schema): mirror, commit, stream, their state, speed,
// completion, cancel and dismissal. Block copy, block commit, block pull and the storage
// part of migration (--copy-storage-all) use them.
import type { QmpMonitor, QmpExecuteOptions } from './qmp-monitor.js';

type Mon = Pick<QmpMonitor, 'execute'>;
type Opts = QmpExecuteOptions;

/** One entry of query-block-jobs */
export interface QmpBlockJob {
  type: string;
  device: string;
  len: number;
  offset: number;
  busy: boolean;
  paused: boolean;
  speed: number;
  'io-status'?: string;
  ready: boolean;
  /** undefined, created, running, paused, ready, standby, waiting, pending, aborting, concluded, null */
  status: string;
  'auto-finalize'?: boolean;
  'auto-dismiss'?: boolean;
  error?: string;
}

export function queryBlockJobs(mon: Mon, opts?: Opts): Promise<QmpBlockJob[]> {
  return mon.execute<QmpBlockJob[]>('query-block-jobs', undefined, opts);
}

/** Job options common to mirror, commit and stream; tsvirt dismisses jobs itself. */
type JobOpts = {
  'job-id': string;
  speed?: number;
  'auto-finalize'?: boolean;
  'auto-dismiss'?: boolean;
};

export async function blockdevMirror(mon: Mon, args: JobOpts & {
  device: string; target: string; sync: 'full' | 'top' | 'none'; 'replaces'?: string; granularity?: number; 'buf-size'?: number;
  'copy-mode'?: 'background' | 'write-blocking';
}, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-mirror', args, opts);
}

/** Merges `top-node` (default: the active layer's image) down into `base-node`. */
export async function blockCommit(mon: Mon, args: JobOpts & {
  device: string; 'top-node'?: string; 'base-node'?: string; 'backing-file'?: string;
}, opts?: Opts): Promise<void> {
  await mon.execute('block-commit', args, opts);
}

/** Copies the data of the backing chain (down to, not including, `base-node`) into `device`. */
export async function blockStream(mon: Mon, args: JobOpts & {
  device: string; 'base-node'?: string; 'backing-file'?: string;
}, opts?: Opts): Promise<void> {
  await mon.execute('block-stream', args, opts);
}

export async function blockJobSetSpeed(mon: Mon, device: string, speed: number, opts?: Opts): Promise<void> {
  await mon.execute('block-job-set-speed', { device, speed }, opts);
}

/** `force` also cancels a mirror in the ready phase without it settling first. */
export async function blockJobCancel(mon: Mon, device: string, force?: boolean, opts?: Opts): Promise<void> {
  await mon.execute('block-job-cancel', force ? { device, force } : { device }, opts);
}

/** Ends a ready mirror or active commit: the guest switches to the target (pivot). */
export async function jobComplete(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('job-complete', { id }, opts);
}

/** Removes a concluded job that was started with auto-dismiss off. */
export async function jobDismiss(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('job-dismiss', { id }, opts);
}

/** Runs a blockdev-create job (e.g. a qcow2 image on a blockdev-add'ed file node). */
export async function blockdevCreate(mon: Mon, jobId: string, options: Record<string, unknown>, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-create', { 'job-id': jobId, options }, opts);
}

/** Re-points the guest device / node `node` so its backing is `overlay`'s (external snapshot). */
export async function blockdevSnapshot(mon: Mon, node: string, overlay: string, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-snapshot', { node, overlay }, opts);
}

/** Every node, with its image's backing chain (query-named-block-nodes without flat: 'backing-image' nested). */
export interface QmpNamedNode {
  'node-name': string;
  file: string;
  drv: string;
  'backing_file'?: string;
  'backing_file_depth'?: number;
  ro?: boolean;
  image?: { filename: string; format: string; 'backing-filename'?: string; 'full-backing-filename'?: string; 'backing-image'?: unknown };
}

export function queryNamedBlockNodes(mon: Mon, opts?: Opts): Promise<QmpNamedNode[]> {
  return mon.execute<QmpNamedNode[]>('query-named-block-nodes', { flat: false }, opts);
}
