// Wires node devices into tsvirtd: the hostdev resource provider (VFIO binding at domain
// start) sees which PCI devices running domains hold, and the NodeDeviceService refuses
// to change devices (or VF counts) that a running domain uses.
import type { HostRoot } from '../host/host-root.js';
import { hostdevAddresses, hostdevResourceProvider, type HostdevResourceProvider } from '../qemu/hostdev-resources.js';
import type { SwtpmDirs } from '../qemu/swtpm.js';
import type { DomainRegistry } from './domain-registry.js';
import type { Logger } from './log.js';
import { NodeDeviceService } from './nodedev-service.js';

export function makeNodedevs(root: HostRoot, registry: DomainRegistry, configDir: string | undefined, log: Logger, swtpm?: SwtpmDirs): { provider: HostdevResourceProvider; service: NodeDeviceService } {
  const runningUsers = () => {
    const m = new Map<string, string>();
    for (const e of registry.all()) if (e.vm) for (const a of hostdevAddresses(e.vm.live)) m.set(a, e.config.name);
    return m;
  };
  const provider = hostdevResourceProvider({ root, runningUsers, swtpm });
  return { provider, service: new NodeDeviceService(root, configDir, log, provider.userOf) };
}
