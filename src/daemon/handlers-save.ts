// The save, restore, managed save and domain job methods (methods-save.ts) on SaveService.
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import { SaveService } from './save-service.js';

type SaveHandlers = Pick<Handlers,
  | 'domain.save' | 'domain.restore' | 'domain.saveImageGetXml' | 'domain.saveImageDefine' | 'domain.managedSave'
  | 'domain.hasManagedSave' | 'domain.managedSaveRemove' | 'domain.managedSaveGetXml' | 'domain.managedSaveDefine'
  | 'domain.jobStats' | 'domain.abortJob'>;

const stateOf = (p: { running?: boolean; paused?: boolean }) => (p.running ? 'running' : p.paused ? 'paused' : undefined);

export function makeSaveHandlers(service: DomainService): SaveHandlers {
  const saves = new SaveService(service, service.managedSaveDir());
  void saves.init().catch((e) => service.log.warn(`cannot read managed save images: ${e.message}`));
  return {
    'domain.save': async (p) => (await saves.save(p.domain, p.file, { xml: p.xml, running: p.running, paused: p.paused, bandwidthMiB: p.bandwidth }), {}),
    'domain.restore': (p) => saves.restore(p.file, { xml: p.xml, running: p.running, paused: p.paused }),
    'domain.saveImageGetXml': async (p) => ({ xml: await saves.imageXml(p.file, p.secure) }),
    'domain.saveImageDefine': async (p) => (await saves.imageDefine(p.file, p.xml, stateOf(p)), {}),
    'domain.managedSave': async (p) => (await saves.managedSaveDomain(p.domain, { running: p.running, paused: p.paused, bandwidthMiB: p.bandwidth }), {}),
    'domain.hasManagedSave': (p) => ({ result: saves.hasManagedSave(p.domain) }),
    'domain.managedSaveRemove': async (p) => (await saves.managedRemove(p.domain), {}),
    'domain.managedSaveGetXml': async (p) => ({ xml: await saves.managedXml(p.domain, p.secure) }),
    'domain.managedSaveDefine': async (p) => (await saves.managedDefine(p.domain, p.xml, stateOf(p)), {}),
    'domain.jobStats': (p) => {
      const s = saves.jobInfo(p.domain, p.completed, p.keepCompleted);
      return { type: s.type as 'none', params: Object.entries(s.params).map(([field, value]) => ({ field, value })) };
    },
    'domain.abortJob': (p) => (saves.abortJob(p.domain), {}),
  };
}
