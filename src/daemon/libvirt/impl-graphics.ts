// The graphical console of a local client (virt-manager calls virDomainOpenGraphicsFD):
// tsvirtd connects to the guest's VNC server, the one the web UI's /v1/vnc reaches
// (vnc-proxy.ts), and hands the connected socket to the client in a REPLY_WITH_FDS
// (fd-pass.ts sends it). libvirtd has QEMU accept one end of a socketpair instead; either
// way the client holds a descriptor that speaks RFB from the server's greeting on.
// DOMAIN_OPEN_GRAPHICS, where the client passes its own descriptor, is not supported:
// Node cannot receive descriptors (see rpc-connection.ts).
import * as net from 'node:net';
import { TsvirtError } from '../../util/errors.js';
import { sendFds } from './fd-pass.js';
import { checkFlags } from './rpc-errors.js';
import type { Impls } from './rpc-impl.js';
import { uuidString } from './rpc-ids.js';

/** where a running domain's VNC server listens (vnc-proxy.ts vncTarget), by name or UUID */
export type VncTarget = (domain: string) => net.NetConnectOpts;

const CONNECT_TIMEOUT_MS = 10_000;

/** a socket connected to target that Node never reads from: its bytes are the client's */
function connectPaused(target: net.NetConnectOpts): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(target);
    // paused before it connects, or Node would read the server's greeting itself
    sock.pause();
    const fail = (why: string) => {
      sock.destroy();
      reject(new TsvirtError('operation-failed', `cannot reach the VNC server: ${why}`));
    };
    const timer = setTimeout(() => fail('timed out'), CONNECT_TIMEOUT_MS);
    sock.once('error', (e) => {
      clearTimeout(timer);
      fail(e.message);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.on('error', () => sock.destroy());
      resolve(sock);
    });
  });
}

export const graphicsImpls: Impls = {
  DOMAIN_OPEN_GRAPHICS_FD: async ({ dom, idx, flags }, ctx) => {
    // SKIPAUTH (1) would need QEMU to take the client without its VNC password: not offered
    checkFlags(flags, 0, 'virDomainOpenGraphicsFD');
    // no API call here: the read-only rule is applied as libvirt's API does
    if (ctx.conn.readonly) throw new TsvirtError('operation-denied', 'read only access prevents virDomainOpenGraphicsFD');
    const domain = uuidString(dom.uuid);
    let target: net.NetConnectOpts;
    try {
      target = (ctx.conn.deps.extras.vncTarget as VncTarget)(domain);
    } catch (e) {
      if (e instanceof TsvirtError && e.code === 'no-domain') throw new TsvirtError('no-domain', `no domain with matching uuid '${domain}' (${dom.name})`);
      if (e instanceof TsvirtError && e.code === 'operation-invalid' && /is not running/.test(e.message)) throw new TsvirtError('operation-invalid', 'domain is not running');
      throw e;
    }
    if (idx !== 0) throw new TsvirtError('operation-unsupported', `only the first graphics device (index 0) can be opened, not index ${idx}`);
    const sock = await connectPaused(target);
    ctx.conn.attachFds(ctx.header, {
      count: 1,
      send: (over) => sendFds(over, [sock]).finally(() => sock.destroy()),
      drop: () => sock.destroy(),
    });
  },
};
