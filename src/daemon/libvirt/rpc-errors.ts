// TsvirtError -> libvirt's remote_error, so libvirt's clients print the `error:` lines
// and see the virErrorNumber they see from libvirtd.
import { LIBVIRT_ERROR_NUMBER, TsvirtError, libvirtMessage, toTsvirtError, type ErrorCode } from '../../protocol/errors.js';
import type { MessageError } from '../../protocol/libvirt/wire.js';

export const VIR_ERR_RPC = 39;
export const VIR_ERR_ERROR_LEVEL = 2;
const FROM = { rpc: 7, qemu: 10, storage: 18, network: 19, domain: 20, nodedev: 22 } as const;

/** virErrorDomain of a code: where libvirt's own drivers raise it */
function domainOf(code: ErrorCode): number {
  if (code === 'no-storage-pool' || code === 'no-storage-vol') return FROM.storage;
  if (code === 'no-network') return FROM.network;
  if (code === 'no-nodedev') return FROM.nodedev;
  if (code === 'xml-error' || code === 'config-unsupported') return FROM.domain;
  return FROM.qemu;
}

function body(code: number, domain: number, message: string): MessageError {
  return { code, domain, message, level: VIR_ERR_ERROR_LEVEL, dom: null, str1: message, str2: null, str3: null, int1: -1, int2: -1, net: null };
}

export function toMessageError(e: unknown): MessageError {
  if (e instanceof RpcError) return body(VIR_ERR_RPC, FROM.rpc, e.message);
  const err = toTsvirtError(e);
  return body(LIBVIRT_ERROR_NUMBER[err.code] ?? 1, domainOf(err.code), libvirtMessage(err));
}

/** A protocol-level error (VIR_ERR_RPC): bad message, unknown procedure or program. */
export class RpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

/** libvirt's public API name of a procedure: DOMAIN_SNAPSHOT_CREATE_XML -> virDomainSnapshotCreateXML */
export function apiName(proc: string): string {
  const upper = new Set(['XML', 'UUID', 'ID', 'CPU', 'URI', 'MAC', 'NMI', 'IO', 'PM', 'SEV', 'FD', 'SSH', 'OS', 'IP', 'TLS']);
  // the QEMU program's: QEMU_DOMAIN_AGENT_COMMAND -> virDomainQemuAgentCommand
  if (proc.startsWith('QEMU_')) proc = proc.slice(5).replace('DOMAIN_', 'DOMAIN_QEMU_');
  const words = proc.replace(/^CONNECT_/, 'CONNECT_').split('_');
  return 'vir' + words.map((w) => (upper.has(w) ? w : w[0] + w.slice(1).toLowerCase())).join('');
}

export function notSupported(proc: string): TsvirtError {
  return new TsvirtError('no-support', apiName(proc));
}

/** libvirt's virCheckFlags: unknown bits are refused, nothing is done */
export function checkFlags(flags: number, known: number, api: string): void {
  const extra = (flags >>> 0) & ~known;
  if (extra) throw new TsvirtError('invalid-arg', `unsupported flags (0x${(extra >>> 0).toString(16)}) in function ${api}`);
}
