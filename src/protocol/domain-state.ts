// Domain states and their libvirt numbers and virsh texts, apart from the API schemas so
// that light clients (the CLI) load them without the schemas.
export const DOMAIN_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'] as const;
export type DomainState = (typeof DOMAIN_STATES)[number];

/** libvirt's virDomainState numbers, for scripts and the libvirt wire protocol. */
export const DOMAIN_STATE_NUMBER: Record<DomainState, number> = {
  nostate: 0, running: 1, blocked: 2, paused: 3, shutdown: 4, shutoff: 5, crashed: 6, pmsuspended: 7,
};

/** How virsh prints each state (`virsh list`, `domstate`). */
export const DOMAIN_STATE_TEXT: Record<DomainState, string> = {
  nostate: 'no state', running: 'running', blocked: 'idle', paused: 'paused',
  shutdown: 'in shutdown', shutoff: 'shut off', crashed: 'crashed', pmsuspended: 'pmsuspended',
};
