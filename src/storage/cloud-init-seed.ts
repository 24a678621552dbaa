// cloud-init NoCloud seeds, as virt-install --cloud-init makes them: an ISO 9660 image with
// volume id 'cidata' holding meta-data, user-data and optionally network-config. The files
// come from a typed config (password, ssh keys, hostname) or are the user's own, verbatim.
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { run } from '../util/spawn.js';

export interface CloudInitConfig {
  /** cloud-init runs its once-per-instance modules again when this changes: the domain's UUID */
  instanceId: string;
  /** default: none, the image keeps its own */
  hostname?: string;
  /** the password of root and of the image's default user (debian, ubuntu, ...) */
  password?: string;
  /** make the default user choose a new password at first login (virt-install does for generated ones) */
  passwordExpire?: boolean;
  /** authorized_keys lines for the default user */
  sshKeys?: string[];
  /** the user's own files, written verbatim (userData excludes password and sshKeys; metaData excludes hostname) */
  userData?: string;
  metaData?: string;
  networkConfig?: string;
}

export interface SeedFiles {
  'meta-data': string;
  'user-data': string;
  'network-config'?: string;
}

const PASSWORD_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 16 letters and digits, as virt-install's root-password-generate (from a CSPRNG). */
export function generatePassword(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += PASSWORD_CHARS[randomInt(PASSWORD_CHARS.length)];
  return s;
}

// JSON strings are YAML flow scalars: no value can break out of its line
const q = (s: string) => JSON.stringify(s);

function checkConfig(c: CloudInitConfig): void {
  const bad = (m: string) => new TsvirtError('invalid-arg', `cloud-init: ${m}`);
  if (!c.instanceId) throw bad('instance-id is empty');
  if (c.userData !== undefined && (c.password !== undefined || c.sshKeys?.length)) {
    throw bad('user-data is written verbatim: put the password and ssh keys in it instead of giving them apart');
  }
  if (c.metaData !== undefined && c.hostname !== undefined) throw bad('meta-data is written verbatim: put the hostname in it instead of giving it apart');
  if (c.password !== undefined && (c.password === '' || /[\r\n\0]/.test(c.password))) throw bad('the password must be one non-empty line');
  if (c.hostname !== undefined && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(c.hostname)) {
    throw bad(`invalid hostname '${c.hostname}'`);
  }
  for (const k of c.sshKeys ?? []) {
    // an authorized_keys line: [options] type base64 [comment]
    if (/[\r\n\0]/.test(k) || !/(^|\s)(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\s+[A-Za-z0-9+/=]+/.test(k)) {
      throw bad(`not an ssh public key: '${k.length > 40 ? `${k.slice(0, 40)}...` : k}'`);
    }
  }
  if (c.userData !== undefined && !c.userData.trim()) throw bad('user-data is empty');
}

/** The seed's files (pure). */
export function seedFiles(c: CloudInitConfig): SeedFiles {
  checkConfig(c);
  const meta = c.metaData ?? [`instance-id: ${q(c.instanceId)}`, ...(c.hostname ? [`local-hostname: ${q(c.hostname)}`] : []), ''].join('\n');
  let user = c.userData;
  if (user === undefined) {
    const lines = ['#cloud-config'];
    if (c.hostname) lines.push(`hostname: ${q(c.hostname)}`);
    if (c.password !== undefined) {
      // 'password' is the default user's, but only while chpasswd names no users: root's comes
      // from its 'users' entry instead (an existing user keeps its account, gets the password)
      lines.push(`password: ${q(c.password)}`, 'chpasswd:', `  expire: ${c.passwordExpire ? 'true' : 'false'}`);
      lines.push('users:', '  - default', '  - name: root', '    lock_passwd: false', `    plain_text_passwd: ${q(c.password)}`);
    }
    if (c.sshKeys?.length) lines.push('ssh_authorized_keys:', ...c.sshKeys.map((k) => `  - ${q(k.trim())}`));
    user = lines.join('\n') + '\n';
  }
  const files: SeedFiles = { 'meta-data': meta, 'user-data': user };
  if (c.networkConfig !== undefined) files['network-config'] = c.networkConfig;
  return files;
}

/**
 * Writes the seed ISO to `out` with genisoimage (-volid cidata -joliet -rock), through a
 * private scratch folder that is removed afterwards; `out` is removed again on failure.
 */
export async function writeSeedIso(files: SeedFiles, out: string, program = 'genisoimage'): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsvirt-cidata-'));
  try {
    const names = Object.keys(files) as Array<keyof SeedFiles>;
    for (const n of names) await fs.writeFile(path.join(dir, n), files[n]!, { mode: 0o600 });
    const r = await run(program, ['-output', out, '-volid', 'cidata', '-joliet', '-rock', '-quiet', ...names], { cwd: dir, timeoutMs: 60_000 })
      .catch((e: TsvirtError) => {
        const missing = (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
        throw new TsvirtError(missing ? 'operation-unsupported' : 'operation-failed',
          missing ? `cannot make a cloud-init seed: ${program} is not installed (Debian package 'genisoimage')` : e.message);
      });
    if (r.code !== 0) throw new TsvirtError('operation-failed', `${program} failed to make the cloud-init seed: ${(r.stderr || r.stdout).trim() || `exit code ${r.code}`}`);
  } catch (e) {
    await fs.rm(out, { force: true });
    throw e;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
