import type { DomainState } from '../../src/protocol/types.js';

export const STATE_TEXT: Record<DomainState, string> = {
  nostate: 'No state', running: 'Running', blocked: 'Idle', paused: 'Paused',
  shutdown: 'Shutting down', shutoff: 'Shut off', crashed: 'Crashed', pmsuspended: 'Suspended',
};

export function memText(kib: number): string {
  const mib = kib / 1024;
  return mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 ? 1 : 0)} GiB` : `${Math.round(mib)} MiB`;
}
