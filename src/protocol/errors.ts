// The error types of the API, re-exported so clients need not reach into util.
export { TsvirtError, XmlError, isTsvirtError, toTsvirtError, LIBVIRT_ERROR_NUMBER } from '../util/errors.js';
export type { ErrorCode } from '../util/errors.js';
