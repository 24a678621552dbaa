// Procedures of libvirt's QEMU program (qemu_protocol.x, program 0x20008087): the calls of
// libvirt-qemu.so that virsh's qemu-agent-command and qemu-monitor-command make. Its own
// numbering, so its own table; the implementations are keyed QEMU_<name> beside the REMOTE ones.
import { int, struct, uint } from './xdr.js';
import { NonnullDomain, NonnullString, OptString } from './remote-types.js';
import { proc, type ProcDef } from './procs.js';

/** every procedure of libvirt 9.0's QEMU program, by number */
const QEMU_PROC_NAMES: readonly string[] = [
  '', 'DOMAIN_MONITOR_COMMAND', 'DOMAIN_ATTACH', 'DOMAIN_AGENT_COMMAND', 'CONNECT_DOMAIN_MONITOR_EVENT_REGISTER',
  'CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER', 'DOMAIN_MONITOR_EVENT', 'DOMAIN_MONITOR_COMMAND_WITH_FILES',
];

export const qemuProcTable = {
  QEMU_DOMAIN_AGENT_COMMAND: proc(3,
    struct('qemu_domain_agent_command_args', { dom: NonnullDomain, cmd: NonnullString, timeout: int, flags: uint }),
    struct('qemu_domain_agent_command_ret', { result: OptString })),
};
export type QemuProcName = keyof typeof qemuProcTable;

export const qemuProcsByNumber: ReadonlyMap<number, ProcDef & { name: string }> = new Map(
  Object.entries(qemuProcTable).map(([name, p]) => [p.num, { ...(p as ProcDef), name }]),
);

/** the implementation key of a QEMU procedure number (QEMU_DOMAIN_...), or undefined when libvirt has none */
export function qemuProcName(num: number): string | undefined {
  return num > 0 && num < QEMU_PROC_NAMES.length ? `QEMU_${QEMU_PROC_NAMES[num]}` : undefined;
}
