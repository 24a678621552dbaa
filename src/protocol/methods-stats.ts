// Per-domain statistics and monitoring calls (virsh domblkstat, domifstat, dommemstat,
// vcpuinfo, vcpucount, domblkinfo, domjobinfo, domcontrol, desc, send-key with keycodes):
// the numbers come from the running QEMU and the host, never made up.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

const Dom = z.object({ domain: DomainRefSchema });
const n = () => z.number();

export const BlockStatsSchema = z.object({
  rdReq: n(), rdBytes: n(), wrReq: n(), wrBytes: n(), flushReq: n(),
  rdTotalTimeNs: n(), wrTotalTimeNs: n(), flushTotalTimeNs: n(),
});
export const InterfaceStatsSchema = z.object({
  rxBytes: n(), rxPackets: n(), rxErrs: n(), rxDrop: n(), txBytes: n(), txPackets: n(), txErrs: n(), txDrop: n(),
});
const opt = () => z.number().optional();
export const MemoryStatsSchema = z.object({
  actualKiB: n(), rssKiB: n(),
  swapInKiB: opt(), swapOutKiB: opt(), majorFaults: opt(), minorFaults: opt(), unusedKiB: opt(), availableKiB: opt(),
  usableKiB: opt(), lastUpdate: opt().describe('seconds since the epoch of the guest\'s last report'),
  diskCachesKiB: opt(), hugetlbPgalloc: opt(), hugetlbPgfail: opt(),
});
export const VcpuInfoSchema = z.object({
  number: z.number().int(), state: z.enum(['running', 'blocked', 'offline']),
  cpuTimeNs: n(), cpu: z.number().int().describe('host CPU it last ran on'),
  affinity: z.array(z.number().int()).describe('host CPUs it may run on'),
});

export const statsMethods = {
  'domain.blockStats': method({
    params: Dom.extend({ disk: z.string().describe('target (vda) or source path; empty: all disks summed') }),
    result: BlockStatsSchema, readonly: true, summary: 'I/O counters of a running domain\'s disk, from QEMU (virsh domblkstat)',
  }),
  'domain.interfaceStats': method({
    params: Dom.extend({ iface: z.string().describe('host device (vnetN) or MAC address') }),
    result: InterfaceStatsSchema, readonly: true, summary: 'traffic counters of a running domain\'s NIC, seen from the guest (virsh domifstat)',
  }),
  'domain.memoryStats': method({
    params: Dom, result: MemoryStatsSchema, readonly: true,
    summary: 'balloon size, the guest\'s own statistics (with a balloon and a stats period) and QEMU\'s resident memory of a running domain (virsh dommemstat)',
  }),
  'domain.setMemory': method({
    params: Dom.extend({
      kib: z.number().int().min(1).describe('the memory the guest gets, KiB (at most <memory>)'),
      live: z.boolean().optional(), config: z.boolean().optional(),
    }),
    result: z.object({}), readonly: false,
    summary: 'change the current memory through the balloon (live) and/or in the definition (virsh setmem)',
  }),
  'domain.setMemoryStatsPeriod': method({
    params: Dom.extend({
      seconds: z.number().int().min(0).describe('how often the guest sends memory statistics; 0 stops them'),
      live: z.boolean().optional(), config: z.boolean().optional(),
    }),
    result: z.object({}), readonly: false,
    summary: 'set the balloon\'s statistics period, live and/or in the definition (virsh dommemstat --period)',
  }),
  'domain.vcpuInfo': method({
    params: Dom, result: z.object({ vcpus: z.array(VcpuInfoSchema), hostCpus: z.number().int() }), readonly: true,
    summary: 'vCPU threads of a running domain: CPU time, host CPU, affinity (virsh vcpuinfo)',
  }),
  'domain.getVcpuCount': method({
    params: Dom.extend({ config: z.boolean().optional().describe('the definition, not the running domain'), maximum: z.boolean().optional() }),
    result: z.object({ count: z.number().int() }), readonly: true,
    summary: 'current or maximum vCPUs, live or of the definition (virsh vcpucount)',
  }),
  'domain.blockInfo': method({
    params: Dom.extend({ disk: z.string().describe('target (vda) or source path') }),
    result: z.object({ capacity: n(), allocation: n(), physical: n() }), readonly: true,
    summary: 'sizes of a disk\'s image in bytes: guest-visible, allocated on the host, file size (virsh domblkinfo)',
  }),
  'domain.getJobInfo': method({
    params: Dom, result: z.object({ type: z.enum(['none']) }), readonly: true,
    summary: 'the background job of a domain (migration, save, dump): tsvirt runs none (virsh domjobinfo)',
  }),
  'domain.getControlInfo': method({
    params: Dom, result: z.object({ state: z.enum(['ok', 'job', 'occupied']), stateTimeMs: n() }), readonly: true,
    summary: 'whether tsvirtd can talk to a running domain\'s QEMU now (virsh domcontrol)',
  }),
  'domain.getText': method({
    params: Dom.extend({ field: z.enum(['title', 'description']), config: z.boolean().optional().describe('of the definition, not the running domain') }),
    result: z.object({ text: z.string().describe('empty when the domain has none') }), readonly: true,
    summary: 'a domain\'s <title> or <description> (virsh desc)',
  }),
  'domain.setText': method({
    params: Dom.extend({
      field: z.enum(['title', 'description']), text: z.string().optional().describe('absent or empty: remove it'),
      live: z.boolean().optional(), config: z.boolean().optional(),
    }),
    result: z.object({}), readonly: false,
    summary: 'set or remove a domain\'s <title> or <description>, live and/or in the definition (virsh desc --new-desc)',
  }),
  'domain.sendKeyCodes': method({
    params: Dom.extend({
      codeset: z.enum(['linux', 'xt', 'atset1', 'qnum']), keycodes: z.array(z.number().int().min(0)).min(1).max(16),
      holdTimeMs: z.number().int().min(0).max(10_000).optional(),
    }),
    result: z.object({}), readonly: false,
    summary: 'press keys together in the guest, given as numbers of a keycode set (virsh send-key)',
  }),
} as const;
