// undefine --remove-all-storage / --storage LIST: the daemon chooses and deletes the
// volumes (domain.undefine, src/daemon/undefine-storage.ts); this prints what it did, as virsh.
import { withContext } from '../errors.js';
import { CliError, type Args, type Ctx } from '../types.js';

export async function undefineWithStorage(ctx: Ctx, args: Args, base: { nvram?: boolean; keepNvram?: boolean; tpm?: boolean; keepTpm?: boolean }): Promise<void> {
  const domain = args.str('domain')!;
  const all = args.bool('remove-all-storage');
  const wanted = args.str('storage')?.split(',').map((s) => s.trim()).filter(Boolean);
  if (all && wanted) throw new CliError('Options --remove-all-storage and --storage are mutually exclusive');
  const c = await ctx.client();
  const r = await withContext({ domain, action: `Failed to undefine domain '${domain}'` }, () =>
    c.call('domain.undefine', { domain, ...base, ...(all ? { removeAllStorage: true } : { storage: wanted ?? [] }) }));
  ctx.extra(`Domain '${domain}' has been undefined\n`);
  let failed = false;
  for (const v of r.volumes ?? []) {
    if (v.removed) ctx.extra(`Volume '${v.target}'(${v.source}) removed.\n`);
    else {
      ctx.err(`error: ${v.error}\n`);
      failed = true;
    }
  }
  if (failed) throw new CliError();
}
