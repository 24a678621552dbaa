// The virtio balloon of a running domain (libvirt's qemuMonitorJSON*Balloon*): its target size
// (virsh setmem --live), the guest's memory statistics (qom-get guest-stats, refreshed by the
// guest driver every <stats period> seconds) and that period (qom-set guest-stats-polling-interval).
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import * as qmp from './qmp-commands.js';
import { BALLOON_ALIAS } from './argv-misc.js';
import { userAliasOr } from './argv-user-alias.js';
import type { QmpMonitor } from './qmp-monitor.js';

type Mon = Pick<QmpMonitor, 'execute'>;

/** The balloon's QOM path, or undefined when the domain has none (model 'none' or absent). */
export function balloonPath(def: Domain): string | undefined {
  const b = def.devices.memballoon;
  if (!b || b.model === 'none') return undefined;
  return `/machine/peripheral/${b.alias ?? userAliasOr(b, BALLOON_ALIAS)}`;
}

/** At start, before the vCPUs run: the stats period and a <currentMemory> below <memory>. */
export async function applyBalloonAtStart(mon: Mon, def: Domain): Promise<void> {
  const path = balloonPath(def);
  if (!path) return;
  const period = def.devices.memballoon!.statsPeriod;
  if (period) await qmp.qomSet(mon, path, 'guest-stats-polling-interval', period);
  if (def.currentMemory !== undefined && def.currentMemory < def.memory) await qmp.balloon(mon, def.currentMemory * 1024);
}

/** libvirt's words when there is nothing to balloon with */
export function requireBalloon(def: Domain): string {
  const path = balloonPath(def);
  if (!path) throw new TsvirtError('operation-invalid', 'Unable to change memory of active domain without the balloon device and guest OS balloon driver');
  return path;
}

export async function setBalloonTarget(mon: Mon, def: Domain, kib: number): Promise<void> {
  requireBalloon(def);
  await qmp.balloon(mon, kib * 1024);
}

export async function setStatsPeriod(mon: Mon, def: Domain, seconds: number): Promise<void> {
  const path = balloonPath(def);
  if (!path) throw new TsvirtError('operation-invalid', 'No memory balloon device configured, can not set the collection period');
  await qmp.qomSet(mon, path, 'guest-stats-polling-interval', seconds);
}

/** The guest's statistics, named as libvirt's virDomainMemoryStatTags; absent ones left out. */
export interface GuestMemoryStats {
  swapInKiB?: number; swapOutKiB?: number; majorFaults?: number; minorFaults?: number;
  unusedKiB?: number; availableKiB?: number; usableKiB?: number; lastUpdate?: number;
  diskCachesKiB?: number; hugetlbPgalloc?: number; hugetlbPgfail?: number;
}

// QEMU's stat names -> ours, with the divisor libvirt applies (bytes -> KiB)
const STATS: Array<[string, keyof GuestMemoryStats, number]> = [
  ['stat-swap-in', 'swapInKiB', 1024], ['stat-swap-out', 'swapOutKiB', 1024],
  ['stat-major-faults', 'majorFaults', 1], ['stat-minor-faults', 'minorFaults', 1],
  ['stat-free-memory', 'unusedKiB', 1024], ['stat-total-memory', 'availableKiB', 1024],
  ['stat-available-memory', 'usableKiB', 1024], ['stat-disk-caches', 'diskCachesKiB', 1024],
  ['stat-htlb-pgalloc', 'hugetlbPgalloc', 1], ['stat-htlb-pgfail', 'hugetlbPgfail', 1],
];

/** QEMU gives -1 (as u64 2^64-1) for a statistic the guest has not reported */
const reported = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v < 2 ** 63;

export function parseGuestStats(raw: { 'last-update'?: number; stats?: Record<string, unknown> }): GuestMemoryStats {
  const out: GuestMemoryStats = {};
  for (const [name, key, div] of STATS) {
    const v = raw.stats?.[name];
    if (reported(v)) out[key] = Math.floor(v / div);
  }
  // no update yet: the guest driver has sent nothing, so there is nothing to show
  if (Object.keys(out).length && reported(raw['last-update'])) out.lastUpdate = raw['last-update'];
  return out;
}

export async function guestMemoryStats(mon: Mon, def: Domain, opts?: { timeoutMs?: number }): Promise<GuestMemoryStats> {
  const path = balloonPath(def);
  if (!path) return {};
  // QEMU refuses until the guest has sent its first statistics ("guest hasn't updated any stats yet")
  const raw = await qmp.qomGet<{ 'last-update'?: number; stats?: Record<string, unknown> }>(mon, path, 'guest-stats', opts).catch(() => ({}));
  return parseGuestStats(raw);
}
