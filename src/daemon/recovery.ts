// At start, tsvirtd rebuilds its state from disk: definitions, then the status
// files of domains that were running, re-attaching to their QEMUs through QMP.
import { parseDomainXml } from '../conf/domain-xml.js';
import type { QemuDriver } from '../qemu/driver.js';
import type { DomainService } from './domain-service.js';
import type { Logger } from './log.js';
import type { DomainStore } from './domain-store.js';
import { recoverMigration } from './migration-service.js';

export async function loadDefinitions(service: DomainService, store: DomainStore, log: Logger): Promise<void> {
  const autostart = await store.autostartNames();
  for (const { file, xml } of await store.listConfigs()) {
    try {
      // Saved files were prepared at define time: parse only, keep them exactly.
      const config = parseDomainXml(xml);
      service.registry.add({
        config, persistent: true, autostart: autostart.has(config.name), id: null, state: 'shutoff', reason: 'unknown',
      });
    } catch (e) {
      log.warn(`skipping definition ${file}: ${(e as Error).message}`);
    }
  }
}

export async function reattachRunning(service: DomainService, store: DomainStore, driver: QemuDriver, log: Logger): Promise<void> {
  const statuses = await store.listStatuses();
  await Promise.all(statuses.map(async ({ file, status, error }) => {
    if (!status) {
      log.warn(`ignoring unreadable status file ${file}: ${error}`);
      return;
    }
    const live = status.domain;
    let entry = service.registry.byNameOrNull(live.name);
    try {
      const vm = await driver.reattach({ pid: status.pid, monitorPath: status.monitorPath, live, record: status.extra });
      if (!vm) {
        log.info(`domain '${live.name}' stopped while tsvirtd was not running`);
        for (const e of await driver.release(live, status.extra)) log.warn(`releasing host resources of '${live.name}': ${e.message}`);
        await store.removeStatus(live.name);
        if (entry) entry.reason = 'unknown';
        return;
      }
      if (!entry) {
        entry = { config: live, persistent: false, autostart: false, id: null, state: 'shutoff', reason: 'unknown' };
        service.registry.add(entry);
      }
      if (vm.state === status.state || (vm.state === 'paused' && status.state === 'paused')) vm.reason = status.reason;
      service.attach(entry, vm, live.id ?? service.registry.nextId());
      log.info(`re-attached to domain '${live.name}' (pid ${status.pid}, ${vm.state})`);
      await recoverMigration(vm, log).catch((e) => log.warn(`recovering the migration of '${live.name}': ${(e as Error).message}`));
    } catch (e) {
      log.warn(`cannot re-attach to domain '${live.name}': ${(e as Error).message}`);
    }
  }));
}

export async function autostartDomains(service: DomainService, log: Logger): Promise<void> {
  for (const entry of service.registry.all()) {
    if (!entry.autostart || entry.vm) continue;
    try {
      await service.start(entry.config.name);
      log.info(`autostarted domain '${entry.config.name}'`);
    } catch (e) {
      log.warn(`autostart of domain '${entry.config.name}' failed: ${(e as Error).message}`);
    }
  }
}
