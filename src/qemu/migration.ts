// Running one migration stream to its end, out of a QEMU or into one started with
// -incoming defer. The state comes from QEMU's MIGRATION events; query-migrate polls
// give progress (domjobinfo) and the final figures (downtime, total time).
import { TsvirtError } from '../util/errors.js';
import type { QmpMonitor } from './qmp-monitor.js';
import * as mig from './qmp-migration.js';
import type { QmpMigrationInfo } from './qmp-migration.js';

export type { QmpMigrationInfo } from './qmp-migration.js';

export interface MigrateOutOptions {
  /** migrate-set-capabilities before starting; 'events' is always on */
  capabilities?: Record<string, boolean>;
  /** migrate-set-parameters before starting, e.g. downtime-limit, max-bandwidth */
  parameters?: Record<string, number | string | boolean>;
  /** aborting cancels the migration (migrate_cancel): the source keeps running */
  signal?: AbortSignal;
  /** every poll of query-migrate while the stream runs */
  onProgress?: (info: QmpMigrationInfo) => void;
  /** right after migrate / migrate-incoming was accepted (an incoming QEMU now listens) */
  onStarted?: () => void;
  /** with pause-before-switchover: runs while the source is paused, before the device state goes */
  beforeSwitchover?: () => Promise<void>;
  pollMs?: number;
}

const DONE = new Set(['completed', 'failed', 'cancelled']);

/** Waits for status completed / failed / cancelled; polls query-migrate meanwhile. */
async function waitForEnd(mon: QmpMonitor, opts: Pick<MigrateOutOptions, 'signal' | 'onProgress' | 'pollMs' | 'beforeSwitchover'>, what: string): Promise<QmpMigrationInfo> {
  let wake: () => void = () => undefined;
  let lastEvent = '';
  const onEvent = (ev: { event: string; data?: Record<string, unknown> }) => {
    if (ev.event === 'MIGRATION') {
      lastEvent = String(ev.data?.status ?? '');
      if (DONE.has(lastEvent) || lastEvent === 'pre-switchover') wake();
    }
  };
  const onClose = () => wake();
  mon.on('event', onEvent);
  mon.on('close', onClose);
  let cancelled = false;
  let switched = false;
  const onAbort = () => {
    cancelled = true;
    mig.migrateCancel(mon).catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  try {
    for (;;) {
      if (mon.closed) throw new TsvirtError('operation-failed', `${what}: QEMU exited during the migration`);
      const info = await mig.queryMigrate(mon);
      const status = info.status ?? lastEvent;
      if (DONE.has(status)) {
        if (status === 'completed') return info;
        if (status === 'cancelled' || cancelled) throw new TsvirtError('operation-aborted', `operation aborted: ${what} job: canceled by client`);
        throw new TsvirtError('operation-failed', `${what}: ${info['error-desc'] ?? 'migration failed'}`);
      }
      opts.onProgress?.(info);
      // capability pause-before-switchover: the switch-over happens only while we are here
      if (status === 'pre-switchover' && !cancelled && !switched) {
        switched = true;
        try {
          await opts.beforeSwitchover?.();
        } catch (e) {
          await mig.migrateCancel(mon).catch(() => undefined);
          throw e;
        }
        await mig.migrateContinue(mon, 'pre-switchover').catch(() => undefined);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, opts.pollMs ?? 100);
        wake = () => { clearTimeout(t); r(); };
      });
    }
  } finally {
    mon.off('event', onEvent);
    mon.off('close', onClose);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Sends the VM's state to `uri` and resolves with query-migrate's final answer once completed. */
export async function migrateOut(mon: QmpMonitor, uri: string, opts: MigrateOutOptions = {}, what = 'migration'): Promise<QmpMigrationInfo> {
  await mig.migrateSetCapabilities(mon, { events: true, ...opts.capabilities });
  await mig.migrateSetParameters(mon, opts.parameters ?? {});
  await mig.migrateIncomingOrOut(mon, uri, 'out');
  return waitForEnd(mon, opts, what);
}

/** Feeds a QEMU started with -incoming defer from `uri`; resolves when the state is all in. */
export async function migrateIn(mon: QmpMonitor, uri: string, opts: Omit<MigrateOutOptions, 'parameters'> = {}, what = 'incoming migration'): Promise<QmpMigrationInfo> {
  await mig.migrateSetCapabilities(mon, { events: true, ...opts.capabilities });
  await mig.migrateIncomingOrOut(mon, uri, 'in');
  opts.onStarted?.();
  return waitForEnd(mon, opts, what);
}
