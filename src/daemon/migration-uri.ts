// Migration stream addresses: what --migrateuri / uri_out look like (tcp://HOST[:PORT],
// tcp:HOST:PORT, tcp:[V6]:PORT) and the destination's choice of a free port (libvirt's
// migration_port_min 49152 .. migration_port_max 49215).
import * as net from 'node:net';
import { TsvirtError } from '../util/errors.js';

export const PORT_MIN = 49152;
export const PORT_MAX = 49215;

export interface StreamAddress {
  host?: string;
  port?: number;
}

/** Parses a migration URI as virsh users write it; only tcp is a stream tsvirt offers. */
export function parseMigrateUri(uri: string): StreamAddress {
  const m = /^tcp:(?:\/\/)?(\[[^\]]+\]|[^:/]*)(?::(\d+))?\/?$/.exec(uri.trim());
  if (!m) {
    const scheme = /^([a-z0-9+.-]+):/i.exec(uri)?.[1];
    if (scheme && scheme !== 'tcp') throw new TsvirtError('invalid-arg', `unsupported scheme ${scheme} in migration URI ${uri}`);
    throw new TsvirtError('invalid-arg', `unable to parse URI ${uri}`);
  }
  const host = m[1].replace(/^\[|\]$/g, '');
  const port = m[2] !== undefined ? Number(m[2]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new TsvirtError('invalid-arg', `invalid port in migration URI ${uri}`);
  return { host: host || undefined, port };
}

/** QEMU's form of a tcp address: tcp:HOST:PORT, IPv6 in brackets. */
export function qemuTcpUri(host: string, port: number): string {
  return `tcp:${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The first port from 49152 nobody listens on at `host` (QEMU takes it right after). */
export async function freeMigrationPort(host: string, taken: ReadonlySet<number>): Promise<number> {
  for (let p = PORT_MIN; p <= PORT_MAX; p++) {
    if (!taken.has(p) && await portFree(host, p)) return p;
  }
  throw new TsvirtError('operation-failed', `Unable to find an unused port in range 'migration' (${PORT_MIN}-${PORT_MAX})`);
}
