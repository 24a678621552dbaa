// Statistics of many domains at once (libvirt's connectGetAllDomainStats, virsh domstats, the
// Prometheus endpoint, the web UI's charts), of one domain's CPU use per host CPU (virsh
// cpu-stats) and of the host (virsh nodecpustats, nodememstats, nodecpumap).
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema, DomainStateSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

/** libvirt's stats groups (virDomainStatsTypes), in its bit order */
export const STATS_GROUPS = ['state', 'cpu-total', 'balloon', 'vcpu', 'interface', 'block', 'perf', 'iothread', 'memory', 'dirtyrate', 'vm'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];
/** the groups tsvirtd gives; perf has no fields (tsvirt enables no perf events) */
export const SUPPORTED_STATS_GROUPS: readonly StatsGroup[] = ['state', 'cpu-total', 'balloon', 'vcpu', 'interface', 'block', 'perf'];

export const DomainStatsRecordSchema = z.object({
  name: z.string(), uuid: z.string(), id: z.number().int().nullable().describe('live id; null when not running'),
  stats: z.record(z.union([z.number(), z.string()])).describe("libvirt's field names (state.state, cpu.time, block.0.rd.bytes, ...), in libvirt's order"),
});
export type DomainStatsRecord = z.infer<typeof DomainStatsRecordSchema>;

export const hostStatsMethods = {
  'domain.getAllStats': method({
    params: z.object({
      domains: z.array(DomainRefSchema).optional().describe('these domains (an unknown one is an error); absent: every domain the filter keeps'),
      groups: z.array(z.enum(STATS_GROUPS)).optional().describe('absent or empty: every group tsvirtd gives'),
      enforce: z.boolean().optional().describe('fail when a group asked for is one tsvirtd cannot give, instead of leaving it out'),
      active: z.boolean().optional().describe('only running (true) or only inactive (false) domains'),
      persistent: z.boolean().optional(),
      states: z.array(DomainStateSchema).optional().describe('only domains in one of these states'),
    }),
    result: z.object({ records: z.array(DomainStatsRecordSchema) }), readonly: true,
    summary: 'statistics of many domains in one call, by group (virsh domstats, virConnectGetAllDomainStats)',
  }),
  'domain.cpuStats': method({
    params: z.object({ domain: DomainRefSchema }),
    result: z.object({
      perCpu: z.array(z.object({ cpuTimeNs: z.number(), vcpuTimeNs: z.number() })).describe('one entry per host CPU'),
      total: z.object({ cpuTimeNs: z.number(), userTimeNs: z.number(), systemTimeNs: z.number() }),
    }),
    readonly: true, summary: "a running domain's CPU time per host CPU and in total (virsh cpu-stats)",
  }),
  'node.cpuStats': method({
    params: z.object({ cpu: z.number().int().optional().describe('a host CPU; absent or -1: all of them together') }),
    result: z.object({ kernelNs: z.number(), userNs: z.number(), idleNs: z.number(), iowaitNs: z.number() }),
    readonly: true, summary: 'CPU time the host spent in kernel, user, idle and I/O wait, since boot (virsh nodecpustats)',
  }),
  'node.memoryStats': method({
    params: z.object({ cell: z.number().int().optional().describe('a NUMA cell; absent or -1: the whole host') }),
    result: z.object({ totalKiB: z.number(), freeKiB: z.number(), buffersKiB: z.number().optional(), cachedKiB: z.number().optional() }),
    readonly: true, summary: "the host's memory: total, free, buffers and page cache, KiB (virsh nodememstats)",
  }),
  'node.cpuMap': method({
    params: z.object({}),
    result: z.object({ present: z.number().int(), online: z.array(z.number().int()) }),
    readonly: true, summary: 'host CPUs present and online (virsh nodecpumap)',
  }),
} as const;
