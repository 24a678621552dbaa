// Shapes shared by methods and events. The schema (schema.ts) is the single definition:
// TypeScript types, request validation and the OpenAPI document all come from it.
import * as z from './schema.js';
import { DOMAIN_STATES, DOMAIN_STATE_NUMBER, DOMAIN_STATE_TEXT, type DomainState } from './domain-state.js';

export const DomainStateSchema = z.enum(DOMAIN_STATES);
export { DOMAIN_STATE_NUMBER, DOMAIN_STATE_TEXT, type DomainState };

export const DomainRefSchema = z.string().min(1).describe('domain name, id or UUID, as virsh accepts');

export const DomainSummarySchema = z.object({
  id: z.number().int().nullable().describe('live id; null when not running'),
  name: z.string(),
  uuid: z.string(),
  state: DomainStateSchema,
  reason: z.string().describe("libvirt's reason word, e.g. booted, shutdown, destroyed, crashed, user"),
  persistent: z.boolean(),
  autostart: z.boolean(),
  title: z.string().optional(),
  managedSave: z.boolean().optional().describe('a managed save image exists: start resumes from it'),
  hasSnapshot: z.boolean().optional().describe('the domain has snapshots (virsh list --with-snapshot)'),
});
export type DomainSummary = z.infer<typeof DomainSummarySchema>;

export const DomainInfoSchema = DomainSummarySchema.extend({
  osType: z.string(),
  vcpus: z.number().int(),
  cpuTimeNs: z.number().describe('guest CPU time used, nanoseconds; 0 when not running'),
  maxMemoryKiB: z.number(),
  usedMemoryKiB: z.number(),
});
export type DomainInfo = z.infer<typeof DomainInfoSchema>;

export const LifecycleEventSchema = z.object({
  type: z.literal('lifecycle'),
  domain: z.object({ name: z.string(), uuid: z.string(), id: z.number().int().nullable() }),
  event: z.enum(['defined', 'undefined', 'started', 'suspended', 'resumed', 'stopped', 'shutdown', 'pmsuspended', 'crashed']),
  detail: z.string().describe("libvirt's detail word, e.g. booted, destroyed, crashed, finished, added, removed"),
  time: z.number().describe('ms since the epoch'),
});
export type LifecycleEvent = z.infer<typeof LifecycleEventSchema>;

const DomainOfEvent = z.object({ name: z.string(), uuid: z.string(), id: z.number().int().nullable() });
const ObjectOfEvent = z.object({ name: z.string(), uuid: z.string() });

/** a live detach has finished: QEMU's DEVICE_DELETED came (libvirt's DEVICE_REMOVED event) */
export const DeviceRemovedEventSchema = z.object({
  type: z.literal('device-removed'),
  domain: DomainOfEvent,
  alias: z.string().describe("the device's alias, e.g. virtio-disk1, net1"),
  time: z.number().describe('ms since the epoch'),
});
export type DeviceRemovedEvent = z.infer<typeof DeviceRemovedEventSchema>;

/** libvirt's virNetworkEventLifecycleType, in its order */
export const NETWORK_EVENTS = ['defined', 'undefined', 'started', 'stopped'] as const;
export const NetworkEventSchema = z.object({
  type: z.literal('network'),
  network: ObjectOfEvent,
  event: z.enum(NETWORK_EVENTS),
  time: z.number().describe('ms since the epoch'),
});
export type NetworkEvent = z.infer<typeof NetworkEventSchema>;

/** libvirt's virStoragePoolEventLifecycleType, in its order (created: built, deleted: pool-delete) */
export const POOL_EVENTS = ['defined', 'undefined', 'started', 'stopped', 'created', 'deleted'] as const;
export const PoolEventSchema = z.object({
  type: z.literal('pool'),
  pool: ObjectOfEvent,
  event: z.enum(POOL_EVENTS),
  time: z.number().describe('ms since the epoch'),
});
export type PoolEvent = z.infer<typeof PoolEventSchema>;

/** an active pool's volumes were re-read (pool-refresh) */
export const PoolRefreshEventSchema = z.object({
  type: z.literal('pool-refresh'),
  pool: ObjectOfEvent,
  time: z.number().describe('ms since the epoch'),
});
export type PoolRefreshEvent = z.infer<typeof PoolRefreshEventSchema>;

/** the QEMU guest agent in a domain connected or went away (libvirt's AGENT_LIFECYCLE event) */
export const AgentLifecycleEventSchema = z.object({
  type: z.literal('agent-lifecycle'),
  domain: DomainOfEvent,
  state: z.enum(['connected', 'disconnected']),
  reason: z.enum(['unknown', 'domain-started', 'channel']).describe('domain-started: reported at start; channel: the guest opened or closed the channel'),
  time: z.number().describe('ms since the epoch'),
});
export type AgentLifecycleEvent = z.infer<typeof AgentLifecycleEventSchema>;

/** a block job (virsh blockcopy / blockcommit / blockpull) changed phase (libvirt's BLOCK_JOB and BLOCK_JOB_2 events) */
export const BlockJobEventSchema = z.object({
  type: z.literal('block-job'),
  domain: DomainOfEvent,
  disk: z.string().describe("the disk's target (vdb)"),
  path: z.string().describe("the disk's source path when the job started"),
  job: z.enum(['pull', 'copy', 'commit', 'active-commit']),
  status: z.enum(['completed', 'failed', 'canceled', 'ready']),
  time: z.number().describe('ms since the epoch'),
});
export type BlockJobEvent = z.infer<typeof BlockJobEventSchema>;

export const EventSchema = z.union([LifecycleEventSchema, DeviceRemovedEventSchema, NetworkEventSchema, PoolEventSchema, PoolRefreshEventSchema, AgentLifecycleEventSchema, BlockJobEventSchema]);
export type TsvirtEvent = z.infer<typeof EventSchema>;

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('libvirt-like error code, e.g. no-domain, operation-invalid, xml-error'),
    number: z.number().int().describe("libvirt's virErrorNumber"),
    message: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
