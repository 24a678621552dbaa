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
