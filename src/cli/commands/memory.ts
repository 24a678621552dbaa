// setmem and dommemstat, as virsh: the balloon target (live and/or in the definition) and the
// memory statistics of a running domain (with --period: only set how often the guest sends them).
import { parseSizeArg } from '../../conf/storage-common-xml.js';
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import { CliError, type Args, type CommandDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

const AFFECT = [
  { name: 'config', type: 'bool' as const, help: 'affect next boot' },
  { name: 'live', type: 'bool' as const, help: 'affect running domain' },
  { name: 'current', type: 'bool' as const, help: 'affect current domain' },
];

function affect(args: Args): { live?: boolean; config?: boolean } {
  if (args.bool('current') && (args.bool('live') || args.bool('config'))) {
    throw new CliError(`Options --current and --${args.bool('live') ? 'live' : 'config'} are mutually exclusive`);
  }
  return { live: args.bool('live') || undefined, config: args.bool('config') || undefined };
}

// virsh's labels, in the order libvirt reports the statistics
const LABELS: Array<[string, string]> = [
  ['actualKiB', 'actual'], ['swapInKiB', 'swap_in'], ['swapOutKiB', 'swap_out'], ['majorFaults', 'major_fault'],
  ['minorFaults', 'minor_fault'], ['unusedKiB', 'unused'], ['availableKiB', 'available'], ['usableKiB', 'usable'],
  ['lastUpdate', 'last_update'], ['diskCachesKiB', 'disk_caches'], ['hugetlbPgalloc', 'hugetlb_pgalloc'],
  ['hugetlbPgfail', 'hugetlb_pgfail'], ['rssKiB', 'rss'],
];

export const memoryCommands: CommandDef[] = [
  {
    name: 'setmem', group: 'domain', summary: 'change memory allocation',
    description: 'Change the current memory allocation in the guest domain.',
    opts: [DOMAIN_OPT, { name: 'size', type: 'data', required: true, help: 'new memory size, as scaled integer (default KiB)' }, ...AFFECT],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const text = args.str('size')!;
      let kib: number;
      try {
        // a bare number is KiB for setmem (virsh's scaled integer with a KiB default)
        kib = Math.ceil(parseSizeArg(/^\s*\d+\s*$/.test(text) ? `${text.trim()}KiB` : text, 'size') / 1024);
      } catch {
        throw new CliError(`Numeric value '${text}' for <size> option is malformed or out of range`);
      }
      const c = await ctx.client();
      await withContext({ domain }, () => c.call('domain.setMemory', { domain, kib, ...affect(args) }));
    },
  },
  {
    name: 'dommemstat', group: 'monitor', summary: 'get memory statistics for a domain',
    description: 'Get memory statistics for a running domain.', json: true,
    opts: [DOMAIN_OPT, { name: 'period', type: 'number', help: 'period in seconds to set collection' }, ...AFFECT],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const period = args.num('period');
      if (period !== undefined) {
        await withContext({ domain }, () => c.call('domain.setMemoryStatsPeriod', { domain, seconds: period, ...affect(args) }));
        return;
      }
      const stats = await withContext({ domain }, () => c.call('domain.memoryStats', { domain }));
      if (args.json) return ctx.out(printJson(stats));
      const all = stats as Record<string, number | undefined>;
      ctx.out(LABELS.flatMap(([k, label]) => (all[k] === undefined ? [] : [`${label} ${all[k]}\n`])).join(''));
    },
  },
];
