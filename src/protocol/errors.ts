// The error types of the API, re-exported so clients need not reach into util.
export { TsvirtError, XmlError, isTsvirtError, toTsvirtError, strerror, LIBVIRT_ERROR_NUMBER } from '../util/errors.js';
import type { ErrorCode, TsvirtError } from '../util/errors.js';
export type { ErrorCode } from '../util/errors.js';

// libvirt's text before the detail of each error code (virerror.c), so messages read the same.
const PREFIX: Partial<Record<ErrorCode, string>> = {
  'internal-error': 'internal error',
  'no-support': 'this function is not supported by the connection driver',
  'invalid-arg': 'invalid argument',
  'xml-error': 'XML error',
  'config-unsupported': 'unsupported configuration',
  'no-domain': 'Domain not found',
  'operation-invalid': 'Requested operation is not valid',
  'operation-failed': 'operation failed',
  'dom-exist': 'operation failed',
  'operation-denied': 'operation forbidden',
  'operation-timeout': 'Timed out during operation',
  'operation-unsupported': 'Operation not supported',
  'auth-failed': 'authentication failed',
  'hook-failed': 'Hook script execution failed',
  'agent-unresponsive': 'Guest agent is not responding',
  'argument-unsupported': 'argument unsupported',
  'no-hostname': 'no hostname found',
  'no-storage-pool': 'Storage pool not found',
  'no-storage-vol': 'Storage volume not found',
  'no-network': 'Network not found',
  'no-nodedev': 'Node device not found',
};

/** libvirt-style message text of a TsvirtError (prefix added unless the message has it). */
export function libvirtMessage(e: TsvirtError): string {
  const prefix = PREFIX[e.code];
  if (!prefix || e.message.toLowerCase().startsWith(prefix.toLowerCase())) return e.message;
  return `${prefix}: ${e.message}`;
}

