// Typed errors with libvirt-like codes. Every layer throws these; transports map
// them once (HTTP status in the daemon, message + exit code in the CLI).

export type ErrorCode =
  | 'internal-error'
  | 'no-support'
  | 'invalid-arg'
  | 'xml-error'
  | 'config-unsupported'
  | 'no-domain'
  | 'dom-exist'
  | 'operation-invalid'
  | 'operation-failed'
  | 'operation-denied'
  | 'operation-timeout'
  | 'operation-unsupported'
  | 'system-error'
  | 'no-connect'
  | 'auth-failed'
  | 'hook-failed'
  | 'agent-unresponsive'
  | 'argument-unsupported'
  | 'no-hostname'
  | 'no-storage-pool'
  | 'no-storage-vol'
  | 'no-network'
  | 'no-nodedev'
  | 'no-domain-snapshot'
  | 'snapshot-revert-risky'
  | 'operation-aborted'
  | 'migrate-unsafe'
  | 'block-copy-active';

// libvirt's virErrorNumber for each code, so the libvirt wire protocol (later)
// and scripts that know libvirt's numbers see the same values.
export const LIBVIRT_ERROR_NUMBER: Record<ErrorCode, number> = {
  'internal-error': 1,
  'no-support': 3,
  'no-connect': 5,
  'invalid-arg': 8,
  'operation-failed': 9,
  'xml-error': 27,
  'operation-invalid': 55,
  'no-domain': 42,
  'dom-exist': 52,
  'operation-denied': 6,
  'operation-timeout': 68,
  'operation-unsupported': 84,
  'config-unsupported': 67,
  'system-error': 38,
  'auth-failed': 45,
  'hook-failed': 70,
  'agent-unresponsive': 86,
  'argument-unsupported': 74,
  'no-hostname': 108,
  'no-storage-pool': 49,
  'no-storage-vol': 50,
  'no-network': 43,
  'no-nodedev': 53,
  'no-domain-snapshot': 72,
  'snapshot-revert-risky': 77,
  'operation-aborted': 78,
  'migrate-unsafe': 81,
  'block-copy-active': 83,
};

export class TsvirtError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TsvirtError';
  }
}

/** Error in an XML document; `line` is 1-based when known. */
export class XmlError extends TsvirtError {
  readonly line?: number;
  constructor(message: string, line?: number) {
    super('xml-error', line !== undefined ? `${message} (line ${line})` : message);
    this.line = line;
  }
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EPERM: 'Operation not permitted', EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory', ELOOP: 'Too many levels of symbolic links', ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system', EDQUOT: 'Disk quota exceeded', EIO: 'Input/output error', EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty', EBUSY: 'Device or resource busy', EMFILE: 'Too many open files', ENAMETOOLONG: 'File name too long',
};

/** strerror() of a failed system call, as libvirt's virReportSystemError prints it ("No space left on device") */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code && STRERROR[code]) || (e instanceof Error ? e.message : String(e));
}

export function isTsvirtError(e: unknown): e is TsvirtError {
  return e instanceof TsvirtError;
}

/** Wraps anything thrown into a TsvirtError, keeping typed ones as they are. */
export function toTsvirtError(e: unknown): TsvirtError {
  if (e instanceof TsvirtError) return e;
  if (e instanceof Error) {
    const errno = (e as NodeJS.ErrnoException).code;
    return new TsvirtError(errno ? 'system-error' : 'internal-error', e.message, { cause: e });
  }
  return new TsvirtError('internal-error', String(e));
}
