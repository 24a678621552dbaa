// The libvirt RPC listener: a unix socket whose clients speak libvirt's remote protocol
// (virsh, virt-manager, libvirt-python). Thin like the HTTP transport: each call becomes
// API calls through the one dispatcher. TCP and TLS listeners (rpc-listen-net.ts) hand
// their accepted sockets to the same code.
import * as net from 'node:net';
import { promises as fs } from 'node:fs';
import { RpcConnection, type RpcDeps } from './rpc-connection.js';
import { listenOnPath } from '../http-server.js';

export interface RpcServer {
  server: net.Server;
  connections: Set<RpcConnection>;
  close(): Promise<void>;
}

/** a listening network server: each client it accepts (`event`) goes to `accept`, which calls `serve` once it may speak RPC */
export interface NetListen {
  server: net.Server;
  event: 'connection' | 'secureConnection';
  accept(socket: net.Socket, serve: (s: net.Socket) => void): void;
}

export async function listenLibvirt(where: string | NetListen, readonly: boolean, deps: RpcDeps): Promise<RpcServer> {
  const connections = new Set<RpcConnection>();
  const serve = (socket: net.Socket) => {
    const c = new RpcConnection(socket, deps, readonly);
    connections.add(c);
    c.onClose(() => connections.delete(c));
  };
  let server: net.Server;
  /** every network client's socket */
  const accepting = new Set<net.Socket>();
  if (typeof where === 'string') {
    server = net.createServer(serve);
    await listenOnPath(server, where, readonly);
  } else {
    server = where.server;
    // raw sockets too, so close() does not wait on a TLS handshake in progress
    server.on('connection', (s: net.Socket) => {
      accepting.add(s);
      s.once('close', () => accepting.delete(s));
    });
    server.on(where.event, (s: net.Socket) => {
      where.accept(s, serve);
    });
  }
  return {
    server,
    connections,
    async close() {
      for (const c of connections) c.socket.destroy();
      for (const s of accepting) s.destroy();
      await new Promise((r) => server.close(r));
      if (typeof where === 'string') await fs.rm(where, { force: true });
    },
  };
}
