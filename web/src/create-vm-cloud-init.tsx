// The create form's cloud-init part (virt-install --cloud-init): a password and SSH keys for a
// cloud image. After define, the form calls domain.attachCloudInit, which makes the NoCloud
// seed volume '<name>-cidata.iso' and attaches it as a CD-ROM.
import type { ParamsOf } from '../../src/protocol/methods.js';

export interface CloudInitChoice {
  on: boolean;
  pool: string;
  password: string;
  sshKeys: string;
  hostname: string;
}

export const NO_CLOUD_INIT: CloudInitChoice = { on: false, pool: '', password: '', sshKeys: '', hostname: '' };

const keyLines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

/** what is missing, or '' */
export function cloudInitProblem(c: CloudInitChoice): string {
  if (!c.on) return '';
  if (!c.pool) return 'Choose the pool for the cloud-init seed.';
  if (!c.password && keyLines(c.sshKeys).length === 0) return 'Give cloud-init a password or an SSH key to log in with.';
  return '';
}

export function cloudInitParams(domain: string, c: CloudInitChoice): ParamsOf<'domain.attachCloudInit'> {
  const keys = keyLines(c.sshKeys);
  return {
    domain, pool: c.pool, password: c.password || undefined, sshKeys: keys.length ? keys : undefined, hostname: c.hostname.trim() || undefined,
  };
}

export function CloudInitFields(props: { value: CloudInitChoice; pools: string[]; onChange: (c: CloudInitChoice) => void }) {
  const { value: c, pools, onChange } = props;
  const text = (k: 'password' | 'sshKeys' | 'hostname') => (e: Event) => onChange({ ...c, [k]: (e.target as HTMLInputElement).value });
  return (
    <fieldset>
      <legend>Cloud image</legend>
      <label class="inline">
        <input type="checkbox" name="cloud-init" checked={c.on} onChange={(e) => onChange({ ...c, on: (e.target as HTMLInputElement).checked, pool: c.pool || pools[0] || '' })} />
        {' '}Configure it with cloud-init (a NoCloud seed CD-ROM for the first boot)
      </label>
      {c.on && (
        <>
          <div class="row">
            <label>Password <input name="cloud-init-password" type="password" autoComplete="new-password" value={c.password} onInput={text('password')} placeholder="for root and the image's default user" /></label>
            <label>Host name <input name="cloud-init-hostname" value={c.hostname} onInput={text('hostname')} placeholder="optional" /></label>
            <label>Seed pool <select name="cloud-init-pool" value={c.pool} onChange={(e) => onChange({ ...c, pool: (e.target as HTMLSelectElement).value })}>{pools.map((p) => <option>{p}</option>)}</select></label>
          </div>
          <label>SSH public keys <textarea name="cloud-init-ssh-keys" rows={2} value={c.sshKeys} onInput={text('sshKeys')} placeholder="ssh-ed25519 AAAA… you@host (one per line)" /></label>
        </>
      )}
    </fieldset>
  );
}
