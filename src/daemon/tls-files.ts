// The x509 files of libvirt's TLS transport, under libvirt's names: a CA certificate, and a
// certificate + private key for the server (servercert.pem, serverkey.pem) or the client
// (clientcert.pem, clientkey.pem). They are read and checked once, at start or connect,
// so a missing or mismatched file is a clear error instead of a failed handshake later.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TsvirtError } from '../util/errors.js';

export interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** where they came from, for messages */
  files: { ca: string; cert: string; key: string };
}

export type TlsRole = 'server' | 'client';

/** libvirtd's default locations (the system instance) */
export const DEFAULT_CA = '/etc/pki/CA/cacert.pem';
const DEFAULT_DIR = '/etc/pki/libvirt';

/**
 * The files in DIR (libvirt's pkipath / tsvirtd's --tls-dir): DIR/cacert.pem, DIR/<role>cert.pem,
 * and the key as DIR/<role>key.pem or DIR/private/<role>key.pem. Without DIR, libvirt's
 * defaults: /etc/pki/CA/cacert.pem, /etc/pki/libvirt/<role>cert.pem, /etc/pki/libvirt/private/<role>key.pem.
 */
export function tlsPaths(role: TlsRole, dir?: string): { ca: string; cert: string; key: string } {
  if (!dir) return { ca: DEFAULT_CA, cert: path.join(DEFAULT_DIR, `${role}cert.pem`), key: path.join(DEFAULT_DIR, 'private', `${role}key.pem`) };
  const flat = path.join(dir, `${role}key.pem`);
  const priv = path.join(dir, 'private', `${role}key.pem`);
  return { ca: path.join(dir, 'cacert.pem'), cert: path.join(dir, `${role}cert.pem`), key: readable(flat) || !readable(priv) ? flat : priv };
}

function readable(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

function read(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
    throw new TsvirtError('system-error', `Cannot read ${what} '${file}': ${why}`);
  }
}

function certOf(what: string, file: string, data: Buffer): X509Certificate {
  try {
    return new X509Certificate(data);
  } catch (e) {
    throw new TsvirtError('system-error', `Unable to import ${what} '${file}': ${(e as Error).message}`);
  }
}

/** reads and checks the CA, certificate and key of a role; throws libvirt-like errors */
export function loadTlsFiles(role: TlsRole, dir?: string): TlsFiles {
  const files = tlsPaths(role, dir);
  const ca = read('CA certificate', files.ca);
  const cert = read(`${role} certificate`, files.cert);
  const key = read(`${role} key`, files.key);
  const caCert = certOf('CA certificate', files.ca, ca);
  if (!caCert.ca) throw new TsvirtError('system-error', `The CA certificate ${files.ca} is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  const own = certOf(`${role} certificate`, files.cert, cert);
  let pkey;
  try {
    pkey = createPrivateKey(key);
  } catch (e) {
    throw new TsvirtError('system-error', `Unable to import ${role} key '${files.key}': ${(e as Error).message}`);
  }
  if (!own.checkPrivateKey(pkey)) throw new TsvirtError('system-error', `The ${role} key ${files.key} does not match the certificate ${files.cert}`);
  if (!own.checkIssued(caCert) || !own.verify(caCert.publicKey)) {
    throw new TsvirtError('system-error', `The ${role} certificate ${files.cert} is not signed by the CA certificate ${files.ca}`);
  }
  const now = Date.now();
  if (Date.parse(own.validTo) < now) throw new TsvirtError('system-error', `The ${role} certificate ${files.cert} has expired`);
  if (Date.parse(own.validFrom) > now) throw new TsvirtError('system-error', `The ${role} certificate ${files.cert} is not yet active`);
  return { ca, cert, key, files };
}

/** libvirt's tls_allowed_dn_list match: a DN against glob patterns (* matches anything) */
export function dnAllowed(dn: string, patterns: string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(dn));
}

/** the daemon's client certificate in DIR for calls to other daemons: none when DIR has no clientcert.pem */
export function clientTlsFromDir(dir: string): TlsFiles | undefined {
  return readable(path.join(dir, 'clientcert.pem')) ? loadTlsFiles('client', dir) : undefined;
}
