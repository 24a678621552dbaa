// qemu+ssh:// for the RPC client, as libvirt's netcat proxy: `ssh [-p PORT] [-l USER] [-i KEYFILE]
// HOST nc -U SOCKET`, the child's stdin/stdout being the connection. The remote socket is the
// URI's ?socket= or tsvirtd's system libvirt socket; ?command= names another ssh program,
// ?no_verify=1 skips the host key check, as in libvirt.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import * as path from 'node:path';
import type { LibvirtUri } from '../../protocol/uri.js';
import { systemRunDir } from '../../protocol/uri.js';

export interface SshTunnel {
  stream: Duplex;
  /** what ssh said on stderr (its last line), for the error when the connection ends */
  why(): string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function sshTunnel(u: LibvirtUri): SshTunnel {
  const socket = u.params.get('socket') ?? path.join(systemRunDir(), 'libvirt-sock');
  const args = ['-T', '-e', 'none', '-o', 'BatchMode=yes'];
  if (u.port) args.push('-p', String(u.port));
  if (u.user) args.push('-l', u.user);
  const keyfile = u.params.get('keyfile');
  if (keyfile) args.push('-i', keyfile);
  if (u.params.get('no_verify') === '1') args.push('-o', 'StrictHostKeyChecking=no');
  args.push('--', u.host, `${u.params.get('netcat') ?? 'nc'} -U ${shellQuote(socket)}`);
  const child = spawn(u.params.get('command') ?? 'ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  child.once('error', (e) => stream.destroy(e));
  child.once('exit', () => setImmediate(() => stream.destroy()));
  stream.once('close', () => child.kill());
  return { stream, why: () => stderr.trim().split('\n').filter((l) => !l.startsWith('Warning: Permanently added')).pop() ?? '' };
}
