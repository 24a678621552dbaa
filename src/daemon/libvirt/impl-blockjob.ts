// The block job procedures (procs-blockjob.ts), each one call of src/protocol/methods-blockjob.ts;
// flags, bandwidth units (MiB/s unless the BANDWIDTH_BYTES flag) and job type numbers as libvirt's.
import { TypedParamType, type TypedParam } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import { parseXmlDocument } from '../../util/xml-reader.js';
import { checkFlags } from './rpc-errors.js';
import type { Impls } from './rpc-impl.js';
import { domRef } from './rpc-ids.js';

const MiB = 1024 * 1024;
const ABORT = { ASYNC: 1, PIVOT: 2 }; // VIR_DOMAIN_BLOCK_JOB_ABORT_*
const INFO_BANDWIDTH_BYTES = 1; // VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES
const SPEED_BANDWIDTH_BYTES = 1; // VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES
const PULL_BANDWIDTH_BYTES = 64; // VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES
const REBASE = { SHALLOW: 1, REUSE_EXT: 2, COPY_RAW: 4, COPY: 8, RELATIVE: 16, COPY_DEV: 32, BANDWIDTH_BYTES: 64 }; // VIR_DOMAIN_BLOCK_REBASE_*
const COPY = { SHALLOW: 1, REUSE_EXT: 2, TRANSIENT_JOB: 4, SYNCHRONOUS_WRITES: 8 }; // VIR_DOMAIN_BLOCK_COPY_*
const COMMIT = { SHALLOW: 1, DELETE: 2, ACTIVE: 4, RELATIVE: 8, BANDWIDTH_BYTES: 16 }; // VIR_DOMAIN_BLOCK_COMMIT_*
/** virDomainBlockJobType */
export const BLOCK_JOB_TYPE = { pull: 1, copy: 2, commit: 3, 'active-commit': 4 } as const;

/** libvirt's bandwidth argument in bytes/s; MiB/s unless the flag says bytes */
function bytesPerSecond(bandwidth: bigint, bytes: boolean): number | undefined {
  const n = Number(bandwidth);
  if (!n) return undefined;
  if (!bytes && n > Number.MAX_SAFE_INTEGER / MiB) throw new TsvirtError('invalid-arg', `bandwidth must be less than ${Math.floor(Number.MAX_SAFE_INTEGER / MiB)}`);
  return bytes ? n : n * MiB;
}

/** <disk type='file|block'><source file|dev=.../><driver type=.../></disk> of virDomainBlockCopy */
function copyDest(xml: string): { dest: string; format?: string; blockdev: boolean } {
  const disk = parseXmlDocument(xml, 'disk');
  const type = disk.attr('type') ?? 'file';
  if (type !== 'file' && type !== 'block') throw new TsvirtError('operation-unsupported', `copy to a disk of type '${type}' is not supported`);
  const src = disk.child('source');
  const dest = type === 'block' ? src?.attr('dev') : src?.attr('file');
  if (!dest) throw new TsvirtError('xml-error', 'missing source path of the block copy destination');
  return { dest, format: disk.child('driver')?.attr('type'), blockdev: type === 'block' };
}

function paramNumber(params: TypedParam[], field: string): number | undefined {
  const p = params.find((x) => x.field === field);
  if (!p) return undefined;
  if (p.value.type !== TypedParamType.ULLONG && p.value.type !== TypedParamType.UINT) throw new TsvirtError('invalid-arg', `invalid type for parameter '${field}'`);
  return Number(p.value.value);
}

export const blockJobImpls: Impls = {
  DOMAIN_BLOCK_JOB_ABORT: async ({ dom, path, flags }, ctx) => {
    checkFlags(flags, ABORT.ASYNC | ABORT.PIVOT, 'qemuDomainBlockJobAbort');
    await ctx.call('domain.blockJobAbort', { domain: domRef(dom), disk: path, pivot: !!(flags & ABORT.PIVOT), async: !!(flags & ABORT.ASYNC) });
  },
  DOMAIN_GET_BLOCK_JOB_INFO: async ({ dom, path, flags }, ctx) => {
    checkFlags(flags, INFO_BANDWIDTH_BYTES, 'qemuDomainGetBlockJobInfo');
    const { job } = await ctx.call('domain.blockJobInfo', { domain: domRef(dom), disk: path });
    if (!job) return { found: 0, type: 0, bandwidth: 0n, cur: 0n, end: 0n };
    const bw = flags & INFO_BANDWIDTH_BYTES ? job.bandwidth : Math.floor(job.bandwidth / MiB);
    return { found: 1, type: BLOCK_JOB_TYPE[job.type], bandwidth: BigInt(bw), cur: BigInt(job.cur), end: BigInt(job.end) };
  },
  DOMAIN_BLOCK_JOB_SET_SPEED: async ({ dom, path, bandwidth, flags }, ctx) => {
    checkFlags(flags, SPEED_BANDWIDTH_BYTES, 'qemuDomainBlockJobSetSpeed');
    await ctx.call('domain.blockJobSetSpeed', { domain: domRef(dom), disk: path, bandwidth: bytesPerSecond(bandwidth, !!(flags & SPEED_BANDWIDTH_BYTES)) ?? 0 });
  },
  DOMAIN_BLOCK_PULL: async ({ dom, path, bandwidth, flags }, ctx) => {
    checkFlags(flags, PULL_BANDWIDTH_BYTES, 'qemuDomainBlockPull');
    await ctx.call('domain.blockPull', { domain: domRef(dom), disk: path, bandwidth: bytesPerSecond(bandwidth, !!(flags & PULL_BANDWIDTH_BYTES)) });
  },
  // virsh blockcopy (old API: COPY flag, base = destination) and blockpull --base
  DOMAIN_BLOCK_REBASE: async ({ dom, path, base, bandwidth, flags }, ctx) => {
    checkFlags(flags, Object.values(REBASE).reduce((a, b) => a | b, 0), 'qemuDomainBlockRebase');
    const bw = bytesPerSecond(bandwidth, !!(flags & REBASE.BANDWIDTH_BYTES));
    if (flags & REBASE.RELATIVE) throw new TsvirtError('argument-unsupported', 'relative backing names (--keep-relative) are not supported');
    if (flags & REBASE.COPY) {
      if (!base) throw new TsvirtError('invalid-arg', 'destination must not be NULL');
      await ctx.call('domain.blockCopy', {
        domain: domRef(dom), disk: path, dest: base, format: flags & REBASE.COPY_RAW ? 'raw' : undefined, blockdev: !!(flags & REBASE.COPY_DEV),
        shallow: !!(flags & REBASE.SHALLOW), reuseExternal: !!(flags & REBASE.REUSE_EXT), bandwidth: bw,
      });
      return;
    }
    if (flags & (REBASE.SHALLOW | REBASE.REUSE_EXT | REBASE.COPY_RAW | REBASE.COPY_DEV)) throw new TsvirtError('invalid-arg', 'flags are valid only with a block copy');
    await ctx.call('domain.blockPull', { domain: domRef(dom), disk: path, base: base ?? undefined, bandwidth: bw });
  },
  DOMAIN_BLOCK_COMMIT: async ({ dom, disk, base, top, bandwidth, flags }, ctx) => {
    checkFlags(flags, Object.values(COMMIT).reduce((a, b) => a | b, 0), 'qemuDomainBlockCommit');
    if (flags & COMMIT.RELATIVE) throw new TsvirtError('argument-unsupported', 'relative backing names (--keep-relative) are not supported');
    await ctx.call('domain.blockCommit', {
      domain: domRef(dom), disk, base: base ?? undefined, top: top ?? undefined, active: !!(flags & COMMIT.ACTIVE),
      shallow: !!(flags & COMMIT.SHALLOW), delete: !!(flags & COMMIT.DELETE), bandwidth: bytesPerSecond(bandwidth, !!(flags & COMMIT.BANDWIDTH_BYTES)),
    });
  },
  DOMAIN_BLOCK_COPY: async ({ dom, path, destxml, params, flags }, ctx) => {
    checkFlags(flags, Object.values(COPY).reduce((a, b) => a | b, 0), 'qemuDomainBlockCopy');
    if (flags & COPY.SYNCHRONOUS_WRITES) throw new TsvirtError('argument-unsupported', 'synchronous writes (--synchronous-writes) are not supported');
    for (const p of params) {
      if (!['bandwidth', 'granularity', 'buf-size'].includes(p.field)) throw new TsvirtError('invalid-arg', `parameter '${p.field}' not supported`);
    }
    const d = copyDest(destxml);
    await ctx.call('domain.blockCopy', {
      domain: domRef(dom), disk: path, ...d, shallow: !!(flags & COPY.SHALLOW), reuseExternal: !!(flags & COPY.REUSE_EXT), transientJob: !!(flags & COPY.TRANSIENT_JOB),
      bandwidth: paramNumber(params, 'bandwidth') || undefined, granularity: paramNumber(params, 'granularity') || undefined,
      bufSize: paramNumber(params, 'buf-size') || undefined,
    });
  },
};
