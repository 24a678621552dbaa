// The libvirt RPC listener: a unix socket whose clients speak libvirt's remote protocol
// (virsh, virt-manager, libvirt-python). Thin like the HTTP transport: each call becomes
// API calls through the one dispatcher.
import * as net from 'node:net';
import { promises as fs } from 'node:fs';
import { RpcConnection, type RpcDeps } from './rpc-connection.js';
import { listenOnPath } from '../http-server.js';

export interface RpcServer {
  server: net.Server;
  connections: Set<RpcConnection>;
  close(): Promise<void>;
}

export async function listenLibvirt(socketPath: string, readonly: boolean, deps: RpcDeps): Promise<RpcServer> {
  const connections = new Set<RpcConnection>();
  const server = net.createServer((socket) => {
    const c = new RpcConnection(socket, deps, readonly);
    connections.add(c);
    c.onClose(() => connections.delete(c));
  });
  await listenOnPath(server, socketPath, readonly);
  return {
    server,
    connections,
    async close() {
      for (const c of connections) c.socket.destroy();
      await new Promise((r) => server.close(r));
      await fs.rm(socketPath, { force: true });
    },
  };
}
