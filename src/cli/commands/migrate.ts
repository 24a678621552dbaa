// migrate (always peer to peer: tsvirtd on the source calls the destination's daemon),
// migrate-setmaxdowntime / -getmaxdowntime, migrate-setspeed / -getspeed, as virsh.
import { withContext } from '../errors.js';
import { readXmlFile } from '../files.js';
import { CliError, type CommandDef, type Ctx } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

type Client = Awaited<ReturnType<Ctx['client']>>;

const flag = (name: string, help: string) => ({ name, type: 'bool' as const, help });

/** virsh's "Migration: [ 45 %]" on stderr while the job runs (--verbose) */
async function progress(ctx: Ctx, c: Client, domain: string, work: Promise<unknown>): Promise<void> {
  let finished = false;
  const poll = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 250));
      if (finished) break;
      const s = await c.call('domain.jobStats', { domain }).catch(() => undefined);
      const get = (f: string) => s?.params.find((p) => p.field === f)?.value;
      const total = get('data_total');
      const left = get('data_remaining');
      if (typeof total === 'number' && typeof left === 'number' && total > 0) ctx.err(`\rMigration: [${String(Math.min(99, Math.floor(100 - (100 * left) / total))).padStart(3)} %]`);
    }
  })();
  try {
    await work;
    ctx.err('\rMigration: [100 %]\n');
  } finally {
    finished = true;
    await poll;
  }
}

export const migrateCommands: CommandDef[] = [
  {
    name: 'migrate', group: 'domain', summary: 'migrate domain to another host',
    description: 'Migrate domain to another host. tsvirt always migrates peer to peer: the source tsvirtd connects to desturi.',
    opts: [
      flag('live', 'live migration'), flag('p2p', 'peer-2-peer migration (always)'), flag('direct', 'direct migration'),
      flag('persistent', 'persist VM on destination'), flag('undefinesource', 'undefine VM on source'),
      flag('suspend', 'do not restart the domain on the destination host'), flag('copy-storage-all', 'migration with non-shared storage with full disk copy'),
      flag('auto-converge', 'force convergence during live migration'), flag('verbose', 'display the progress of migration'),
      flag('unsafe', 'force migration even if it may be unsafe'),
      DOMAIN_OPT,
      { name: 'desturi', type: 'data', required: true, help: 'connection URI of the destination host as seen from the client(normal migration) or source(p2p migration)' },
      { name: 'migrateuri', type: 'string', help: 'migration URI, usually can be omitted' },
      { name: 'listen-address', type: 'string', help: 'listen address that destination should bind to for incoming migration' },
      { name: 'dname', type: 'string', help: 'rename to new name during migration (if supported)' },
      { name: 'xml', type: 'string', help: 'filename containing updated XML for the target' },
      { name: 'bandwidth', type: 'number', help: 'migration bandwidth limit in MiB/s' },
      { name: 'timeout', type: 'number', help: 'run action specified by --timeout-* option (suspend by default) if live migration exceeds timeout (in seconds)' },
    ],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      if (args.bool('direct')) throw new CliError('migrate: direct migration is not supported by tsvirt');
      const xmlFile = args.str('xml');
      const xml = xmlFile !== undefined ? await readXmlFile(xmlFile) : undefined;
      const c = await ctx.client();
      const work = c.call('domain.migrate', {
        domain, destUri: args.str('desturi')!, uri: args.str('migrateuri'), listenAddress: args.str('listen-address'), dname: args.str('dname'), xml,
        live: args.bool('live') || undefined, persistent: args.bool('persistent') || undefined, undefineSource: args.bool('undefinesource') || undefined,
        autoConverge: args.bool('auto-converge') || undefined, bandwidth: args.num('bandwidth'), paused: args.bool('suspend') || undefined,
        copyStorageAll: args.bool('copy-storage-all') || undefined,
      });
      const timeout = args.num('timeout');
      let timer: NodeJS.Timeout | undefined;
      if (timeout !== undefined) {
        if (!args.bool('live')) throw new CliError('migrate: Migrate timeout is only for live migration');
        // virsh's default --timeout action: suspend, so the migration converges
        timer = setTimeout(() => void c.call('domain.suspend', { domain }).catch(() => undefined), timeout * 1000);
      }
      try {
        await withContext({ domain }, async () => { await (args.bool('verbose') ? progress(ctx, c, domain, work) : work); });
      } finally {
        if (timer) clearTimeout(timer);
      }
    },
  },
  {
    name: 'migrate-setmaxdowntime', group: 'domain', summary: 'set maximum tolerable downtime',
    description: 'Set maximum tolerable downtime of a domain which is being live-migrated to another host.',
    opts: [DOMAIN_OPT, { name: 'downtime', type: 'number', required: true, positional: true, help: 'maximum tolerable downtime (in milliseconds) for migration' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const downtime = args.num('downtime')!;
      if (!(downtime >= 1)) throw new CliError('migrate-setmaxdowntime: Invalid downtime');
      await withContext({ domain }, async () => (await ctx.client()).call('domain.migrateSetMaxDowntime', { domain, downtime }));
    },
  },
  {
    name: 'migrate-getmaxdowntime', group: 'domain', summary: 'get maximum tolerable downtime',
    description: 'Get maximum tolerable downtime of a domain which is being live-migrated to another host.',
    opts: [DOMAIN_OPT],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const r = await withContext({ domain }, async () => (await ctx.client()).call('domain.migrateGetMaxDowntime', { domain }));
      ctx.out(`${r.downtime}\n`);
    },
  },
  {
    name: 'migrate-setspeed', group: 'domain', summary: 'Set the maximum migration bandwidth',
    description: 'Set the maximum migration bandwidth (in MiB/s) for a domain which is being migrated to another host.',
    opts: [DOMAIN_OPT, { name: 'bandwidth', type: 'number', required: true, positional: true, help: 'migration bandwidth limit in MiB/s' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const bandwidth = args.num('bandwidth')!;
      if (!(bandwidth >= 0)) throw new CliError('migrate-setspeed: Invalid bandwidth');
      await withContext({ domain }, async () => (await ctx.client()).call('domain.migrateSetMaxSpeed', { domain, bandwidth }));
    },
  },
  {
    name: 'migrate-getspeed', group: 'domain', summary: 'Get the maximum migration bandwidth',
    description: 'Get the maximum migration bandwidth (in MiB/s) for a domain.',
    opts: [DOMAIN_OPT],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const r = await withContext({ domain }, async () => (await ctx.client()).call('domain.migrateGetMaxSpeed', { domain }));
      ctx.out(`${r.bandwidth}\n`);
    },
  },
];
