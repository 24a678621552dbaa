// libvirt's numbers for the words the API uses: state reasons (virDomain<State>Reason) and
// lifecycle event details (virDomainEvent<Event>DetailType), from libvirt-domain.h.
import type { DomainState } from '../domain-state.js';
import type { LifecycleEvent } from '../types.js';

const list = (words: string): Record<string, number> => Object.fromEntries(words.split(' ').map((w, i) => [w, i]));

export const STATE_REASONS: Record<DomainState, Record<string, number>> = {
  nostate: list('unknown'),
  running: list('unknown booted migrated restored from_snapshot unpaused migration_canceled save_canceled wakeup crashed postcopy postcopy_failed'),
  blocked: list('unknown'),
  paused: list('unknown user migration save dump ioerror watchdog from_snapshot shutting_down snapshot crashed starting_up postcopy postcopy_failed'),
  shutdown: list('unknown user'),
  shutoff: list('unknown shutdown destroyed crashed migrated saved failed from_snapshot daemon'),
  crashed: list('unknown panicked'),
  pmsuspended: list('unknown'),
};

export const EVENT_NUMBER: Record<LifecycleEvent['event'], number> = {
  defined: 0, undefined: 1, started: 2, suspended: 3, resumed: 4, stopped: 5, shutdown: 6, pmsuspended: 7, crashed: 8,
};

export const EVENT_DETAILS: Record<LifecycleEvent['event'], Record<string, number>> = {
  defined: list('added updated renamed from_snapshot'),
  undefined: list('removed renamed'),
  started: list('booted migrated restored from_snapshot wakeup'),
  suspended: list('paused migrated ioerror watchdog restored from_snapshot api_error postcopy postcopy_failed'),
  resumed: list('unpaused migrated from_snapshot postcopy postcopy_failed'),
  stopped: list('shutdown destroyed crashed migrated saved failed from_snapshot'),
  shutdown: list('finished guest host'),
  pmsuspended: list('memory disk'),
  crashed: list('panicked crashloaded'),
};

const key = (word: string) => word.toLowerCase().replace(/[- ]/g, '_');

export function reasonNumber(state: DomainState, reason: string): number {
  return STATE_REASONS[state][key(reason)] ?? 0;
}

export function eventDetailNumber(event: LifecycleEvent['event'], detail: string): number {
  return EVENT_DETAILS[event][key(detail)] ?? 0;
}
