// virsh qemu-agent-command: any JSON command sent to the QEMU guest agent as it is given.
// libvirt marks the domain tainted (custom-ga-command) the first time, as it cannot know
// what the command did to the guest.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

/** libvirt's VIR_DOMAIN_QEMU_AGENT_COMMAND_*: -2 blocks, -1 the default (5 s), 0 does not wait */
export const AGENT_COMMAND_TIMEOUT = { BLOCK: -2, DEFAULT: -1, NOWAIT: 0 } as const;

export const agentCommandMethods = {
  'domain.agentCommand': method({
    params: z.object({
      domain: DomainRefSchema,
      command: z.string().describe('the whole command as JSON text, e.g. {"execute":"guest-info"}'),
      timeout: z.number().int().optional().describe('seconds to wait for the reply; -2 blocks, -1 (default) 5 s, 0 does not wait'),
    }),
    result: z.object({ result: z.string().describe('the agent\'s whole reply as JSON text, e.g. {"return":{...}}') }),
    readonly: false,
    summary: 'send a command to the QEMU guest agent (virsh qemu-agent-command)',
  }),
};
