// Every domain lifecycle event goes to the daemon's log, and a stop closes the domain's QEMU log
// (<log dir>/qemu/NAME.log) with the line libvirt writes there: "TIME: shutting down, reason=R".
import { appendFileSync, existsSync } from 'node:fs';
import type { EventBus } from './event-bus.js';
import type { Logger } from './log.js';

export function logLifecycle(events: EventBus, log: Logger, qemuLogOf: (name: string) => string): () => void {
  return events.subscribe((ev) => {
    if (ev.type !== 'lifecycle') return;
    const domain = ev.domain.name;
    const bad = ev.event === 'crashed' || ev.detail === 'crashed' || ev.detail === 'failed';
    log[bad ? 'warn' : 'info'](`${ev.event} (${ev.detail})${ev.domain.id !== null && ev.event === 'started' ? ` as id ${ev.domain.id}` : ''}`, { domain });
    if (ev.event !== 'stopped') return;
    const file = qemuLogOf(domain);
    // no QEMU log: the domain never ran here (a restore into a fresh host writes one at start)
    if (!existsSync(file)) return;
    try {
      // a QEMU that died unasked is 'failed' as an event detail and 'crashed' as libvirt's reason
      appendFileSync(file, `${new Date(ev.time).toISOString()}: shutting down, reason=${ev.detail === 'failed' ? 'crashed' : ev.detail}\n`);
    } catch (e) {
      log.warn(`cannot append to ${file}: ${(e as Error).message}`, { domain });
    }
  });
}
