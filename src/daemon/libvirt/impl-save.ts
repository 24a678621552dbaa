// Save / restore / managed save and domain job procedures (procs-save.ts), each one call of
// src/protocol/methods-save.ts; flags as libvirt's qemu driver checks them.
import { TypedParamType, type TypedParam } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import { checkFlags } from './rpc-errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { domRef } from './rpc-ids.js';
import type { NonnullDomain } from '../../protocol/libvirt/remote-types.js';

const SAVE = { BYPASS_CACHE: 1, RUNNING: 2, PAUSED: 4, RESET_NVRAM: 8 }; // VIR_DOMAIN_SAVE_*
const SAVE_FLAGS = SAVE.BYPASS_CACHE | SAVE.RUNNING | SAVE.PAUSED;
const XML_SECURE = 1; // VIR_DOMAIN_SAVE_IMAGE_XML_SECURE
const JOB_STATS = { COMPLETED: 1, KEEP_COMPLETED: 2 }; // VIR_DOMAIN_JOB_STATS_*
/** virDomainJobType */
const JOB_TYPE = { none: 0, bounded: 1, unbounded: 2, completed: 3, failed: 4, cancelled: 5 } as const;
/** the job fields libvirt sends as int; every other number is an unsigned long long */
const INT_FIELDS = new Set(['operation', 'auto_converge_throttle']);

const state = (flags: number) => ({ running: (flags & SAVE.RUNNING) !== 0, paused: (flags & SAVE.PAUSED) !== 0 });

function typed(field: string, value: number | string): TypedParam {
  if (typeof value === 'string') return { field, value: { type: TypedParamType.STRING, value } };
  if (INT_FIELDS.has(field)) return { field, value: { type: TypedParamType.INT, value: Math.round(value) } };
  return { field, value: { type: TypedParamType.ULLONG, value: BigInt(Math.max(0, Math.round(value))) } };
}

async function jobStats(ctx: RpcContext, dom: NonnullDomain, flags: number) {
  return ctx.call('domain.jobStats', {
    domain: domRef(dom), completed: (flags & JOB_STATS.COMPLETED) !== 0, keepCompleted: (flags & JOB_STATS.KEEP_COMPLETED) !== 0,
  });
}

export const saveImpls: Impls = {
  DOMAIN_SAVE: async ({ dom, to }, ctx) => void (await ctx.call('domain.save', { domain: domRef(dom), file: to })),
  DOMAIN_SAVE_FLAGS: async ({ dom, to, dxml, flags }, ctx) => {
    checkFlags(flags, SAVE_FLAGS, 'qemuDomainSaveFlags');
    await ctx.call('domain.save', { domain: domRef(dom), file: to, xml: dxml ?? undefined, ...state(flags) });
  },
  DOMAIN_RESTORE: async ({ from }, ctx) => void (await ctx.call('domain.restore', { file: from })),
  DOMAIN_RESTORE_FLAGS: async ({ from, dxml, flags }, ctx) => {
    checkFlags(flags, SAVE_FLAGS | SAVE.RESET_NVRAM, 'qemuDomainRestoreFlags');
    await ctx.call('domain.restore', { file: from, xml: dxml ?? undefined, ...state(flags) });
  },
  DOMAIN_SAVE_IMAGE_GET_XML_DESC: async ({ file, flags }, ctx) => {
    checkFlags(flags, XML_SECURE, 'qemuDomainSaveImageGetXMLDesc');
    return ctx.call('domain.saveImageGetXml', { file, secure: (flags & XML_SECURE) !== 0 });
  },
  DOMAIN_SAVE_IMAGE_DEFINE_XML: async ({ file, dxml, flags }, ctx) => {
    checkFlags(flags, SAVE.RUNNING | SAVE.PAUSED, 'qemuDomainSaveImageDefineXML');
    await ctx.call('domain.saveImageDefine', { file, xml: dxml, ...state(flags) });
  },
  DOMAIN_MANAGED_SAVE: async ({ dom, flags }, ctx) => {
    checkFlags(flags, SAVE_FLAGS, 'qemuDomainManagedSave');
    await ctx.call('domain.managedSave', { domain: domRef(dom), ...state(flags) });
  },
  DOMAIN_HAS_MANAGED_SAVE_IMAGE: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainHasManagedSaveImage');
    return { result: (await ctx.call('domain.hasManagedSave', { domain: domRef(dom) })).result ? 1 : 0 };
  },
  DOMAIN_MANAGED_SAVE_REMOVE: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainManagedSaveRemove');
    await ctx.call('domain.managedSaveRemove', { domain: domRef(dom) });
  },
  DOMAIN_MANAGED_SAVE_GET_XML_DESC: async ({ dom, flags }, ctx) => {
    checkFlags(flags, XML_SECURE, 'qemuDomainManagedSaveGetXMLDesc');
    return ctx.call('domain.managedSaveGetXml', { domain: domRef(dom), secure: (flags & XML_SECURE) !== 0 });
  },
  DOMAIN_MANAGED_SAVE_DEFINE_XML: async ({ dom, dxml, flags }, ctx) => {
    checkFlags(flags, SAVE.RUNNING | SAVE.PAUSED, 'qemuDomainManagedSaveDefineXML');
    if (dxml === null) throw new TsvirtError('invalid-arg', 'dxml in virDomainManagedSaveDefineXML must not be NULL');
    await ctx.call('domain.managedSaveDefine', { domain: domRef(dom), xml: dxml, ...state(flags) });
  },
  DOMAIN_GET_JOB_STATS: async ({ dom, flags }, ctx) => {
    checkFlags(flags, JOB_STATS.COMPLETED | JOB_STATS.KEEP_COMPLETED, 'qemuDomainGetJobStats');
    const s = await jobStats(ctx, dom, flags);
    return { type: JOB_TYPE[s.type], params: s.type === 'none' ? [] : s.params.map((p) => typed(p.field, p.value)) };
  },
  // the old fixed struct: the same figures, time in ms and sizes in bytes
  DOMAIN_GET_JOB_INFO: async ({ dom }, ctx) => {
    const s = await jobStats(ctx, dom, 0);
    const v = (k: string) => {
      const p = s.params.find((x) => x.field === k);
      return BigInt(typeof p?.value === 'number' ? Math.max(0, Math.round(p.value)) : 0);
    };
    return {
      type: JOB_TYPE[s.type], timeElapsed: v('time_elapsed'), timeRemaining: v('time_remaining'),
      dataTotal: v('data_total'), dataProcessed: v('data_processed'), dataRemaining: v('data_remaining'),
      memTotal: v('memory_total'), memProcessed: v('memory_processed'), memRemaining: v('memory_remaining'),
      fileTotal: v('file_total'), fileProcessed: v('file_processed'), fileRemaining: v('file_remaining'),
    };
  },
  DOMAIN_ABORT_JOB: async ({ dom }, ctx) => void (await ctx.call('domain.abortJob', { domain: domRef(dom) })),
  DOMAIN_ABORT_JOB_FLAGS: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainAbortJobFlags');
    await ctx.call('domain.abortJob', { domain: domRef(dom) });
  },
};
