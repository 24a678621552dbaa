// libvirt-style connection URIs -> the daemon socket to use.
// qemu:///system, qemu:///session, qemu+unix:///system?socket=PATH (and ?mode=ro for read-only).
import * as os from 'node:os';
import * as path from 'node:path';
import { TsvirtError } from '../util/errors.js';

export interface ResolvedUri {
  uri: string;
  instance: 'system' | 'session';
  socket: string;
  readonly: boolean;
}

export function systemRunDir(): string {
  return '/run/tsvirt';
}

export function sessionRunDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? path.join(xdg, 'tsvirt') : path.join(os.homedir(), '.cache', 'tsvirt', 'run');
}

export function socketName(readonly: boolean): string {
  return readonly ? 'tsvirtd-ro.sock' : 'tsvirtd.sock';
}

export function defaultUri(): string {
  return process.getuid?.() === 0 ? 'qemu:///system' : 'qemu:///session';
}

export function resolveUri(uri: string | undefined, readonly = false): ResolvedUri {
  const text = uri || process.env.TSVIRT_DEFAULT_URI || process.env.LIBVIRT_DEFAULT_URI || defaultUri();
  const m = /^(qemu|kvm)(\+unix)?:\/\/\/(system|session)(\?(.*))?$/.exec(text);
  if (!m) {
    throw new TsvirtError('invalid-arg', `unsupported connection URI '${text}' (use qemu:///system, qemu:///session or qemu+unix:///system?socket=PATH)`);
  }
  const instance = m[3] as 'system' | 'session';
  const query = new URLSearchParams(m[5] ?? '');
  for (const key of query.keys()) {
    if (key !== 'socket' && key !== 'mode') throw new TsvirtError('invalid-arg', `unsupported URI parameter '${key}' in '${text}'`);
  }
  const ro = readonly || query.get('mode') === 'ro';
  let socket = query.get('socket');
  if (socket && !m[2]) throw new TsvirtError('invalid-arg', `'socket' needs the qemu+unix transport in '${text}'`);
  if (!socket) socket = path.join(instance === 'system' ? systemRunDir() : sessionRunDir(), socketName(ro));
  // read-only through a named socket: the read-only socket beside it
  else if (ro && path.basename(socket) === socketName(false)) socket = path.join(path.dirname(socket), socketName(true));
  return { uri: text, instance, socket, readonly: ro };
}

/** A libvirt URI taken apart as libvirt's remote driver does (driver[+transport]://[user@]host[:port]/path?params). */
export interface LibvirtUri {
  uri: string;
  driver: string;
  /** unix when no host is named, tcp/tls/ssh from the scheme (tls when a host is named without one) */
  transport: 'unix' | 'tcp' | 'tls' | 'ssh';
  host: string;
  port: number | undefined;
  user: string;
  /** system or session */
  path: string;
  params: URLSearchParams;
  /** what CONNECT_OPEN carries: the URI without transport, host and client-side parameters */
  name: string;
}

export const LIBVIRT_TCP_PORT = 16509;
export const LIBVIRT_TLS_PORT = 16514;
/** parameters libvirt's client keeps for itself (remote_driver.c) */
const CLIENT_PARAMS = new Set(['name', 'command', 'socket', 'auth', 'netcat', 'keyfile', 'no_verify', 'no_tty', 'pkipath', 'known_hosts', 'known_hosts_verify', 'sshauth', 'mode', 'proxy', 'tls_priority']);

export function parseLibvirtUri(uri: string): LibvirtUri {
  const m = /^([a-z]+)(?:\+([a-z]+))?:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^/:?]*)(?::(\d+))?(\/[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (!m) throw new TsvirtError('invalid-arg', `unable to parse connection URI '${uri}'`);
  const [, driver, tr, user, hostText, portText, pathText, query] = m;
  const host = hostText!.replace(/^\[(.*)\]$/, '$1');
  const transport = tr ?? (host ? 'tls' : 'unix');
  if (transport !== 'unix' && transport !== 'tcp' && transport !== 'tls' && transport !== 'ssh') {
    throw new TsvirtError('invalid-arg', `transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh): ${transport}`);
  }
  if (transport === 'unix' && host) throw new TsvirtError('invalid-arg', `transport 'unix' does not take a host name in '${uri}'`);
  if (transport !== 'unix' && !host) throw new TsvirtError('invalid-arg', `transport '${transport}' needs a host name in '${uri}'`);
  const port = portText ? Number(portText) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new TsvirtError('invalid-arg', `invalid port ${portText} in '${uri}'`);
  const p = (pathText ?? '').replace(/\/+$/, '').replace(/^\//, '');
  const params = new URLSearchParams(query ?? '');
  const kept = [...params].filter(([k]) => !CLIENT_PARAMS.has(k));
  const rest = kept.length ? `?${new URLSearchParams(kept).toString()}` : '';
  const name = params.get('name') ?? `${driver}:///${p}${rest}`;
  return { uri, driver: driver!, transport, host, port, user: user ?? '', path: p, params, name };
}

/** whether a URI names a daemon reached over the network (tcp, tls, ssh) */
export function isRemoteUri(uri: string): boolean {
  try {
    return parseLibvirtUri(uri).transport !== 'unix';
  } catch {
    return false;
  }
}
