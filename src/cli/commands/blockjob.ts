// blockcopy, blockcommit, blockpull and blockjob, as virsh 9.0 (tools/virsh-domain.c): the
// same options, progress line ("Block Copy: [ 45 %]" on stderr), and closing words. --wait
// polls the job's progress: a job that vanishes has completed, one that is ready is synced.
import type { Client } from '../../client/client.js';
import { withContext } from '../errors.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';
import { prettyCapacity } from './job.js';

const MiB = 1024 * 1024;
const LABEL: Record<string, string> = { pull: 'Block Pull', copy: 'Block Copy', commit: 'Block Commit', 'active-commit': 'Active Block Commit' };

const PATH_OPT: OptDef = { name: 'path', type: 'data', required: true, help: 'fully-qualified path of disk' };
const opt = (name: string, type: OptDef['type'], help: string): OptDef => ({ name, type, help });
const WAIT_OPTS: OptDef[] = [
  opt('wait', 'bool', 'wait for job to complete'), opt('verbose', 'bool', 'with --wait, display the progress'),
  opt('timeout', 'number', 'implies --wait, abort if copy exceeds timeout (in seconds)'), opt('async', 'bool', "with --wait, don't wait for cancel to finish"),
];
const BW_OPTS: OptDef[] = [opt('bandwidth', 'number', 'bandwidth limit in MiB/s'), opt('bytes', 'bool', 'the bandwidth limit is in bytes/s rather than MiB/s')];

function exclusive(args: Args, a: string, b: string): void {
  if (args.values[a] !== undefined && args.values[b] !== undefined) throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
}

function bandwidth(args: Args): number | undefined {
  const n = args.num('bandwidth');
  if (!n) return undefined;
  return args.bool('bytes') ? n : n * MiB;
}

/** virsh's virshPrintJobProgress */
function progress(ctx: Ctx, label: string, remaining: number, total: number): void {
  let p = 100;
  if (remaining !== 0) p = Math.min(99, Math.floor(100 - (remaining * 100) / total));
  ctx.err(`\r${label}: [${String(p).padStart(3)} %]`);
}

/** virshBlockJobWait: 'ready' (two-phase job synced), 'completed' (job gone) or 'canceled' (timeout) */
async function waitJob(ctx: Ctx, c: Client, args: Args, domain: string, disk: string, label: string): Promise<'ready' | 'completed' | 'canceled'> {
  const timeoutMs = (args.num('timeout') ?? 0) * 1000;
  const start = Date.now();
  let last = '';
  for (;;) {
    const { job } = await withContext({ action: `failed to query job for disk ${disk}` }, () => c.call('domain.blockJobInfo', { domain, disk }));
    let end: 'ready' | 'completed' | undefined;
    if (!job) end = 'completed';
    else if (job.ready) end = 'ready';
    if (end) {
      if (args.bool('verbose')) progress(ctx, label, 0, 1);
      return end;
    }
    const now = `${job!.cur}/${job!.end}`;
    if (args.bool('verbose') && now !== last) progress(ctx, label, job!.end - job!.cur, job!.end);
    last = now;
    if (timeoutMs && Date.now() - start > timeoutMs) {
      await withContext({ action: `failed to abort job for disk '${disk}'` }, () => c.call('domain.blockJobAbort', { domain, disk, async: args.bool('async') }));
      return 'canceled';
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function checkWaitOpts(args: Args, blocking: boolean, finishName: string): void {
  if (blocking) return;
  for (const o of ['verbose', 'async']) {
    if (args.bool(o)) throw new CliError(`--${o} requires at least one of --timeout, --wait, --pivot, or --${finishName}`);
  }
}

export const blockJobCommands: CommandDef[] = [
  {
    name: 'blockcopy', group: 'domain', summary: 'Start a block copy operation.', description: 'Copy a disk backing image chain to dest.',
    opts: [DOMAIN_OPT, { ...PATH_OPT, help: 'fully-qualified path of source disk' }, { name: 'dest', type: 'string', positional: true, help: 'path of the copy to create' },
      ...BW_OPTS, opt('shallow', 'bool', 'make the copy share a backing chain'), opt('reuse-external', 'bool', 'reuse existing destination'),
      opt('blockdev', 'bool', 'copy destination is block device instead of regular file'), ...WAIT_OPTS,
      opt('pivot', 'bool', 'implies --wait, pivot when mirroring starts'), opt('finish', 'bool', 'implies --wait, quit when mirroring starts'),
      opt('xml', 'string', 'filename containing XML description of the copy destination'), opt('format', 'string', 'format of the destination file'),
      opt('granularity', 'number', 'power-of-two granularity to use during the copy'),
      opt('buf-size', 'number', 'maximum amount of in-flight data during the copy'),
      opt('transient-job', 'bool', 'the copy job is not persisted if VM is turned off')],
    async handler(ctx, args) {
      exclusive(args, 'dest', 'xml');
      exclusive(args, 'format', 'xml');
      exclusive(args, 'pivot', 'finish');
      const [domain, disk] = [args.str('domain')!, args.str('path')!];
      const pivot = args.bool('pivot');
      const finish = args.bool('finish');
      const blocking = args.bool('wait') || pivot || finish || !!args.num('timeout');
      let dest = args.str('dest');
      let format = args.str('format');
      let blockdev = args.bool('blockdev');
      const xml = args.str('xml');
      if (!dest && !xml) throw new CliError('need either --dest or --xml');
      checkWaitOpts(args, blocking, 'finish');
      if (xml) {
        const { readFileSync } = await import('node:fs');
        const text = readFileSync(xml, 'utf8');
        blockdev = /<disk[^>]*type=['"]block['"]/.test(text);
        dest = /<source[^>]*(?:file|dev)=['"]([^'"]+)['"]/.exec(text)?.[1];
        format = /<driver[^>]*type=['"]([^'"]+)['"]/.exec(text)?.[1];
        if (!dest) throw new CliError('missing source path of the block copy destination');
      }
      const c = await ctx.client();
      await withContext({ domain }, () => c.call('domain.blockCopy', {
        domain, disk, dest: dest!, format, blockdev, shallow: args.bool('shallow'), reuseExternal: args.bool('reuse-external'), bandwidth: bandwidth(args),
        transientJob: args.bool('transient-job'), granularity: args.num('granularity'), bufSize: args.num('buf-size'),
      }));
      if (!blocking) return ctx.extra('Block Copy started\n');
      const end = await waitJob(ctx, c, args, domain, disk, 'Block Copy');
      if (end === 'canceled') return ctx.extra('\nCopy aborted\n');
      if (pivot) {
        await withContext({ action: `failed to pivot job for disk ${disk}` }, () => c.call('domain.blockJobAbort', { domain, disk, pivot: true, async: args.bool('async') }));
        ctx.extra('\nSuccessfully pivoted\n');
      } else if (finish) {
        await withContext({ action: `failed to finish job for disk ${disk}` }, () => c.call('domain.blockJobAbort', { domain, disk, async: args.bool('async') }));
        ctx.extra('\nSuccessfully copied\n');
      } else ctx.extra('\nNow in mirroring phase\n');
    },
  },
  {
    name: 'blockcommit', group: 'domain', summary: 'Start a block commit operation.', description: 'Commit changes from a snapshot down to its backing image.',
    opts: [DOMAIN_OPT, PATH_OPT, ...BW_OPTS, opt('base', 'string', 'path of base file to commit into (default bottom of chain)'),
      opt('shallow', 'bool', 'use backing file of top as base'), opt('top', 'string', 'path of top file to commit from (default top of chain)'),
      opt('active', 'bool', 'trigger two-stage active commit of top file'), opt('delete', 'bool', 'delete files that were successfully committed'),
      ...WAIT_OPTS, opt('pivot', 'bool', 'implies --active --wait, pivot when commit is synced'),
      opt('keep-overlay', 'bool', 'implies --active --wait, quit when commit is synced')],
    async handler(ctx, args) {
      exclusive(args, 'pivot', 'keep-overlay');
      const [domain, disk] = [args.str('domain')!, args.str('path')!];
      const pivot = args.bool('pivot');
      const keep = args.bool('keep-overlay');
      const active = args.bool('active') || pivot || keep;
      const blocking = args.bool('wait') || pivot || keep || !!args.num('timeout');
      checkWaitOpts(args, blocking, 'keep-overlay');
      const c = await ctx.client();
      await withContext({ domain }, () => c.call('domain.blockCommit', {
        domain, disk, base: args.str('base'), top: args.str('top'), active, shallow: args.bool('shallow'), delete: args.bool('delete'), bandwidth: bandwidth(args),
      }));
      if (!blocking) return ctx.extra(active ? 'Active Block Commit started\n' : 'Block Commit started\n');
      const end = await waitJob(ctx, c, args, domain, disk, 'Block commit');
      if (end === 'canceled') return ctx.extra('\nCommit aborted\n');
      if (!active) return ctx.extra('\nCommit complete\n');
      if (pivot) {
        await withContext({ action: `failed to pivot job for disk ${disk}` }, () => c.call('domain.blockJobAbort', { domain, disk, pivot: true, async: args.bool('async') }));
        ctx.extra('\nSuccessfully pivoted\n');
      } else if (keep) {
        await withContext({ action: `failed to finish job for disk ${disk}` }, () => c.call('domain.blockJobAbort', { domain, disk, async: args.bool('async') }));
        ctx.extra('\nCommit complete, overlay image kept\n');
      } else ctx.extra('\nNow in synchronized phase\n');
    },
  },
  {
    name: 'blockpull', group: 'domain', summary: 'Populate a disk from its backing image.', description: 'Populate a disk from its backing image.',
    opts: [DOMAIN_OPT, PATH_OPT, ...BW_OPTS, opt('base', 'string', 'path of backing file in chain for a partial pull'), ...WAIT_OPTS],
    async handler(ctx, args) {
      const [domain, disk] = [args.str('domain')!, args.str('path')!];
      const blocking = args.bool('wait') || !!args.num('timeout');
      if (!blocking) {
        if (args.bool('verbose')) throw new CliError('--verbose requires at least one of --timeout, --wait');
        if (args.bool('async')) throw new CliError('--async requires at least one of --timeout, --wait');
      }
      const c = await ctx.client();
      await withContext({ domain }, () => c.call('domain.blockPull', { domain, disk, base: args.str('base'), bandwidth: bandwidth(args) }));
      if (!blocking) return ctx.extra('Block Pull started\n');
      const end = await waitJob(ctx, c, args, domain, disk, 'Block Pull');
      ctx.extra(end === 'canceled' ? '\nPull aborted\n' : '\nPull complete\n');
    },
  },
  {
    name: 'blockjob', group: 'domain', summary: 'Manage active block operations', description: 'Query, adjust speed, or cancel active block operations.',
    opts: [DOMAIN_OPT, PATH_OPT, opt('abort', 'bool', 'abort the active job on the specified disk'), opt('async', 'bool', "implies --abort; request but don't wait for job end"),
      opt('pivot', 'bool', 'implies --abort; conclude and pivot a copy or commit job'), opt('info', 'bool', 'get active job information for the specified disk'),
      opt('bytes', 'bool', 'get/set bandwidth in bytes rather than MiB/s'), opt('raw', 'bool', 'implies --info; output details rather than human summary'),
      opt('bandwidth', 'number', 'set the bandwidth limit in MiB/s')],
    async handler(ctx, args) {
      const [domain, disk] = [args.str('domain')!, args.str('path')!];
      const abort = args.bool('abort') || args.bool('async') || args.bool('pivot');
      const setSpeed = args.values.bandwidth !== undefined;
      const info = args.bool('info') || args.bool('raw') || (!abort && !setSpeed);
      if ([abort, setSpeed, args.bool('info') || args.bool('raw')].filter(Boolean).length > 1) {
        throw new CliError('conflict between --abort, --info, and --bandwidth modes');
      }
      const c = await ctx.client();
      if (abort) {
        await withContext({ domain }, () => c.call('domain.blockJobAbort', { domain, disk, pivot: args.bool('pivot'), async: args.bool('async') }));
        return;
      }
      if (setSpeed) {
        await withContext({ domain }, () => c.call('domain.blockJobSetSpeed', { domain, disk, bandwidth: bandwidth(args) ?? 0 }));
        return;
      }
      if (!info) return;
      const { job } = await withContext({ domain }, () => c.call('domain.blockJobInfo', { domain, disk }));
      if (!job) return ctx.extra(`No current block job for ${disk}\n`);
      if (args.bool('raw')) {
        const bw = args.bool('bytes') ? job.bandwidth : Math.floor(job.bandwidth / MiB);
        ctx.out(` type=${job.type}\n bandwidth=${bw}\n cur=${job.cur}\n end=${job.end}\n`);
        return;
      }
      progress(ctx, LABEL[job.type] ?? 'Unknown job', job.end - job.cur, job.end);
      if (job.bandwidth) ctx.out(`    Bandwidth limit: ${job.bandwidth} bytes/s (${prettyCapacity(job.bandwidth).replace(' ', ' ')}/s)`);
      ctx.out('\n');
    },
  },
];
