// Graphics procedures of the REMOTE program: a connection to the guest's display server that
// travels as a file descriptor. OPEN_GRAPHICS_FD's reply is a REPLY_WITH_FDS (its body: the
// number of descriptors, then the void return); OPEN_GRAPHICS is a CALL_WITH_FDS that
// brings the client's descriptor.
import { struct, uint } from './xdr.js';
import { NonnullDomain } from './remote-types.js';
import { proc } from './procs.js';

const GraphicsArgs = (name: string) => struct(name, { dom: NonnullDomain, idx: uint, flags: uint });

export const graphicsProcs = {
  DOMAIN_OPEN_GRAPHICS: proc(249, GraphicsArgs('remote_domain_open_graphics_args'), null),
  DOMAIN_OPEN_GRAPHICS_FD: proc(343, GraphicsArgs('remote_domain_open_graphics_fd_args'), null),
};
