// The API methods, each mapped to the service call that implements it.
import * as os from 'node:os';
import type { QemuDriver } from '../qemu/driver.js';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import { nodeInfo, sysinfoXml } from './host-info.js';
import { capabilitiesXml, domainCapabilitiesXml } from './capabilities.js';
import { LIBVIRT_COMPAT } from './version.js';
import { makeStorageHandlers } from './handlers-storage.js';
import type { StorageService } from './storage-service.js';
import { undefineDomain } from './undefine-storage.js';
import { makeDeviceHandlers } from './handlers-devices.js';
import type { DeviceService } from './device-service.js';
import { makeNetworkHandlers } from './handlers-network.js';
import type { NetworkService } from './network-service.js';
import { makeWebHandlers } from './handlers-web.js';
import { WebAuth } from './web-auth.js';
import { makeNodedevHandlers } from './handlers-nodedev.js';
import type { NodeDeviceService } from './nodedev-service.js';
import { makeStatsHandlers } from './handlers-stats.js';
import { makeAgentHandlers } from './handlers-agent.js';
import { makeAgentCommandHandlers } from './handlers-agent-command.js';
import { makeSaveHandlers } from './handlers-save.js';
import { makeSnapshotHandlers } from './handlers-snapshot.js';
import { makeMigrationHandlers } from './handlers-migration.js';
import { attachCloudInit } from './cloud-init.js';
import { makeBlockJobHandlers } from './handlers-blockjob.js';

export function makeHandlers(service: DomainService, driver: QemuDriver, version: string, storage: StorageService, networks: NetworkService, devices: DeviceService, nodedevs: NodeDeviceService, web: WebAuth = new WebAuth()): Handlers {
  return {
    'connect.getVersion': async () => {
      const caps = await driver.caps();
      const v = caps.version;
      return { hypervisor: 'QEMU', hypervisorVersion: `${v.major}.${v.minor}.${v.micro}`, libraryVersion: version, libvirtCompat: LIBVIRT_COMPAT };
    },
    'connect.getHostname': () => ({ hostname: os.hostname() }),
    'connect.getCapabilities': async () => ({ xml: capabilitiesXml(await driver.caps()) }),
    'connect.getDomainCapabilities': async (p) => ({ xml: domainCapabilitiesXml(await driver.caps(p.emulator), p) }),
    'connect.getSysinfo': () => ({ xml: sysinfoXml() }),
    'node.getInfo': () => nodeInfo(),

    'domain.list': () => ({ domains: service.list() }),
    'domain.lookup': (p) => service.lookup(p.domain),
    'domain.define': (p) => service.define(p.xml),
    'domain.create': (p) => service.create(p.xml, p.paused),
    'domain.undefine': (p) => undefineDomain(service, storage, p),
    'domain.start': (p) => service.start(p.domain, p.paused, p.forceBoot),
    'domain.shutdown': async (p) => (await service.shutdown(p.domain, p.modes), {}),
    'domain.reboot': async (p) => (await service.reboot(p.domain, p.modes), {}),
    'domain.reset': async (p) => (await service.reset(p.domain), {}),
    'domain.destroy': async (p) => (await service.destroy(p.domain, p.graceful), {}),
    'domain.suspend': async (p) => (await service.suspend(p.domain), {}),
    'domain.resume': async (p) => (await service.resume(p.domain), {}),
    'domain.getInfo': (p) => service.getInfo(p.domain),
    'domain.getState': (p) => service.getState(p.domain),
    'domain.getXml': (p) => ({ xml: service.getXml(p.domain, p.inactive) }),
    'domain.setAutostart': async (p) => (await service.setAutostart(p.domain, p.autostart), {}),
    ...makeStorageHandlers(storage),
    ...makeDeviceHandlers(devices),
    ...makeNetworkHandlers(networks, service),
    ...makeWebHandlers(service, web),
    ...makeNodedevHandlers(nodedevs),
    ...makeStatsHandlers(service),
    ...makeAgentHandlers(service, networks),
    ...makeAgentCommandHandlers(service, service.log),
    ...makeSaveHandlers(service),
    ...makeSnapshotHandlers(service),
    ...makeMigrationHandlers(service),
    'domain.attachCloudInit': (p) => attachCloudInit(service, storage, p),
    ...makeBlockJobHandlers(service),
  };
}
