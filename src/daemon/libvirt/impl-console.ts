// virsh console (DOMAIN_OPEN_CONSOLE) and channels (DOMAIN_OPEN_CHANNEL): a stream joined
// to a console session (console.ts), the same sessions the HTTP transport's WebSocket
// console opens, so one client at a time per device across both.
import type { NonnullDomain } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import type { Consoles, ConsoleRequest } from '../console.js';
import { checkFlags } from './rpc-errors.js';
import { apiName } from './rpc-errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { uuidString } from './rpc-ids.js';
import { openStream } from './rpc-stream.js';

const CONSOLE = { FORCE: 1, SAFE: 2 }; // virDomainConsoleFlags
const CHANNEL_FORCE = 1; // virDomainChannelFlags

function attach(ctx: RpcContext, proc: string, dom: NonnullDomain, req: Omit<ConsoleRequest, 'domain'>): void {
  // streams bypass the API's dispatch: the read-only rule is applied here, as libvirtd's API does
  if (ctx.conn.readonly) throw new TsvirtError('operation-denied', `read only access prevents ${apiName(proc)}`);
  const consoles = ctx.conn.deps.extras.consoles as Consoles;
  const domain = uuidString(dom.uuid);
  const st = openStream(ctx);
  let session;
  try {
    session = consoles.open({ ...req, domain }, {
      data: (b) => st.send(b),
      // the device closed (guest gone): end of data, the client then finishes; a reason is an error
      end: (reason) => (reason === undefined ? st.sendEof() : st.fail(new TsvirtError('operation-failed', reason))),
    });
  } catch (e) {
    st.discard();
    if (e instanceof TsvirtError && e.code === 'no-domain') throw new TsvirtError('no-domain', `no domain with matching uuid '${domain}' (${dom.name})`);
    if (e instanceof TsvirtError && e.code === 'operation-invalid' && /is not running/.test(e.message)) throw new TsvirtError('operation-invalid', 'domain is not running');
    throw e;
  }
  const s = session;
  st.handler = { data: (b) => s.write(b), finish: () => s.close(), abort: () => s.close() };
}

export const consoleImpls: Impls = {
  DOMAIN_OPEN_CONSOLE: ({ dom, dev_name, flags }, ctx) => {
    // SAFE asks for exclusive access, which every session here has (FORCE takes it over)
    checkFlags(flags, CONSOLE.FORCE | CONSOLE.SAFE, 'virDomainOpenConsole');
    attach(ctx, 'DOMAIN_OPEN_CONSOLE', dom, { dev: dev_name ?? undefined, force: (flags & CONSOLE.FORCE) !== 0 });
  },
  DOMAIN_OPEN_CHANNEL: ({ dom, name, flags }, ctx) => {
    checkFlags(flags, CHANNEL_FORCE, 'virDomainOpenChannel');
    attach(ctx, 'DOMAIN_OPEN_CHANNEL', dom, { dev: name ?? undefined, force: (flags & CHANNEL_FORCE) !== 0, channel: true });
  },
};
