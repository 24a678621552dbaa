// Storage pool and volume API methods (virsh pool-* / vol-*). Volume upload and
// download do not fit JSON: they are byte streams on VOLUME_STREAM_PATH (see below).
import * as z from './schema.js';
import type { MethodDef } from './methods.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

export const PoolSummarySchema = z.object({
  name: z.string(), uuid: z.string(), type: z.string(), path: z.string(),
  active: z.boolean(), persistent: z.boolean(), autostart: z.boolean(),
  /** bytes; 0 when inactive */
  capacity: z.number(), allocation: z.number(), available: z.number(),
});
export type PoolSummary = z.infer<typeof PoolSummarySchema>;

export const VolSummarySchema = z.object({
  name: z.string(), pool: z.string(), key: z.string(), path: z.string(),
  type: z.enum(['file', 'block']), format: z.string(),
  capacity: z.number(), allocation: z.number(), physical: z.number(),
});
export type VolSummary = z.infer<typeof VolSummarySchema>;

export const ProgressSchema = z.object({ op: z.string(), pool: z.string(), vol: z.string(), done: z.number(), total: z.number() });

const Empty = z.object({});
const Xml = z.object({ xml: z.string() });
const Pool = z.object({ pool: z.string().describe('pool name or UUID') });
/** a volume by name (with pool), or by path or key (pool optional) */
const Vol = z.object({ vol: z.string(), pool: z.string().optional() });

export const storageMethods = {
  'pool.list': method({ params: Empty, result: z.object({ pools: z.array(PoolSummarySchema) }), readonly: true, summary: 'all pools (virsh pool-list --all)' }),
  'pool.lookup': method({ params: Pool, result: PoolSummarySchema, readonly: true, summary: 'a pool by name or UUID, with its sizes (virsh pool-info)' }),
  'pool.define': method({ params: Xml, result: PoolSummarySchema, readonly: false, summary: 'define a persistent pool (virsh pool-define)' }),
  'pool.create': method({
    params: Xml.extend({ build: z.boolean().optional() }), result: PoolSummarySchema, readonly: false,
    summary: 'start a transient pool from XML (virsh pool-create)',
  }),
  'pool.build': method({ params: Pool.extend({ overwrite: z.boolean().optional() }), result: Empty, readonly: false, summary: 'create the pool\'s folder or volume group (virsh pool-build)' }),
  'pool.start': method({ params: Pool.extend({ build: z.boolean().optional() }), result: Empty, readonly: false, summary: 'start an inactive pool (virsh pool-start)' }),
  'pool.destroy': method({ params: Pool, result: Empty, readonly: false, summary: 'stop a pool; data stays (virsh pool-destroy)' }),
  'pool.delete': method({ params: Pool, result: Empty, readonly: false, summary: 'remove what pool-build created (virsh pool-delete)' }),
  'pool.undefine': method({ params: Pool, result: Empty, readonly: false, summary: 'remove an inactive pool\'s definition (virsh pool-undefine)' }),
  'pool.refresh': method({ params: Pool, result: Empty, readonly: false, summary: 'rescan the pool\'s volumes (virsh pool-refresh)' }),
  'pool.setAutostart': method({ params: Pool.extend({ autostart: z.boolean() }), result: Empty, readonly: false, summary: 'start the pool with tsvirtd (virsh pool-autostart)' }),
  'pool.getXml': method({ params: Pool.extend({ inactive: z.boolean().optional() }), result: Xml, readonly: true, summary: 'pool XML (virsh pool-dumpxml)' }),

  'vol.list': method({ params: Pool, result: z.object({ volumes: z.array(VolSummarySchema) }), readonly: true, summary: 'volumes of an active pool (virsh vol-list)' }),
  'vol.lookup': method({ params: Vol, result: VolSummarySchema, readonly: true, summary: 'a volume by name in a pool, or by path or key (vol-info, vol-path, vol-key, vol-pool)' }),
  'vol.create': method({ params: Pool.merge(Xml), result: VolSummarySchema, readonly: false, summary: 'create a volume from XML (virsh vol-create)' }),
  'vol.createFrom': method({
    params: Pool.merge(Xml).extend({ from: Vol }), result: VolSummarySchema, readonly: false,
    summary: 'create a volume as a copy of another, converting format (virsh vol-create-from); progress in vol.getProgress',
  }),
  'vol.clone': method({ params: Vol.extend({ newName: z.string() }), result: VolSummarySchema, readonly: false, summary: 'copy a volume in its pool (virsh vol-clone)' }),
  'vol.delete': method({ params: Vol, result: Empty, readonly: false, summary: 'delete a volume; refused while a running domain uses it (virsh vol-delete)' }),
  'vol.wipe': method({ params: Vol, result: Empty, readonly: false, summary: 'overwrite a volume\'s data with zeros (virsh vol-wipe)' }),
  'vol.resize': method({
    params: Vol.extend({ capacity: z.number().int().nonnegative(), delta: z.boolean().optional(), shrink: z.boolean().optional() }),
    result: VolSummarySchema, readonly: false, summary: 'grow (or with shrink, shrink) a volume (virsh vol-resize)',
  }),
  'vol.getXml': method({ params: Vol, result: Xml, readonly: true, summary: 'volume XML (virsh vol-dumpxml)' }),
  'vol.getProgress': method({ params: Empty, result: z.object({ jobs: z.array(ProgressSchema) }), readonly: true, summary: 'progress of long volume work in flight (create-from, clone, wipe, upload, download)' }),
};

/**
 * Volume data streams on the daemon socket, beside the JSON API:
 *   PUT  /v1/stream/volume?pool=P&vol=V[&offset=N]          body = bytes to write (upload)
 *   GET  /v1/stream/volume?pool=P&vol=V[&offset=N&length=N]  response = the bytes (download)
 * Errors come back as the JSON error body of the API. Upload may not pass the volume's end.
 */
export { VOLUME_STREAM_PATH } from './paths.js';
