import type { DomainState } from '../../src/protocol/types.js';

export const STATE_TEXT: Record<DomainState, string> = {
  nostate: 'No state', running: 'Running', blocked: 'Idle', paused: 'Paused',
  shutdown: 'Shutting down', shutoff: 'Shut off', crashed: 'Crashed', pmsuspended: 'Suspended',
};

export function memText(kib: number): string {
  const mib = kib / 1024;
  return mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 ? 1 : 0)} GiB` : `${Math.round(mib)} MiB`;
}

/** States in which the VM has a QEMU process (force off applies). */
export function isActive(s: DomainState): boolean {
  return s === 'running' || s === 'paused' || s === 'blocked' || s === 'pmsuspended' || s === 'shutdown';
}

/** Names of VMs, pools, volumes and networks the forms accept (tsvirt refuses '/' and the like). */
export const NAME_RE = /^[A-Za-z0-9_.+-]+$/;

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

const UNITS: Record<string, number> = { MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };
export function toBytes(n: number, unit: 'MiB' | 'GiB' | 'TiB' | string): number {
  return Math.round(n * (UNITS[unit] ?? 1));
}
