// Handlers of the snapshot methods (src/protocol/methods-snapshot.ts) over SnapshotService.
import * as path from 'node:path';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import { SnapshotService } from './snapshot-service.js';
import { SnapshotStore } from './snapshot-store.js';

type SnapshotHandlers = Pick<Handlers, 'snapshot.create' | 'snapshot.list' | 'snapshot.lookup' | 'snapshot.getXml' | 'snapshot.current' | 'snapshot.revert' | 'snapshot.delete'>;

export function makeSnapshotHandlers(service: DomainService): SnapshotHandlers {
  // <lib>/qemu/snapshot beside <lib>/qemu/save, as paths.ts snapshotDir names it
  const dir = path.join(path.dirname(service.managedSaveDir()), 'snapshot');
  const snaps = new SnapshotService(service, new SnapshotStore(dir, (m) => service.log.warn(m)));
  service.snapshots = snaps;
  void snaps.init().catch((e) => service.log.warn(`cannot read snapshot metadata: ${e.message}`));
  return {
    'snapshot.create': (p) => snaps.create(p.domain, p),
    'snapshot.list': async (p) => ({ snapshots: await snaps.list(p.domain, p.of, p.filter ?? {}) }),
    'snapshot.lookup': (p) => snaps.lookup(p.domain, p.name),
    'snapshot.getXml': async (p) => ({ xml: await snaps.getXml(p.domain, p.name) }),
    'snapshot.current': async (p) => ({ name: await snaps.current(p.domain) }),
    'snapshot.revert': async (p) => (await snaps.revert(p.domain, p.name, p), {}),
    'snapshot.delete': async (p) => (await snaps.delete(p.domain, p.name, p), {}),
  };
}
