// tsvirt cloud-init DOMAIN: virt-install's --cloud-init for a defined domain. The files named
// here are read on the client; the daemon makes the NoCloud seed volume and attaches it.
import { readFile } from 'node:fs/promises';
import { withContext } from '../errors.js';
import { strerror } from '../../protocol/errors.js';
import { printJson } from '../format.js';
import { CliError, type Args, type CommandDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
  } catch (e) {
    throw new CliError(`Failed to open file '${file}': ${strerror(e as NodeJS.ErrnoException)}`);
  }
}

/** authorized_keys text -> its key lines (blank lines and comments left out); the daemon checks each */
export function sshKeyLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

const fileOpt = async (args: Args, name: string) => {
  const f = args.str(name);
  return f === undefined ? undefined : readText(f);
};

export const cloudInitCommand: CommandDef = {
  name: 'cloud-init',
  group: 'domain',
  summary: 'attach a cloud-init NoCloud seed (virt-install --cloud-init)',
  description: "Makes a NoCloud seed ISO (meta-data, user-data, network-config; volume id 'cidata') as the volume '<domain>-cidata.iso' of the pool and attaches it to the domain's persistent definition as a read-only CD-ROM (sata on q35, ide on pc). The instance-id is the domain's UUID. Run it again to replace the seed.",
  opts: [
    DOMAIN_OPT,
    { name: 'pool', type: 'string', help: "pool for the seed volume (default 'default')" },
    { name: 'root-password-generate', type: 'bool', help: 'generate a password for root and the default user and print it once; the default user must change it at first login' },
    { name: 'root-password-file', type: 'string', aliases: ['password-file'], help: "file whose first line is root's and the default user's password" },
    { name: 'clouduser-ssh-key', type: 'string', aliases: ['ssh-key'], help: "file of ssh public keys (authorized_keys lines) for the default user" },
    { name: 'hostname', type: 'string', help: 'the guest\'s host name' },
    { name: 'user-data', type: 'string', help: 'user-data file, used verbatim' },
    { name: 'meta-data', type: 'string', help: 'meta-data file, used verbatim' },
    { name: 'network-config', type: 'string', help: 'network-config file, used verbatim' },
  ],
  json: true,
  async handler(ctx, args) {
    const domain = args.str('domain')!;
    const generate = args.bool('root-password-generate');
    const passwordFile = args.str('root-password-file');
    if (generate && passwordFile) throw new CliError('Options --root-password-generate and --root-password-file are mutually exclusive');
    // as virt-install: the file's first line, without its line end
    const password = passwordFile === undefined ? undefined : (await readText(passwordFile)).split(/\r?\n/)[0]!;
    const keyFile = args.str('clouduser-ssh-key');
    const sshKeys = keyFile === undefined ? undefined : sshKeyLines(await readText(keyFile));
    if (keyFile !== undefined && !sshKeys!.length) throw new CliError(`no ssh public key in '${keyFile}'`);
    const params = {
      domain, pool: args.str('pool'), password, passwordGenerate: generate || undefined, sshKeys, hostname: args.str('hostname'),
      userData: await fileOpt(args, 'user-data'), metaData: await fileOpt(args, 'meta-data'), networkConfig: await fileOpt(args, 'network-config'),
    };
    const c = await ctx.client();
    const r = await withContext({ domain, action: `Failed to attach a cloud-init seed to domain '${domain}'` }, () => c.call('domain.attachCloudInit', params));
    if (args.json) return ctx.out(printJson(r));
    if (r.password) ctx.out(`Password for first root login is: ${r.password}\n`);
    ctx.extra(r.attached
      ? `Seed ${r.volume.pool}/${r.volume.name} attached to domain '${domain}' as CD-ROM ${r.target} (takes effect at next boot)\n`
      : `Seed ${r.volume.pool}/${r.volume.name} of domain '${domain}' (CD-ROM ${r.target}) replaced\n`);
  },
};
