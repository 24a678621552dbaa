// API methods the web UI needs beside the domain ones: its login token, key presses
// (Ctrl+Alt+Del from a console) and CPU time of every domain for the VM list.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

export const DomainStatsSchema = z.object({
  name: z.string(),
  vcpus: z.number().int(),
  maxMemoryKiB: z.number(),
  cpuTimeNs: z.number().describe('guest CPU time used, nanoseconds; 0 when not running'),
});
export type DomainStats = z.infer<typeof DomainStatsSchema>;

export const webMethods = {
  'ui.createLoginToken': method({
    params: z.object({}),
    result: z.object({
      token: z.string(),
      url: z.string().describe('http://ADDR:PORT/login?token=...: opens a session in a browser'),
      expiresInSec: z.number().int(),
    }),
    readonly: false,
    summary: 'a one-time login token for the web UI (tsvirt ui); fails when tsvirtd has no --listen-http',
  }),
  'domain.sendKey': method({
    params: z.object({
      domain: DomainRefSchema,
      keys: z.array(z.string().regex(/^[a-z0-9_]+$/, 'a QEMU qcode such as ctrl, alt, delete')).min(1).max(16),
      holdTimeMs: z.number().int().min(0).max(10_000).optional(),
    }),
    result: z.object({}),
    readonly: false,
    summary: 'press keys together in the guest, as QEMU qcodes (virsh send-key --codeset qnum is not supported)',
  }),
  'domain.listStats': method({
    params: z.object({}),
    result: z.object({ stats: z.array(DomainStatsSchema) }),
    readonly: true,
    summary: 'vCPUs, memory and CPU time of every domain (virsh domstats --cpu-total --vcpu --balloon, in short)',
  }),
} as const;
