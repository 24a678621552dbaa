// QMP commands of migration (QEMU 7.2 schema): outgoing and incoming streams, their state,
// capabilities and parameters. Save, restore, managed save and live migration all use them.
import type { QmpMonitor, QmpExecuteOptions } from './qmp-monitor.js';

type Mon = Pick<QmpMonitor, 'execute'>;
type Opts = QmpExecuteOptions;

/** query-migrate's ram (and, for block migration, disk) counters, bytes unless named */
export interface QmpMigrationCounters {
  transferred: number;
  remaining: number;
  total: number;
  duplicate?: number;
  normal?: number;
  'normal-bytes'?: number;
  'dirty-pages-rate'?: number;
  mbps?: number;
  'dirty-sync-count'?: number;
  'page-size'?: number;
  'pages-per-second'?: number;
  'precopy-bytes'?: number;
  'downtime-bytes'?: number;
  'postcopy-bytes'?: number;
}

/** query-migrate's answer; times are milliseconds */
export interface QmpMigrationInfo {
  /** none, setup, cancelling, cancelled, active, postcopy-active, ..., completed, failed, pre-switchover, device, wait-unplug */
  status?: string;
  ram?: QmpMigrationCounters;
  disk?: QmpMigrationCounters;
  'total-time'?: number;
  'expected-downtime'?: number;
  downtime?: number;
  'setup-time'?: number;
  'cpu-throttle-percentage'?: number;
  'error-desc'?: string;
}

/** Starts sending the VM's state to `uri` (tcp:HOST:PORT, unix:PATH, fd:NAME); returns at once. */
export async function migrate(mon: Mon, uri: string, opts?: Opts): Promise<void> {
  await mon.execute('migrate', { uri }, opts);
}

/** A QEMU started with -incoming defer begins receiving from `uri`. */
export async function migrateIncoming(mon: Mon, uri: string, opts?: Opts): Promise<void> {
  await mon.execute('migrate-incoming', { uri }, opts);
}

export function queryMigrate(mon: Mon, opts?: Opts): Promise<QmpMigrationInfo> {
  return mon.execute<QmpMigrationInfo>('query-migrate', undefined, opts);
}

export async function migrateCancel(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('migrate_cancel', undefined, opts);
}

/** Lets a migration paused by capability pause-before-switchover go on (state 'pre-switchover'). */
export async function migrateContinue(mon: Mon, state: string, opts?: Opts): Promise<void> {
  await mon.execute('migrate-continue', { state }, opts);
}

/** e.g. { 'auto-converge': true, events: true } */
export async function migrateSetCapabilities(mon: Mon, caps: Record<string, boolean>, opts?: Opts): Promise<void> {
  const capabilities = Object.entries(caps).map(([capability, state]) => ({ capability, state }));
  if (capabilities.length) await mon.execute('migrate-set-capabilities', { capabilities }, opts);
}

/** e.g. { 'downtime-limit': 300 (ms), 'max-bandwidth': bytes per second } */
export async function migrateSetParameters(mon: Mon, params: Record<string, number | string | boolean>, opts?: Opts): Promise<void> {
  if (Object.keys(params).length) await mon.execute('migrate-set-parameters', params, opts);
}

export function queryMigrateParameters(mon: Mon, opts?: Opts): Promise<Record<string, unknown>> {
  return mon.execute<Record<string, unknown>>('query-migrate-parameters', undefined, opts);
}

/** migrate (out) or migrate-incoming (in) to `uri`. */
export function migrateIncomingOrOut(mon: Mon, uri: string, dir: 'in' | 'out', opts?: Opts): Promise<void> {
  return dir === 'in' ? migrateIncoming(mon, uri, opts) : migrate(mon, uri, opts);
}
