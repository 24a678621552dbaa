// Running one QEMU block job (mirror, commit, stream) through its phases: start it with
// auto-dismiss off (so its outcome stays readable), wait until it is ready (a mirror or
// active commit that now tracks the guest's writes) or concluded, then complete (pivot),
// cancel, and dismiss it. State comes from JOB_STATUS_CHANGE / BLOCK_JOB_* events plus polls.
import { TsvirtError } from '../util/errors.js';
import type { QmpMonitor, QmpEvent } from './qmp-monitor.js';
import * as q from './qmp-block-jobs.js';

export interface BlockJobInfo {
  id: string;
  /** mirror | commit | stream | backup */
  type: string;
  device: string;
  len: number;
  offset: number;
  speed: number;
  ready: boolean;
  status: string;
  busy: boolean;
  paused: boolean;
  /** set once a job concluded with a failure */
  error?: string;
}

export async function queryBlockJobs(mon: QmpMonitor): Promise<BlockJobInfo[]> {
  return (await q.queryBlockJobs(mon)).map((j) => ({
    id: j.device, type: j.type, device: j.device, len: j.len, offset: j.offset, speed: j.speed,
    ready: j.ready, status: j.status, busy: j.busy, paused: j.paused, ...(j.error ? { error: j.error } : {}),
  }));
}

const JOB_OPTS = { 'auto-finalize': true, 'auto-dismiss': false } as const;

/** blockdev-mirror from node `device` (a -format node name, see argv-disk.ts blockdevNodes) to node `target` */
export async function startMirror(mon: QmpMonitor, o: { jobId: string; device: string; target: string; sync: 'full' | 'top' | 'none'; speed?: number; granularity?: number; bufSize?: number }): Promise<void> {
  await q.blockdevMirror(mon, {
    'job-id': o.jobId, device: o.device, target: o.target, sync: o.sync, ...speed(o.speed), ...JOB_OPTS,
    ...(o.granularity ? { granularity: o.granularity } : {}), ...(o.bufSize ? { 'buf-size': o.bufSize } : {}),
  });
}

/**
 * block-commit of `top` (default: the active image, which makes it an active commit that
 * must be completed) into `base` (default: the bottom of the chain), below node `device`.
 */
export async function startCommit(mon: QmpMonitor, o: { jobId: string; device: string; top?: string; base?: string; backingFile?: string; speed?: number }): Promise<void> {
  await q.blockCommit(mon, {
    'job-id': o.jobId, device: o.device, ...(o.top ? { 'top-node': o.top } : {}), ...(o.base ? { 'base-node': o.base } : {}),
    ...(o.backingFile ? { 'backing-file': o.backingFile } : {}), ...speed(o.speed), ...JOB_OPTS,
  });
}

/** block-stream into node `device` of everything above `base` (default: the whole chain). */
export async function startStream(mon: QmpMonitor, o: { jobId: string; device: string; base?: string; backingFile?: string; speed?: number }): Promise<void> {
  await q.blockStream(mon, {
    'job-id': o.jobId, device: o.device, ...(o.base ? { 'base-node': o.base } : {}),
    ...(o.backingFile ? { 'backing-file': o.backingFile } : {}), ...speed(o.speed), ...JOB_OPTS,
  });
}

function speed(s: number | undefined): { speed?: number } {
  return s ? { speed: s } : {};
}

export async function setJobSpeed(mon: QmpMonitor, jobId: string, bytesPerSecond: number): Promise<void> {
  await q.blockJobSetSpeed(mon, jobId, bytesPerSecond);
}

/**
 * Waits (JOB_STATUS_CHANGE / BLOCK_JOB_READY events + polling) until the job is ready or
 * concluded. A job that fails rejects with operation-failed (QEMU's reason), one that is
 * cancelled (also by aborting `signal`, which cancels it) with operation-aborted.
 */
export async function waitForJob(
  mon: QmpMonitor, jobId: string, until: 'ready' | 'concluded',
  o: { signal?: AbortSignal; onProgress?: (j: BlockJobInfo) => void; pollMs?: number } = {},
): Promise<void> {
  let wake: () => void = () => undefined;
  let cancelled = false;
  let eventError: string | undefined;
  const onEvent = (ev: QmpEvent) => {
    const d = (ev.data ?? {}) as Record<string, unknown>;
    if (d.id !== jobId && d.device !== jobId) return;
    if (ev.event === 'BLOCK_JOB_CANCELLED') cancelled = true;
    if ((ev.event === 'BLOCK_JOB_COMPLETED' || ev.event === 'BLOCK_JOB_ERROR') && d.error) eventError = String(d.error);
    if (ev.event.startsWith('BLOCK_JOB_') || ev.event === 'JOB_STATUS_CHANGE') wake();
  };
  const onClose = () => wake();
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    cancelJob(mon, jobId, true).catch(() => undefined);
    wake();
  };
  mon.on('event', onEvent);
  mon.on('close', onClose);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  try {
    for (;;) {
      if (mon.closed) throw new TsvirtError('operation-failed', `block job '${jobId}': QEMU exited during the job`);
      const job = (await queryBlockJobs(mon)).find((j) => j.id === jobId);
      // gone: dismissed by someone else (or auto-dismissed); the events said how it ended
      const concluded = !job || job.status === 'concluded' || job.status === 'null';
      if (concluded) {
        const error = job?.error ?? eventError;
        if (aborted || cancelled) throw new TsvirtError('operation-aborted', `block job '${jobId}' was canceled`);
        if (error) throw new TsvirtError('operation-failed', `block job '${jobId}' failed: ${error}`);
        if (until === 'concluded') return;
        throw new TsvirtError('operation-failed', `block job '${jobId}' ended before it was ready`);
      }
      o.onProgress?.(job);
      if (until === 'ready' && job.ready && !aborted) return;
      await new Promise<void>((r) => {
        const t = setTimeout(r, o.pollMs ?? 100);
        wake = () => { clearTimeout(t); r(); };
      });
    }
  } finally {
    mon.off('event', onEvent);
    mon.off('close', onClose);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** job-complete (pivot) of a ready mirror or active commit */
export async function completeJob(mon: QmpMonitor, jobId: string): Promise<void> {
  await q.jobComplete(mon, jobId);
}

/**
 * block-job-cancel. On a ready mirror without `force` QEMU ends the job cleanly with the
 * copy in sync but the guest staying on the source (virsh blockjob --abort after a copy).
 */
export async function cancelJob(mon: QmpMonitor, jobId: string, force?: boolean): Promise<void> {
  await q.blockJobCancel(mon, jobId, force);
}

export async function dismissJob(mon: QmpMonitor, jobId: string): Promise<void> {
  await q.jobDismiss(mon, jobId);
}

/** Dismisses the job if it is still listed as concluded; never throws (cleanup paths). */
export async function dismissIfConcluded(mon: QmpMonitor, jobId: string): Promise<void> {
  try {
    const job = (await queryBlockJobs(mon)).find((j) => j.id === jobId);
    if (job && (job.status === 'concluded' || job.status === 'null')) await q.jobDismiss(mon, jobId);
  } catch { /* the monitor is gone or the job already went */ }
}
