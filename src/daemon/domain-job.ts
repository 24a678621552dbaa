// The long job a domain runs (save, restore, migration, snapshot, block copy...): what
// domjobinfo shows while it runs and after it ends, and how domjobabort stops it.
// The job lock (jobs.ts) still orders the calls; this record is read without it.
import { TsvirtError } from '../util/errors.js';
import type { QmpMigrationInfo } from '../qemu/migration.js';

/** libvirt's virDomainJobOperation, in its order (the number is the index) */
export const JOB_OPERATIONS = ['unknown', 'start', 'save', 'restore', 'migration-in', 'migration-out', 'snapshot', 'snapshot-revert', 'dump', 'backup', 'snapshot-delete'] as const;
export type JobOperation = (typeof JOB_OPERATIONS)[number];

/** libvirt's virDomainJobType: none, bounded, unbounded, completed, failed, cancelled */
export type JobType = 'none' | 'bounded' | 'unbounded' | 'completed' | 'failed' | 'cancelled';

/**
 * A job's figures keyed by libvirt's typed-parameter names (VIR_DOMAIN_JOB_*: operation,
 * time_elapsed, data_total, memory_bps, downtime, ...), so DOMAIN_GET_JOB_STATS and
 * `domjobinfo` print them as they are.
 */
export interface JobStats {
  type: JobType;
  params: Record<string, number | string>;
}

/** query-migrate's figures under libvirt's names (qemuMigrationAnyFetchStats) */
export function migrationParams(info: QmpMigrationInfo | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!info) return out;
  const ram = info.ram;
  const disk = info.disk;
  const put = (k: string, v: number | undefined) => { if (v !== undefined && Number.isFinite(v)) out[k] = v; };
  if (ram) {
    put('memory_total', ram.total);
    put('memory_processed', ram.transferred);
    put('memory_remaining', ram.remaining);
    put('memory_constant', ram.duplicate);
    put('memory_normal', ram.normal);
    put('memory_normal_bytes', ram['normal-bytes']);
    put('memory_bps', ram.mbps !== undefined ? Math.round((ram.mbps * 1e6) / 8) : undefined);
    put('memory_dirty_rate', ram['dirty-pages-rate']);
    put('memory_page_size', ram['page-size']);
    put('memory_iteration', ram['dirty-sync-count']);
  }
  if (disk) {
    put('disk_total', disk.total);
    put('disk_processed', disk.transferred);
    put('disk_remaining', disk.remaining);
    put('disk_bps', disk.mbps !== undefined ? Math.round((disk.mbps * 1e6) / 8) : undefined);
  }
  const total = (ram?.total ?? 0) + (disk?.total ?? 0);
  const done = (ram?.transferred ?? 0) + (disk?.transferred ?? 0);
  const left = (ram?.remaining ?? 0) + (disk?.remaining ?? 0);
  if (ram || disk) {
    put('data_total', total);
    put('data_processed', done);
    put('data_remaining', left);
  }
  put('downtime', info.downtime ?? info['expected-downtime']);
  put('setup_time', info['setup-time']);
  put('auto_converge_throttle', info['cpu-throttle-percentage']);
  return out;
}

export class DomainJob {
  readonly startedAt = Date.now();
  private readonly controller = new AbortController();
  /** the latest query-migrate answer (jobs that move a migration stream) */
  migration?: QmpMigrationInfo;
  /** other figures the job keeps up to date (e.g. disk_processed of a block copy) */
  readonly extra: Record<string, number | string> = {};

  constructor(
    readonly operation: JobOperation,
    /** jobs that cannot be stopped half-way (e.g. a snapshot revert) refuse domjobabort */
    readonly abortable = true,
  ) {}

  /** aborted by domjobabort: the job's code passes it to migrateOut/migrateIn */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(): void {
    if (!this.abortable) throw new TsvirtError('operation-invalid', `cannot abort ${this.operation} job`);
    this.controller.abort(new TsvirtError('operation-aborted', `operation aborted: ${this.operation} job: canceled by client`));
  }

  /** What domjobinfo shows now (type bounded: the figures say how much is left). */
  stats(type: JobType = 'bounded'): JobStats {
    const params: Record<string, number | string> = {
      operation: JOB_OPERATIONS.indexOf(this.operation),
      time_elapsed: Date.now() - this.startedAt,
      ...migrationParams(this.migration),
      ...this.extra,
    };
    return { type, params };
  }
}

/** The job records of one domain: the one running, and the last one that ended (domjobinfo --completed). */
export interface DomainJobs {
  current?: DomainJob;
  completed?: JobStats;
  /** the daemon's log, with the domain's name (DomainService.jobsOf) */
  log?: (level: 'info' | 'warn', msg: string, job: JobOperation) => void;
}

/**
 * Runs `fn` as the domain's current job: it is visible to domjobinfo and domjobabort while it
 * runs, and its final figures are kept as the completed job (type completed, failed or cancelled).
 */
export async function runDomainJob<T>(jobs: DomainJobs, job: DomainJob, fn: (job: DomainJob) => Promise<T>): Promise<T> {
  if (jobs.current) throw new TsvirtError('operation-invalid', `cannot acquire state change lock: another job (${jobs.current.operation}) is running`);
  jobs.current = job;
  const began = Date.now();
  jobs.log?.('info', 'started', job.operation);
  try {
    const out = await fn(job);
    jobs.completed = job.stats('completed');
    jobs.log?.('info', `completed in ${Date.now() - began} ms`, job.operation);
    return out;
  } catch (e) {
    jobs.completed = job.stats(job.signal.aborted ? 'cancelled' : 'failed');
    const msg = (e as Error).message;
    if (msg) jobs.completed.params.errmsg = msg;
    jobs.log?.('warn', `${job.signal.aborted ? 'cancelled' : 'failed'} after ${Date.now() - began} ms: ${msg}`, job.operation);
    throw e;
  } finally {
    jobs.current = undefined;
  }
}
