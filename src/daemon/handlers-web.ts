// Handlers of the web UI's methods (src/protocol/methods-web.ts).
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import type { WebAuth } from './web-auth.js';

type WebHandlers = Pick<Handlers, 'ui.createLoginToken' | 'domain.sendKey' | 'domain.listStats'>;

export function makeWebHandlers(service: DomainService, auth: WebAuth): WebHandlers {
  return {
    'ui.createLoginToken': () => auth.createLogin(),
    'domain.sendKey': async (p) => (await service.sendKey(p.domain, p.keys, p.holdTimeMs), {}),
    'domain.listStats': () => ({
      stats: service.list().map((d) => {
        const i = service.getInfo(d.uuid);
        return { name: i.name, vcpus: i.vcpus, maxMemoryKiB: i.maxMemoryKiB, cpuTimeNs: i.cpuTimeNs };
      }),
    }),
  };
}
