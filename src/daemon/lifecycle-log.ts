// Every domain lifecycle event goes to the daemon's log, with the domain as a field; a crash or
// a failed run is a warning. (The QEMU log's own stop line is written where the stop is handled.)
import type { EventBus } from './event-bus.js';
import type { Logger } from './log.js';

export function logLifecycle(events: EventBus, log: Logger): () => void {
  return events.subscribe((ev) => {
    if (ev.type !== 'lifecycle') return;
    const bad = ev.event === 'crashed' || ev.detail === 'crashed' || ev.detail === 'failed';
    const id = ev.event === 'started' && ev.domain.id !== null ? ` as id ${ev.domain.id}` : '';
    log[bad ? 'warn' : 'info'](`${ev.event} (${ev.detail})${id}`, { domain: ev.domain.name });
  });
}
