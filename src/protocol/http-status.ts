// The one mapping from error codes to HTTP statuses (daemon side) and back (client side).
import type { ErrorCode } from '../util/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  'invalid-arg': 400,
  'xml-error': 400,
  'config-unsupported': 400,
  'operation-denied': 403,
  'auth-failed': 401,
  'no-domain': 404,
  'no-storage-pool': 404,
  'no-storage-vol': 404,
  'no-network': 404,
  'no-nodedev': 404,
  'no-domain-snapshot': 404,
  'dom-exist': 409,
  'operation-invalid': 409,
  'operation-timeout': 504,
  'no-support': 501,
  'operation-unsupported': 501,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}
