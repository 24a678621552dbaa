// Block job API methods (src/protocol/methods-blockjob.ts) -> BlockJobService.
import type { Handlers } from './dispatch.js';
import { BlockJobService } from './block-job-service.js';
import type { DomainService } from './domain-service.js';

type BlockJobHandlers = Pick<Handlers, 'domain.blockCopy' | 'domain.blockCommit' | 'domain.blockPull' | 'domain.blockJobInfo'
  | 'domain.blockJobSetSpeed' | 'domain.blockJobAbort'>;

export function makeBlockJobHandlers(service: DomainService, b = new BlockJobService(service, service.events)): BlockJobHandlers {
  return {
    'domain.blockCopy': async (p) => (await b.copy(p.domain, p.disk, p), {}),
    'domain.blockCommit': async (p) => (await b.commit(p.domain, p.disk, p), {}),
    'domain.blockPull': async (p) => (await b.pull(p.domain, p.disk, p), {}),
    'domain.blockJobInfo': async (p) => ({ job: (await b.info(p.domain, p.disk)) ?? null }),
    'domain.blockJobSetSpeed': async (p) => (await b.setSpeed(p.domain, p.disk, p.bandwidth), {}),
    'domain.blockJobAbort': async (p) => (await b.abort(p.domain, p.disk, p), {}),
  };
}
