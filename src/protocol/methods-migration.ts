// Live migration (virsh migrate, migrate-setmaxdowntime / -getmaxdowntime, migrate-setspeed /
// -getspeed). The five steps of libvirt's migration protocol v3 are methods of their own,
// so virsh (without --p2p) or the source daemon (with it) can drive them; domain.migrate runs
// them all from the source (peer to peer). Cookies are base64.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema, DomainSummarySchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

const Dom = z.object({ domain: DomainRefSchema });
const Empty = z.object({});
const Cookie = z.string().describe('base64 cookie from the other end');
const MiB = z.number().int().min(0).describe('MiB/s');

export const migrationMethods = {
  'domain.migrateBegin': method({
    params: Dom.extend({ xml: z.string().optional().describe('XML to start on the destination instead (--xml)'), dname: z.string().optional(), copyStorage: z.boolean().optional().describe('--copy-storage-all: the disks travel too (NBD)') }),
    result: z.object({ xml: z.string(), cookie: Cookie }), readonly: false,
    summary: 'migration step 1 (source): check the domain can migrate and give the XML to send',
  }),
  'domain.migratePrepare': method({
    params: z.object({
      xml: z.string(), cookie: Cookie.optional(),
      uri: z.string().optional().describe('--migrateuri: address (and port) of the stream'),
      listenAddress: z.string().optional(), dname: z.string().optional(),
      paused: z.boolean().optional().describe('leave the guest paused on the destination'),
      copyStorage: z.boolean().optional().describe('--copy-storage-all: the disks travel too (NBD)'),
    }),
    result: z.object({ uri: z.string(), cookie: Cookie }), readonly: false,
    summary: 'migration step 2 (destination): start QEMU waiting for the stream; answers its address',
  }),
  'domain.migratePerform': method({
    params: Dom.extend({
      uri: z.string().describe('the stream address prepare answered (tcp:HOST:PORT)'),
      live: z.boolean().optional(), autoConverge: z.boolean().optional(), bandwidth: MiB.optional(),
      copyStorage: z.boolean().optional().describe('--copy-storage-all: the disks travel too (NBD)'), cookie: Cookie.optional().describe('the destination\'s prepare cookie'),
    }),
    result: z.object({ cookie: Cookie }), readonly: false,
    summary: 'migration step 3 (source): send the guest\'s state to the destination',
  }),
  'domain.migrateFinish': method({
    params: z.object({ name: z.string().min(1), cancelled: z.boolean(), persistent: z.boolean().optional() }),
    result: DomainSummarySchema, readonly: false,
    summary: 'migration step 4 (destination): wait for the guest to run here (or clean up when cancelled)',
  }),
  'domain.migrateConfirm': method({
    params: Dom.extend({ cancelled: z.boolean(), undefineSource: z.boolean().optional() }), result: Empty, readonly: false,
    summary: 'migration step 5 (source): stop the migrated guest here, or resume it when cancelled',
  }),
  'domain.migrate': method({
    params: Dom.extend({
      destUri: z.string().min(1).describe('the destination daemon, e.g. qemu+tcp://host/system'),
      uri: z.string().optional(), listenAddress: z.string().optional(), dname: z.string().optional(), xml: z.string().optional(),
      live: z.boolean().optional(), persistent: z.boolean().optional(), undefineSource: z.boolean().optional(),
      autoConverge: z.boolean().optional(), bandwidth: MiB.optional(), paused: z.boolean().optional(),
      copyStorageAll: z.boolean().optional(),
    }),
    result: Empty, readonly: false,
    summary: 'migrate the running domain to another tsvirtd, peer to peer (virsh migrate --p2p)',
  }),
  'domain.migrateSetMaxDowntime': method({
    params: Dom.extend({ downtime: z.number().int().min(1).describe('ms') }), result: Empty, readonly: false,
    summary: 'the longest pause allowed at the switch-over (virsh migrate-setmaxdowntime)',
  }),
  'domain.migrateGetMaxDowntime': method({
    params: Dom, result: z.object({ downtime: z.number() }), readonly: true,
    summary: 'the longest pause allowed at the switch-over, ms (virsh migrate-getmaxdowntime)',
  }),
  'domain.migrateSetMaxSpeed': method({
    params: Dom.extend({ bandwidth: MiB }), result: Empty, readonly: false,
    summary: 'cap of the migration stream (virsh migrate-setspeed)',
  }),
  'domain.migrateGetMaxSpeed': method({
    params: Dom, result: z.object({ bandwidth: z.number() }), readonly: true,
    summary: 'cap of the migration stream, MiB/s (virsh migrate-getspeed)',
  }),
};
