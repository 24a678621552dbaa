// Text virsh prints for domain data: dominfo lines, state reasons, event words.
import { DOMAIN_STATE_TEXT, type DomainState } from '../protocol/domain-state.js';
import type { DomainInfo, LifecycleEvent } from '../protocol/types.js';

/** virsh's "%-15s %s" label column. */
export function field(label: string, value: string): string {
  return `${label.padEnd(15)} ${value}\n`;
}

export function formatDominfo(d: DomainInfo): string {
  let s = field('Id:', d.id === null ? '-' : String(d.id));
  s += field('Name:', d.name);
  s += field('UUID:', d.uuid);
  s += field('OS Type:', d.osType);
  s += field('State:', DOMAIN_STATE_TEXT[d.state]);
  s += field('CPU(s):', String(d.vcpus));
  // virsh leaves the line out when the hypervisor reports no CPU time (not running)
  if (d.cpuTimeNs !== 0) s += field('CPU time:', `${(d.cpuTimeNs / 1e9).toFixed(1)}s`);
  s += field('Max memory:', `${d.maxMemoryKiB} KiB`);
  s += field('Used memory:', `${d.usedMemoryKiB} KiB`);
  s += field('Persistent:', d.persistent ? 'yes' : 'no');
  s += field('Autostart:', d.autostart ? 'enable' : 'disable');
  s += field('Managed save:', d.managedSave ? 'yes' : 'no');
  // no security driver: virsh prints no Security model/DOI/label lines then
  return s;
}

// virshDomainStateReasonToString's words, keyed by libvirt's enum suffix in lower case.
const REASON_TEXT: Record<string, string> = {
  unknown: 'unknown', booted: 'booted', migrated: 'migrated', restored: 'restored',
  from_snapshot: 'from snapshot', unpaused: 'unpaused', migration_canceled: 'migration canceled',
  save_canceled: 'save canceled', wakeup: 'event wakeup', crashed: 'crashed', postcopy: 'post-copy',
  postcopy_failed: 'post-copy failed', user: 'user', migration: 'migrating', save: 'saving', dump: 'dumping',
  ioerror: 'I/O error', watchdog: 'watchdog', shutting_down: 'shutting down', snapshot: 'creating snapshot',
  starting_up: 'starting up', api_error: 'api error', shutdown: 'shutdown', destroyed: 'destroyed',
  saved: 'saved', failed: 'failed', daemon: 'daemon', panicked: 'panicked',
};

export function reasonText(state: DomainState, reason: string): string {
  const key = reason.toLowerCase().replace(/[- ]/g, '_');
  if (key === 'snapshot' && state !== 'paused') return 'from snapshot';
  return REASON_TEXT[key] ?? reason.replace(/[-_]/g, ' ');
}

const EVENT_TEXT: Record<LifecycleEvent['event'], string> = {
  defined: 'Defined', undefined: 'Undefined', started: 'Started', suspended: 'Suspended', resumed: 'Resumed',
  stopped: 'Stopped', shutdown: 'Shutdown', pmsuspended: 'PMSuspended', crashed: 'Crashed',
};

// virshDomainEventDetailToString, per event, keyed by libvirt's enum suffix in lower case.
const DETAIL_TEXT: Record<LifecycleEvent['event'], Record<string, string>> = {
  defined: { added: 'Added', updated: 'Updated', renamed: 'Renamed', from_snapshot: 'Snapshot', snapshot: 'Snapshot' },
  undefined: { removed: 'Removed', renamed: 'Renamed' },
  started: { booted: 'Booted', migrated: 'Migrated', restored: 'Restored', from_snapshot: 'Snapshot', snapshot: 'Snapshot', wakeup: 'Event wakeup' },
  suspended: {
    paused: 'Paused', migrated: 'Migrated', ioerror: 'I/O Error', watchdog: 'Watchdog', restored: 'Restored',
    from_snapshot: 'Snapshot', snapshot: 'Snapshot', api_error: 'API error', postcopy: 'Post-copy', postcopy_failed: 'Post-copy Error',
  },
  resumed: { unpaused: 'Unpaused', migrated: 'Migrated', from_snapshot: 'Snapshot', snapshot: 'Snapshot', postcopy: 'Post-copy', postcopy_failed: 'Post-copy Error' },
  stopped: {
    shutdown: 'Shutdown', destroyed: 'Destroyed', crashed: 'Crashed', migrated: 'Migrated', saved: 'Saved',
    failed: 'Failed', from_snapshot: 'Snapshot', snapshot: 'Snapshot',
  },
  shutdown: { finished: 'Finished', guest: 'Finished after guest request', host: 'Finished after host request' },
  pmsuspended: { memory: 'Memory', disk: 'Disk' },
  crashed: { panicked: 'Panicked', crashloaded: 'Crashloaded' },
};

/** `event 'lifecycle' for domain 'x': Started Booted` (virsh's line, without timestamp). */
export function formatLifecycleEvent(ev: LifecycleEvent): string {
  const key = ev.detail.toLowerCase().replace(/[- ]/g, '_');
  const detail = DETAIL_TEXT[ev.event]?.[key] ?? 'unknown';
  return `event 'lifecycle' for domain '${ev.domain.name}': ${EVENT_TEXT[ev.event] ?? 'unknown'} ${detail}\n`;
}

/** virsh --timestamp prefix: "2026-11-25 04:50:01.123+0000: " in local time. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const tz = `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}${tz}: `;
}

export function printJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
