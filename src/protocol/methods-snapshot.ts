// Domain snapshots (virsh snapshot-*): create from domainsnapshot XML, list with libvirt's
// filters, look up, XML, current, revert, delete.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

const opt = <T extends z.ZodType>(t: T) => t.optional();
const Dom = z.object({ domain: DomainRefSchema });
const Snap = Dom.extend({ name: z.string() });
const Empty = z.object({});

export const SnapshotInfoSchema = z.object({
  name: z.string(),
  parent: opt(z.string()),
  description: opt(z.string()),
  creationTime: z.number().int().describe('seconds since the epoch'),
  state: z.string().describe('running, paused, shutoff, disk-snapshot, ...'),
  location: z.enum(['internal', 'external']),
  current: z.boolean(),
  children: z.number().int(),
  descendants: z.number().int(),
});
export type SnapshotInfo = z.infer<typeof SnapshotInfoSchema>;

export const SnapshotFilterSchema = z.object({
  roots: opt(z.boolean().describe('only snapshots without a parent (of a whole list)')),
  descendants: opt(z.boolean().describe('with `of`: all descendants, not only children')),
  leaves: opt(z.boolean()), noLeaves: opt(z.boolean()),
  metadata: opt(z.boolean()), noMetadata: opt(z.boolean()),
  inactive: opt(z.boolean()), active: opt(z.boolean()), diskOnly: opt(z.boolean()),
  internal: opt(z.boolean()), external: opt(z.boolean()),
  topological: opt(z.boolean().describe('parents before children')),
});

export const snapshotMethods = {
  'snapshot.create': method({
    params: Dom.extend({
      xml: opt(z.string().describe('domainsnapshot XML; default: a snapshot named by the time')),
      redefine: opt(z.boolean().describe('(re)define the metadata of an existing snapshot from its XML')),
      current: opt(z.boolean().describe('with redefine: make it the current snapshot')),
      noMetadata: opt(z.boolean()), halt: opt(z.boolean().describe('stop the domain after the snapshot')),
      diskOnly: opt(z.boolean().describe('external disk snapshots, no memory')),
      reuseExternal: opt(z.boolean()), quiesce: opt(z.boolean().describe('freeze the guest filesystems through the guest agent')),
      atomic: opt(z.boolean()), live: opt(z.boolean()),
    }),
    result: SnapshotInfoSchema, readonly: false, summary: 'create a snapshot (virsh snapshot-create, snapshot-create-as)',
  }),
  'snapshot.list': method({
    params: Dom.extend({ of: opt(z.string().describe("a snapshot: list its children instead of the domain's snapshots")), filter: opt(SnapshotFilterSchema) }),
    result: z.object({ snapshots: z.array(SnapshotInfoSchema) }), readonly: true,
    summary: 'snapshots of a domain, or children of a snapshot (virsh snapshot-list)',
  }),
  'snapshot.lookup': method({ params: Snap, result: SnapshotInfoSchema, readonly: true, summary: 'one snapshot (virsh snapshot-info)' }),
  'snapshot.getXml': method({ params: Snap, result: z.object({ xml: z.string() }), readonly: true, summary: 'virsh snapshot-dumpxml' }),
  'snapshot.current': method({
    params: Dom, result: z.object({ name: opt(z.string()) }), readonly: true, summary: 'the current snapshot, if any (virsh snapshot-current)',
  }),
  'snapshot.revert': method({
    params: Snap.extend({ running: opt(z.boolean()), paused: opt(z.boolean()), force: opt(z.boolean()) }),
    result: Empty, readonly: false, summary: 'revert the domain to a snapshot (virsh snapshot-revert)',
  }),
  'snapshot.delete': method({
    params: Snap.extend({ children: opt(z.boolean()), childrenOnly: opt(z.boolean()), metadata: opt(z.boolean().describe('only the metadata; the disk data stays')) }),
    result: Empty, readonly: false, summary: 'delete a snapshot (virsh snapshot-delete)',
  }),
};
