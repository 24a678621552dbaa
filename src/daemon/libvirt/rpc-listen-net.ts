// libvirtd's network listeners, both off by default: TCP (port 16509, auth_tcp = "none" only:
// tsvirt has no SASL, so it is for a trusted network and says so) and TLS (port 16514, x509
// with client certificates signed by the CA, as tls_no_verify_certificate = 0, and an
// optional tls_allowed_dn_list). Accepted clients are RPC connections like the unix
// socket's, read-write as libvirtd's with auth none / x509.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { TsvirtError } from '../../util/errors.js';
import { LIBVIRT_TCP_PORT, LIBVIRT_TLS_PORT } from '../../protocol/uri.js';
import { dnAllowed, loadTlsFiles, type TlsFiles } from '../tls-files.js';
import { listenLibvirt, type RpcServer } from './rpc-server.js';
import type { RpcDeps } from './rpc-connection.js';

export interface NetListenOptions {
  tcp?: { host: string; port: number };
  tls?: { host: string; port: number; files: TlsFiles; allowedDn: string[] };
}

/** ADDR, ADDR:PORT, [V6ADDR][:PORT] or a bare V6ADDR */
export function parseListenSpec(option: string, text: string, defaultPort: number): { host: string; port: number } {
  const m: Array<string | undefined> | null = net.isIPv6(text) ? [text, text] : /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (!m || port < 1 || port > 65535) {
    throw new TsvirtError('invalid-arg', `${option} '${text}': expected ADDR or ADDR:PORT, e.g. 192.168.1.10 or 0.0.0.0:${defaultPort}`);
  }
  return { host: m[1]!, port };
}

/** tsvirtd's options -> what to listen on; every problem is an error here, before anything starts */
export function netListenOptions(o: { listenTcp?: string; authTcp?: string; listenTls?: string; tlsDir?: string; tlsAllowedDn?: string[] }): NetListenOptions {
  const out: NetListenOptions = {};
  if (o.authTcp !== undefined && o.authTcp !== 'none') {
    throw new TsvirtError('invalid-arg', `--auth-tcp '${o.authTcp}': only 'none' is supported (tsvirtd has no SASL); use --listen-tls for authenticated remote access`);
  }
  if (o.listenTcp !== undefined) {
    if (o.authTcp !== 'none') {
      throw new TsvirtError('invalid-arg', '--listen-tcp needs --auth-tcp none: TCP connections are not authenticated or encrypted (libvirt\'s auth_tcp = "none"), so say so explicitly; use --listen-tls otherwise');
    }
    out.tcp = parseListenSpec('--listen-tcp', o.listenTcp, LIBVIRT_TCP_PORT);
  } else if (o.authTcp !== undefined) {
    throw new TsvirtError('invalid-arg', '--auth-tcp needs --listen-tcp');
  }
  if (o.listenTls !== undefined) {
    const where = parseListenSpec('--listen-tls', o.listenTls, LIBVIRT_TLS_PORT);
    out.tls = { ...where, files: loadTlsFiles('server', o.tlsDir), allowedDn: o.tlsAllowedDn ?? [] };
  } else if (o.tlsAllowedDn?.length) {
    throw new TsvirtError('invalid-arg', '--tls-allowed-dn needs --listen-tls');
  }
  return out;
}

/** the subject of a peer certificate as a DN string, most specific part first (CN=...,O=...,C=...) */
function subjectDn(s: tls.TLSSocket): { forward: string; reverse: string } {
  const lines = s.getPeerX509Certificate?.()?.subject.split('\n') ?? [];
  return { forward: lines.join(','), reverse: [...lines].reverse().join(',') };
}

function listen(server: net.Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => reject(new TsvirtError('system-error', `cannot listen for ${what} on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`));
    server.once('error', fail);
    server.listen({ host, port }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** starts the listeners asked for; the warning for TCP goes to `warn` */
export async function listenNet(o: NetListenOptions, deps: RpcDeps, warn: (m: string) => void, info: (m: string) => void): Promise<RpcServer[]> {
  const out: RpcServer[] = [];
  try {
    if (o.tcp) {
      const server = net.createServer({ pauseOnConnect: false });
      out.push(await listenLibvirt({ server, event: 'connection', accept: (s, serve) => serve(s) }, false, deps));
      await listen(server, o.tcp.host, o.tcp.port, 'TCP');
      warn(`libvirt protocol on tcp://${o.tcp.host}:${o.tcp.port} with auth none: anyone who can reach it controls this host; use it on a trusted network only`);
    }
    if (o.tls) {
      const { files, allowedDn } = o.tls;
      const server = tls.createServer({ ca: files.ca, cert: files.cert, key: files.key, requestCert: true, rejectUnauthorized: true, handshakeTimeout: 15000 });
      server.on('tlsClientError', () => undefined); // a refused certificate ends that client only
      const accept = (s: net.Socket, serve: (s: net.Socket) => void) => {
        const dn = subjectDn(s as tls.TLSSocket);
        if (!dnAllowed(dn.forward, allowedDn) && !dnAllowed(dn.reverse, allowedDn)) {
          warn(`TLS client refused: its certificate's DN '${dn.reverse}' is not in --tls-allowed-dn`);
          s.destroy();
          return;
        }
        // libvirt's client waits for this byte: its certificate and address passed
        s.write(Buffer.from([1]));
        serve(s);
      };
      out.push(await listenLibvirt({ server, event: 'secureConnection', accept }, false, deps));
      await listen(server, o.tls.host, o.tls.port, 'TLS');
      info(`libvirt protocol on tls://${o.tls.host}:${o.tls.port} (client certificates signed by ${files.files.ca})`);
    }
  } catch (e) {
    for (const r of out) await r.close().catch(() => undefined);
    throw e;
  }
  return out;
}
