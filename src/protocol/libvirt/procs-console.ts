// Console and channel procedures of the REMOTE program: each opens a stream that carries
// a guest character device's bytes both ways.
import { struct, uint } from './xdr.js';
import { NonnullDomain, OptString } from './remote-types.js';
import { proc } from './procs.js';

export const consoleProcs = {
  DOMAIN_OPEN_CONSOLE: proc(201, struct('remote_domain_open_console_args', { dom: NonnullDomain, dev_name: OptString, flags: uint }), null, 'both'),
  DOMAIN_OPEN_CHANNEL: proc(296, struct('remote_domain_open_channel_args', { dom: NonnullDomain, name: OptString, flags: uint }), null, 'both'),
};
