// What an implementation of a REMOTE procedure sees: its decoded arguments, and a context
// that turns them into API calls (dispatch, with the socket's read-only rule) and gives
// the connection for streams and event callbacks.
import type { MethodName, ParamsOf, ResultOf } from '../../protocol/methods.js';
import type { ArgsOf, RetOf } from '../../protocol/libvirt/procs.js';
import type { remoteProcs, RemoteProcName } from '../../protocol/libvirt/procs-table.js';
import type { Header } from '../../protocol/libvirt/wire.js';
import type { RpcConnection } from './rpc-connection.js';

export interface RpcContext {
  readonly conn: RpcConnection;
  readonly header: Header;
  /** one API method, exactly as the HTTP transport calls it */
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** runs once the reply is on its way (stream data must follow the reply) */
  afterReply(fn: () => void): void;
}

export type Impl<P> = (args: ArgsOf<P>, ctx: RpcContext) => RetOf<P> | Promise<RetOf<P>>;
export type Impls = { [K in RemoteProcName]?: Impl<(typeof remoteProcs)[K]> };
