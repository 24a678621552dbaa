// Storage API methods (pool.*, vol.*), each mapped to one StorageService call.
import type { Handlers } from './dispatch.js';
import type { StorageService } from './storage-service.js';

type StorageHandlers = Pick<Handlers, Extract<keyof Handlers, `pool.${string}` | `vol.${string}`>>;

export function makeStorageHandlers(s: StorageService): StorageHandlers {
  return {
    'pool.list': async () => ({ pools: await s.list() }),
    'pool.lookup': (p) => s.summary(s.lookupPool(p.pool)),
    'pool.define': (p) => s.define(p.xml),
    'pool.create': (p) => s.create(p.xml, p.build),
    'pool.build': async (p) => (await s.build(p.pool, p.overwrite ?? false), {}),
    'pool.start': async (p) => (await s.start(p.pool, p.build), {}),
    'pool.destroy': async (p) => (await s.destroy(p.pool), {}),
    'pool.delete': async (p) => (await s.delete(p.pool), {}),
    'pool.undefine': async (p) => (await s.undefine(p.pool), {}),
    'pool.refresh': async (p) => (await s.refresh(p.pool), {}),
    'pool.setAutostart': async (p) => (await s.setAutostart(p.pool, p.autostart), {}),
    'pool.getXml': async (p) => ({ xml: await s.getXml(p.pool, p.inactive) }),

    'vol.list': async (p) => ({ volumes: await s.listVolumes(p.pool) }),
    'vol.lookup': (p) => s.lookupVolume(p.vol, p.pool),
    'vol.create': (p) => s.createVolume(p.pool, p.xml),
    'vol.createFrom': (p) => s.createVolumeFrom(p.pool, p.xml, p.from),
    'vol.clone': (p) => s.cloneVolume(p.vol, p.pool, p.newName),
    'vol.delete': async (p) => (await s.deleteVolume(p.vol, p.pool), {}),
    'vol.wipe': async (p) => (await s.wipeVolume(p.vol, p.pool), {}),
    'vol.resize': (p) => s.resizeVolume(p.vol, p.pool, p.capacity, p),
    'vol.getXml': async (p) => ({ xml: await s.volumeXml(p.vol, p.pool) }),
    'vol.getProgress': () => ({ jobs: [...s.progress.values()] }),
  };
}
