// Connects storage to domains: a DomainResourceProvider that turns `<disk type='volume'>`
// (<source pool='..' volume='..'/>) into the volume's path at start, and the check
// "which running domain uses this volume" that vol-delete/wipe/upload consult.
import type { Domain } from '../conf/domain-types.js';
import type { DomainResourceProvider } from '../qemu/host-resources.js';
import type { DomainRegistry } from './domain-registry.js';
import type { StorageService } from './storage-service.js';

export function storageResourceProvider(storage: StorageService): DomainResourceProvider {
  return {
    name: 'storage',
    async prepare(def: Domain) {
      const resolvedDiskPaths: Record<number, string> = {};
      for (const [i, d] of def.devices.disks.entries()) {
        if (d.type !== 'volume' || !d.source?.pool || !d.source.volume) continue;
        resolvedDiskPaths[i] = (await storage.findVolume(d.source.volume, d.source.pool)).vol.target.path!;
      }
      // nothing to give back at release: a volume is only looked up
      return { resolvedDiskPaths };
    },
    async release() {},
  };
}

/** The host paths of a running domain's disks (files, devices, and resolved volumes). */
export function diskPathsOf(live: Domain, resolve: (pool: string, vol: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const d of live.devices.disks) {
    const p = d.source?.file ?? d.source?.dev ?? (d.source?.pool && d.source.volume ? resolve(d.source.pool, d.source.volume) : undefined);
    if (p) out.push(p);
  }
  return out;
}

/** Wires StorageService.volumeUser to the domains running now. */
export function runningVolumeUser(registry: DomainRegistry, storage: StorageService): (volPath: string) => string | undefined {
  return (volPath) => {
    for (const e of registry.all()) {
      if (!e.vm) continue;
      const resolve = (pool: string, vol: string) => {
        try {
          const p = storage.lookupPool(pool);
          return storage.volumePathOf(p, vol);
        } catch {
          return undefined;
        }
      };
      if (diskPathsOf(e.vm.live, resolve).includes(volPath)) return e.config.name;
    }
    return undefined;
  };
}
