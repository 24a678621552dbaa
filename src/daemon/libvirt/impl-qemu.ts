// Implementations of the QEMU program's procedures (procs-qemu.ts), keyed QEMU_<name>.
import type { ArgsOf, RetOf } from '../../protocol/libvirt/procs.js';
import type { QemuProcName, qemuProcTable } from '../../protocol/libvirt/procs-qemu.js';
import type { RpcContext } from './rpc-impl.js';
import { checkFlags } from './rpc-errors.js';
import { domRef } from './rpc-ids.js';

type QemuImpl<P> = (args: ArgsOf<P>, ctx: RpcContext) => RetOf<P> | Promise<RetOf<P>>;
export type QemuImpls = { [K in QemuProcName]?: QemuImpl<(typeof qemuProcTable)[K]> };

export const qemuImpls: QemuImpls = {
  QEMU_DOMAIN_AGENT_COMMAND: async ({ dom, cmd, timeout, flags }, ctx) => {
    checkFlags(flags, 0, 'virDomainQemuAgentCommand');
    const { result } = await ctx.call('domain.agentCommand', { domain: domRef(dom), command: cmd, timeout });
    return { result };
  },
};
