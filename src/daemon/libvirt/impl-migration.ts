// The migration procedures (procs-migration.ts), each one API call of
// src/protocol/methods-migration.ts. Typed parameters and flags as libvirt's
// qemuDomainMigrate*3Params read them (VIR_MIGRATE_PARAM_*, VIR_MIGRATE_*).
import type { TypedParam } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import { checkFlags } from './rpc-errors.js';
import type { Impls } from './rpc-impl.js';
import { domRef, wireDomain } from './rpc-ids.js';

/** virDomainMigrateFlags */
export const MIGRATE = {
  LIVE: 1, PEER2PEER: 2, TUNNELLED: 4, PERSIST_DEST: 8, UNDEFINE_SOURCE: 16, PAUSED: 32,
  NON_SHARED_DISK: 64, NON_SHARED_INC: 128, CHANGE_PROTECTION: 256, UNSAFE: 512, OFFLINE: 1024,
  COMPRESSED: 2048, ABORT_ON_ERROR: 4096, AUTO_CONVERGE: 8192, POSTCOPY: 32768, TLS: 65536,
} as const;
const SUPPORTED = MIGRATE.LIVE | MIGRATE.PEER2PEER | MIGRATE.PERSIST_DEST | MIGRATE.UNDEFINE_SOURCE | MIGRATE.PAUSED | MIGRATE.NON_SHARED_DISK
  | MIGRATE.CHANGE_PROTECTION | MIGRATE.UNSAFE | MIGRATE.ABORT_ON_ERROR | MIGRATE.AUTO_CONVERGE;

/** the typed parameters tsvirt reads, by libvirt's names (VIR_MIGRATE_PARAM_*) */
interface MigrateParams {
  migrate_uri?: string;
  destination_name?: string;
  destination_xml?: string;
  persistent_xml?: string;
  bandwidth?: number;
  listen_address?: string;
}
const KNOWN = new Set(['migrate_uri', 'destination_name', 'destination_xml', 'persistent_xml', 'bandwidth', 'listen_address', 'graphics_uri', 'migrate_disks', 'disks_port']);

function readParams(list: TypedParam[]): MigrateParams {
  const out: Record<string, string | number> = {};
  for (const p of list) {
    if (!KNOWN.has(p.field)) throw new TsvirtError('invalid-arg', `parameter '${p.field}' not supported`);
    const v = p.value.value;
    out[p.field] = typeof v === 'bigint' ? Number(v) : (v as string | number);
  }
  return out as MigrateParams;
}

function checkMigrateFlags(flags: number, fn: string): void {
  if (flags & MIGRATE.TUNNELLED) throw new TsvirtError('operation-unsupported', 'Operation not supported: tunnelled migration is not supported by tsvirt');
  if (flags & MIGRATE.NON_SHARED_INC) throw new TsvirtError('operation-unsupported', 'Operation not supported: --copy-storage-inc is not supported by tsvirt; use --copy-storage-all');
  if (flags & MIGRATE.OFFLINE) throw new TsvirtError('operation-unsupported', 'Operation not supported: offline migration is not supported yet');
  checkFlags(flags, SUPPORTED, fn);
}

const cookieText = (b: Buffer) => (b.length ? b.toString('base64') : undefined);
const cookieBuf = (s: string) => Buffer.from(s, 'base64');

export const migrationImpls: Impls = {
  DOMAIN_MIGRATE_BEGIN3_PARAMS: async ({ dom, params, flags }, ctx) => {
    checkMigrateFlags(flags, 'qemuDomainMigrateBegin3Params');
    const p = readParams(params);
    const r = await ctx.call('domain.migrateBegin', { domain: domRef(dom), xml: p.destination_xml, dname: p.destination_name, copyStorage: (flags & MIGRATE.NON_SHARED_DISK) !== 0 });
    return { cookie_out: cookieBuf(r.cookie), xml: r.xml };
  },
  DOMAIN_MIGRATE_PREPARE3_PARAMS: async ({ params, cookie_in, flags }, ctx) => {
    checkMigrateFlags(flags, 'qemuDomainMigratePrepare3Params');
    const p = readParams(params);
    if (!p.destination_xml) throw new TsvirtError('invalid-arg', 'no domain XML passed');
    const r = await ctx.call('domain.migratePrepare', {
      xml: p.destination_xml, cookie: cookieText(cookie_in), uri: p.migrate_uri, listenAddress: p.listen_address,
      dname: p.destination_name, paused: (flags & MIGRATE.PAUSED) !== 0, copyStorage: (flags & MIGRATE.NON_SHARED_DISK) !== 0,
    });
    return { cookie_out: cookieBuf(r.cookie), uri_out: r.uri };
  },
  DOMAIN_MIGRATE_PERFORM3_PARAMS: async ({ dom, dconnuri, params, cookie_in, flags }, ctx) => {
    checkMigrateFlags(flags, 'qemuDomainMigratePerform3Params');
    const p = readParams(params);
    if (flags & MIGRATE.PEER2PEER) {
      if (!dconnuri) throw new TsvirtError('invalid-arg', 'dconnuri in virDomainMigratePerform3Params must not be NULL');
      await ctx.call('domain.migrate', {
        domain: domRef(dom), destUri: dconnuri, uri: p.migrate_uri, listenAddress: p.listen_address, dname: p.destination_name,
        xml: p.destination_xml, live: (flags & MIGRATE.LIVE) !== 0, persistent: (flags & MIGRATE.PERSIST_DEST) !== 0,
        undefineSource: (flags & MIGRATE.UNDEFINE_SOURCE) !== 0, autoConverge: (flags & MIGRATE.AUTO_CONVERGE) !== 0,
        bandwidth: p.bandwidth, paused: (flags & MIGRATE.PAUSED) !== 0, copyStorageAll: (flags & MIGRATE.NON_SHARED_DISK) !== 0,
      });
      return { cookie_out: Buffer.alloc(0) };
    }
    if (!p.migrate_uri) throw new TsvirtError('invalid-arg', 'migration URI is missing');
    const r = await ctx.call('domain.migratePerform', {
      domain: domRef(dom), uri: p.migrate_uri, live: (flags & MIGRATE.LIVE) !== 0, autoConverge: (flags & MIGRATE.AUTO_CONVERGE) !== 0, bandwidth: p.bandwidth,
      copyStorage: (flags & MIGRATE.NON_SHARED_DISK) !== 0, cookie: cookieText(cookie_in),
    });
    return { cookie_out: cookieBuf(r.cookie) };
  },
  DOMAIN_MIGRATE_FINISH3_PARAMS: async ({ params, cookie_in, flags, cancelled }, ctx) => {
    checkMigrateFlags(flags, 'qemuDomainMigrateFinish3Params');
    const p = readParams(params);
    let name = p.destination_name;
    if (!name && cookie_in.length) name = (JSON.parse(cookie_in.toString('utf8')) as { name?: string }).name;
    if (!name) throw new TsvirtError('invalid-arg', 'missing domain name');
    const d = await ctx.call('domain.migrateFinish', { name, cancelled: cancelled !== 0, persistent: (flags & MIGRATE.PERSIST_DEST) !== 0 });
    return { dom: wireDomain(d), cookie_out: Buffer.alloc(0) };
  },
  DOMAIN_MIGRATE_CONFIRM3_PARAMS: async ({ dom, flags, cancelled }, ctx) => {
    checkMigrateFlags(flags, 'qemuDomainMigrateConfirm3Params');
    await ctx.call('domain.migrateConfirm', { domain: domRef(dom), cancelled: cancelled !== 0, undefineSource: (flags & MIGRATE.UNDEFINE_SOURCE) !== 0 });
  },
  DOMAIN_MIGRATE_SET_MAX_DOWNTIME: async ({ dom, downtime, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainMigrateSetMaxDowntime');
    if (downtime === 0n) throw new TsvirtError('invalid-arg', 'migrate-setmaxdowntime: Invalid downtime');
    await ctx.call('domain.migrateSetMaxDowntime', { domain: domRef(dom), downtime: Number(downtime) });
  },
  DOMAIN_MIGRATE_GET_MAX_DOWNTIME: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainMigrateGetMaxDowntime');
    return { downtime: BigInt((await ctx.call('domain.migrateGetMaxDowntime', { domain: domRef(dom) })).downtime) };
  },
  DOMAIN_MIGRATE_SET_MAX_SPEED: async ({ dom, bandwidth, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainMigrateSetMaxSpeed');
    await ctx.call('domain.migrateSetMaxSpeed', { domain: domRef(dom), bandwidth: Number(bandwidth) });
  },
  DOMAIN_MIGRATE_GET_MAX_SPEED: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainMigrateGetMaxSpeed');
    return { bandwidth: BigInt((await ctx.call('domain.migrateGetMaxSpeed', { domain: domRef(dom) })).bandwidth) };
  },
};
