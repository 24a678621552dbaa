// /v1/vnc?domain=NAME: a WebSocket (noVNC's 'binary' subprotocol) spliced to the guest's
// VNC server, which stays on 127.0.0.1 or a unix socket: only tsvirtd talks to it.
import * as net from 'node:net';
import type { WebSocket } from 'ws';
import { TsvirtError, toTsvirtError } from '../util/errors.js';
import type { DomainService } from './domain-service.js';
import { CONSOLE_ERROR_CLOSE } from './console.js';

/** Where the running domain's first VNC server listens. */
export function vncTarget(service: DomainService, domain: string): net.NetConnectOpts {
  const entry = service.registry.lookup(domain);
  if (!entry.vm) throw new TsvirtError('operation-invalid', `domain '${entry.config.name}' is not running`);
  // the first VNC display: a domain may have SPICE (which the browser cannot show) next to it
  const g = entry.vm.live.devices.graphics.find((x) => x.type === 'vnc');
  if (!g) throw new TsvirtError('operation-unsupported', `domain '${entry.config.name}' has no VNC graphics`);
  const listen = g.listens[0];
  if (listen?.type === 'none') throw new TsvirtError('operation-unsupported', `domain '${entry.config.name}': VNC listens nowhere (listen type none)`);
  if (listen?.type === 'socket') {
    if (!listen.socket) throw new TsvirtError('internal-error', `domain '${entry.config.name}': VNC socket path unknown`);
    return { path: listen.socket };
  }
  if (!g.port || g.port < 0) throw new TsvirtError('internal-error', `domain '${entry.config.name}': VNC port unknown`);
  const addr = listen?.address ?? g.listen ?? '127.0.0.1';
  // a wildcard listen is reachable on loopback; tsvirtd connects there
  const host = addr === '0.0.0.0' ? '127.0.0.1' : addr === '::' ? '::1' : addr;
  return { host, port: g.port };
}

export function vncOpener(service: DomainService): (ws: WebSocket, domain: string) => void {
  return (ws, domain) => {
    let target: net.NetConnectOpts;
    try {
      target = vncTarget(service, domain);
    } catch (e) {
      ws.close(CONSOLE_ERROR_CLOSE, toTsvirtError(e).message.slice(0, 120));
      return;
    }
    const sock = net.connect(target);
    let closed = false;
    const end = (reason?: string) => {
      if (closed) return;
      closed = true;
      sock.destroy();
      if (reason) ws.close(CONSOLE_ERROR_CLOSE, reason.slice(0, 120));
      else ws.close();
    };
    sock.on('data', (b: Buffer) => ws.send(b));
    sock.on('error', (e) => end(`cannot reach the VNC server: ${e.message}`));
    sock.on('close', () => end());
    ws.on('message', (data: Buffer) => {
      if (!closed) sock.write(data);
    });
    ws.on('close', () => end());
    ws.on('error', () => end());
  };
}
