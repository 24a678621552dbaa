// undefine --remove-all-storage / --storage LIST: as virsh, the volumes behind the domain's
// disks are collected first, the domain is undefined, then each volume is deleted through
// the storage API (so a volume another running domain uses is refused there).
import { parseDomain } from '../domain-xml.js';
import { formatError } from '../errors.js';
import { CliError, type Args, type Ctx } from '../types.js';

interface Target {
  target: string;
  source: string;
  vol: string;
  pool?: string;
}

export async function undefineWithStorage(ctx: Ctx, args: Args, undefine: () => Promise<void>): Promise<void> {
  const domain = args.str('domain')!;
  const all = args.bool('remove-all-storage');
  const wanted = args.str('storage')?.split(',').map((s) => s.trim()).filter(Boolean);
  if (all && wanted) throw new CliError('Options --remove-all-storage and --storage are mutually exclusive');
  const c = await ctx.client();
  const dom = await c.call('domain.lookup', { domain });
  if (dom.id !== null) throw new CliError('Storage volume deletion is supported only on stopped domains');
  const model = await parseDomain((await c.call('domain.getXml', { domain, inactive: true })).xml);
  const targets: Target[] = [];
  for (const d of model.devices.disks) {
    const source = d.source?.file ?? d.source?.dev ?? (d.source?.volume ? `${d.source.pool}/${d.source.volume}` : undefined);
    if (!source || d.device === 'cdrom') continue;
    if (wanted && !wanted.includes(d.target.dev) && !wanted.includes(source)) continue;
    targets.push({ target: d.target.dev, source, vol: d.source?.volume ?? source, pool: d.source?.volume ? d.source.pool : undefined });
  }
  for (const w of wanted ?? []) {
    if (!targets.some((t) => t.target === w || t.source === w)) throw new CliError(`Volume '${w}' was not found in domain's definition.`);
  }
  await undefine();
  let failed = false;
  for (const t of targets) {
    try {
      await c.call('vol.lookup', { vol: t.vol, pool: t.pool });
    } catch {
      ctx.err(`error: Storage volume '${t.target}'(${t.source}) is not managed by tsvirt. Remove it manually.\n`);
      failed = true;
      continue;
    }
    try {
      await c.call('vol.delete', { vol: t.vol, pool: t.pool });
      ctx.extra(`Volume '${t.target}'(${t.source}) removed.\n`);
    } catch (e) {
      for (const l of formatError(e, { action: `Failed to remove storage volume '${t.target}'(${t.source})` }).lines) ctx.err(l + '\n');
      failed = true;
    }
  }
  if (failed) throw new CliError();
}
