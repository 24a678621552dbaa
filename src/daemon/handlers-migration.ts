// The migration methods (methods-migration.ts) on MigrationService.
import { TsvirtError } from '../util/errors.js';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import { MigrationService } from './migration-service.js';
import { migrateP2p } from './migration-p2p.js';

type MigrationHandlers = Pick<Handlers,
  | 'domain.migrateBegin' | 'domain.migratePrepare' | 'domain.migratePerform' | 'domain.migrateFinish' | 'domain.migrateConfirm'
  | 'domain.migrate' | 'domain.migrateSetMaxDowntime' | 'domain.migrateGetMaxDowntime' | 'domain.migrateSetMaxSpeed' | 'domain.migrateGetMaxSpeed'>;

const b64 = (b: Buffer) => b.toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);

export function makeMigrationHandlers(service: DomainService, opts: { migrationHost?: string } = {}): MigrationHandlers {
  const migrations = new MigrationService(service, opts.migrationHost);
  return {
    'domain.migrateBegin': async (p) => {
      const r = await migrations.begin(p.domain, { xml: p.xml, dname: p.dname, copyStorage: p.copyStorage });
      return { xml: r.xml, cookie: b64(r.cookie) };
    },
    'domain.migratePrepare': async (p) => {
      const r = await migrations.prepare({ xml: p.xml, cookie: unb64(p.cookie), uri: p.uri, listenAddress: p.listenAddress, dname: p.dname, paused: p.paused, copyStorage: p.copyStorage });
      return { uri: r.uri, cookie: b64(r.cookie) };
    },
    'domain.migratePerform': async (p) => {
      const r = await migrations.perform(p.domain, { uri: p.uri, live: p.live, autoConverge: p.autoConverge, bandwidth: p.bandwidth, copyStorage: p.copyStorage, cookie: unb64(p.cookie) });
      return { cookie: b64(r.cookie) };
    },
    'domain.migrateFinish': (p) => migrations.finish({ name: p.name, cancelled: p.cancelled, persistent: p.persistent }),
    'domain.migrateConfirm': async (p) => (await migrations.confirm(p.domain, { cancelled: p.cancelled, undefineSource: p.undefineSource }), {}),
    'domain.migrate': async (p) => {
      await migrateP2p(migrations, p.domain, p);
      return {};
    },
    'domain.migrateSetMaxDowntime': async (p) => (await migrations.setMaxDowntime(p.domain, p.downtime), {}),
    'domain.migrateGetMaxDowntime': (p) => ({ downtime: migrations.getMaxDowntime(p.domain) }),
    'domain.migrateSetMaxSpeed': async (p) => (await migrations.setMaxSpeed(p.domain, p.bandwidth), {}),
    'domain.migrateGetMaxSpeed': (p) => ({ bandwidth: migrations.getMaxSpeed(p.domain) }),
  };
}
