// Picks free TCP ports for VNC and SPICE servers with autoport, as libvirt does (5900 upwards,
// one pool for both, as libvirt's remote display port range).
import * as net from 'node:net';
import type { Domain } from '../conf/domain-types.js';

const VNC_BASE = 5900;
const VNC_MAX = 65535;
/** ports handed out but maybe not yet bound by their QEMU */
const reserved = new Set<number>();

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** ports[i] = chosen port - 5900 for graphics device i (VNC or SPICE on an address); other entries stay empty. */
export async function pickVncPorts(dom: Domain): Promise<number[]> {
  const ports: number[] = [];
  for (const [i, g] of dom.devices.graphics.entries()) {
    if (g.type !== 'vnc' && g.type !== 'spice') continue;
    const listen = g.listens[0];
    if (listen && listen.type !== 'address') continue;
    if (!g.autoport && g.port !== undefined && g.port >= VNC_BASE) {
      ports[i] = g.port - VNC_BASE;
      continue;
    }
    if (!g.autoport && g.type === 'spice') continue;
    const host = g.listen ?? listen?.address ?? '127.0.0.1';
    let port = VNC_BASE;
    while (port <= VNC_MAX && (reserved.has(port) || !(await canBind(port, host)))) port++;
    reserved.add(port);
    // the reservation only bridges the gap until QEMU has bound the port
    setTimeout(() => reserved.delete(port), 30_000).unref();
    ports[i] = port - VNC_BASE;
  }
  return ports;
}
