// Block job methods (virsh blockcopy, blockcommit, blockpull, blockjob): start a job on one
// disk of a running domain, read its progress, change its speed, abort or pivot it.
// Bandwidths are bytes per second. Progress and phase changes also arrive as 'block-job' events.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

const opt = <T extends z.ZodType>(t: T) => t.optional();
const Disk = z.object({
  domain: DomainRefSchema,
  disk: z.string().min(1).describe("the disk's target (vdb) or source path"),
});
const Empty = z.object({});
const Bandwidth = opt(z.number().int().min(0).describe('bytes per second; 0 or absent: unlimited'));

export const blockJobMethods = {
  'domain.blockCopy': method({
    params: Disk.extend({
      dest: z.string().min(1).describe('path of the copy'),
      format: opt(z.string().describe("the copy's image format; default: the source's (or, with reuseExternal, the file's)")),
      blockdev: opt(z.boolean().describe('the destination is a block device')),
      shallow: opt(z.boolean().describe('copy only the top image; the copy shares the backing chain')),
      reuseExternal: opt(z.boolean().describe('the destination exists already')),
      granularity: opt(z.number().int().min(0).describe('dirty-bitmap granularity in bytes, a power of two')),
      bufSize: opt(z.number().int().min(0).describe('most bytes in flight')),
      transientJob: opt(z.boolean().describe('after a pivot, leave the persistent definition on the old image')),
      bandwidth: Bandwidth,
    }),
    result: Empty, readonly: false,
    summary: 'start copying a disk to a new image; pivot with domain.blockJobAbort once ready (virsh blockcopy)',
  }),
  'domain.blockCommit': method({
    params: Disk.extend({
      base: opt(z.string().describe('image to commit into; default the bottom of the chain')),
      top: opt(z.string().describe('image to commit from; default the active image')),
      active: opt(z.boolean().describe('allow committing the active image (a two-phase job)')),
      shallow: opt(z.boolean().describe("base = top's backing image")),
      delete: opt(z.boolean()),
      bandwidth: Bandwidth,
    }),
    result: Empty, readonly: false,
    summary: 'merge images of the chain down into a base (virsh blockcommit)',
  }),
  'domain.blockPull': method({
    params: Disk.extend({ base: opt(z.string().describe('keep this backing image; default pull the whole chain')), bandwidth: Bandwidth }),
    result: Empty, readonly: false,
    summary: 'copy backing images into the active image (virsh blockpull)',
  }),
  'domain.blockJobInfo': method({
    params: Disk,
    result: z.object({
      job: z.object({
        type: z.enum(['pull', 'copy', 'commit', 'active-commit']),
        bandwidth: z.number().describe('bytes per second, 0 unlimited'),
        cur: z.number(), end: z.number(), ready: z.boolean(),
      }).nullable().describe('null: no job on that disk'),
    }),
    readonly: true, summary: "a disk's block job and its progress (virsh blockjob --info)",
  }),
  'domain.blockJobSetSpeed': method({
    params: Disk.extend({ bandwidth: z.number().int().min(0) }), result: Empty, readonly: false,
    summary: "change a running block job's bandwidth (virsh blockjob --bandwidth)",
  }),
  'domain.blockJobAbort': method({
    params: Disk.extend({
      pivot: opt(z.boolean().describe('switch the disk to the copy (or the commit base) instead of cancelling')),
      async: opt(z.boolean().describe('return without waiting for QEMU to end the job')),
    }),
    result: Empty, readonly: false, summary: 'cancel a block job, or pivot a ready copy / active commit (virsh blockjob --abort [--pivot])',
  }),
};
