// save, restore, save-image-dumpxml/-define and managedsave*, as virsh. File paths are made
// absolute here: tsvirtd runs in another folder. --verbose polls domjobinfo for virsh's
// "Save: [ 45 %]" line on stderr.
import * as path from 'node:path';
import { withContext } from '../errors.js';
import { readXmlFile } from '../files.js';
import { CliError, type Args, type CommandDef, type Ctx } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

type Client = Awaited<ReturnType<Ctx['client']>>;

const STATE_OPTS = [
  { name: 'running', type: 'bool' as const, help: 'set domain to be running on restore' },
  { name: 'paused', type: 'bool' as const, help: 'set domain to be paused on restore' },
];
const VERBOSE = { name: 'verbose', type: 'bool' as const, help: 'display the progress of save' };
const BYPASS = { name: 'bypass-cache', type: 'bool' as const, help: 'avoid file system cache when saving' };
const BANDWIDTH = { name: 'bandwidth', type: 'number' as const, help: 'cap the stream to this many MiB/s (tsvirt extension)' };

function state(args: Args): { running?: boolean; paused?: boolean } {
  if (args.bool('running') && args.bool('paused')) throw new CliError('Options --running and --paused are mutually exclusive');
  return { running: args.bool('running') || undefined, paused: args.bool('paused') || undefined };
}

const abs = (f: string) => path.resolve(f);

/** virsh's vshPrintJobProgress while `work` runs, from the job's data figures */
async function withJobProgress<T>(ctx: Ctx, c: Client, domain: string, label: string, verbose: boolean, work: Promise<T>): Promise<T> {
  if (!verbose) return work;
  let finished = false;
  const poll = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 250));
      if (finished) break;
      const s = await c.call('domain.jobStats', { domain }).catch(() => undefined);
      const get = (f: string) => s?.params.find((p) => p.field === f)?.value;
      const total = get('data_total');
      const left = get('data_remaining');
      if (typeof total === 'number' && typeof left === 'number' && total > 0) {
        // virsh never shows 100 % before the job ended
        const pct = Math.min(99, Math.floor(100 - (100 * left) / total));
        ctx.err(`\r${label}: [${String(pct).padStart(3)} %]`);
      }
    }
  })();
  try {
    const r = await work;
    ctx.err(`\r${label}: [100 %]\n`);
    return r;
  } finally {
    finished = true;
    await poll;
  }
}

export const saveCommands: CommandDef[] = [
  {
    name: 'save', group: 'domain', summary: 'save a domain state to a file',
    description: 'Save the RAM state of a running domain.',
    opts: [DOMAIN_OPT, { name: 'file', type: 'data', required: true, help: 'where to save the data' }, BYPASS,
      { name: 'xml', type: 'string', help: 'filename containing updated XML for the target' }, ...STATE_OPTS, VERBOSE, BANDWIDTH],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const file = args.str('file')!;
      const xmlFile = args.str('xml');
      const xml = xmlFile !== undefined ? await readXmlFile(xmlFile) : undefined;
      const c = await ctx.client();
      const work = c.call('domain.save', { domain, file: abs(file), xml, bandwidth: args.num('bandwidth'), ...state(args) });
      await withContext({ domain, action: `Failed to save domain '${domain}' to ${file}` }, () =>
        withJobProgress(ctx, c, domain, 'Save', args.bool('verbose'), work));
      ctx.extra(`\nDomain '${domain}' saved to ${file}\n`);
    },
  },
  {
    name: 'restore', group: 'domain', summary: 'restore a domain from a saved state in a file',
    description: 'Restore a domain.',
    opts: [{ name: 'file', type: 'data', required: true, help: 'the state to restore' }, BYPASS,
      { name: 'xml', type: 'string', help: 'filename containing updated XML for the target' }, ...STATE_OPTS,
      { name: 'reset-nvram', type: 'bool', help: 're-initialize NVRAM from its pristine template' }],
    async handler(ctx, args) {
      const file = args.str('file')!;
      const xmlFile = args.str('xml');
      const xml = xmlFile !== undefined ? await readXmlFile(xmlFile) : undefined;
      const c = await ctx.client();
      await withContext({ action: `Failed to restore domain from ${file}` }, () => c.call('domain.restore', { file: abs(file), xml, ...state(args) }));
      ctx.extra(`Domain restored from ${file}\n`);
    },
  },
  {
    name: 'save-image-dumpxml', group: 'domain', summary: 'saved state domain information in XML',
    description: 'Dump XML of domain information for a saved state file to stdout.',
    opts: [{ name: 'file', type: 'data', required: true, help: 'saved state file to read' },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const r = await withContext({}, () => c.call('domain.saveImageGetXml', { file: abs(args.str('file')!), secure: args.bool('security-info') || undefined }));
      ctx.out(r.xml.endsWith('\n') ? r.xml : `${r.xml}\n`);
    },
  },
  {
    name: 'save-image-define', group: 'domain', summary: 'redefine the XML for a domain\'s saved state file',
    description: 'Replace the domain XML associated with a saved state file',
    opts: [{ name: 'file', type: 'data', required: true, help: 'saved state file to modify' },
      { name: 'xml', type: 'data', required: true, help: 'filename containing updated XML for the target' }, ...STATE_OPTS],
    async handler(ctx, args) {
      const file = args.str('file')!;
      const xml = await readXmlFile(args.str('xml')!);
      const c = await ctx.client();
      await withContext({ action: `Failed to update ${file}` }, () => c.call('domain.saveImageDefine', { file: abs(file), xml, ...state(args) }));
      ctx.extra(`State file ${file} updated.\n`);
    },
  },
  {
    name: 'managedsave', group: 'domain', summary: 'managed save of a domain state',
    description: 'Save and destroy a running domain, so it can be restarted from\n    the same state at a later time.  When the virsh \'start\'\n    command is next run for the domain, it will automatically\n    be started from this saved state.',
    opts: [DOMAIN_OPT, BYPASS, ...STATE_OPTS, VERBOSE, BANDWIDTH],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const work = c.call('domain.managedSave', { domain, bandwidth: args.num('bandwidth'), ...state(args) });
      await withContext({ domain, action: `Failed to save domain '${domain}' state` }, () =>
        withJobProgress(ctx, c, domain, 'Managedsave', args.bool('verbose'), work));
      ctx.extra(`\nDomain '${domain}' state saved by libvirt\n`);
    },
  },
  {
    name: 'managedsave-remove', group: 'domain', summary: 'Remove managed save of a domain',
    description: 'Remove an existing managed save state file from a domain',
    opts: [DOMAIN_OPT],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const has = await withContext({ domain }, () => c.call('domain.hasManagedSave', { domain }));
      if (!has.result) return ctx.extra(`Domain '${domain}' has no manage save image; removal skipped\n`);
      await withContext({ domain, action: `Failed to remove managed save image for domain '${domain}'` }, () => c.call('domain.managedSaveRemove', { domain }));
      ctx.extra(`Removed managedsave image for domain '${domain}'\n`);
    },
  },
  {
    name: 'managedsave-dumpxml', group: 'domain', summary: 'Domain information of managed save state file in XML',
    description: 'Dump XML of domain information for a managed save state file to stdout.',
    opts: [DOMAIN_OPT, { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const r = await withContext({ domain }, () => c.call('domain.managedSaveGetXml', { domain, secure: args.bool('security-info') || undefined }));
      ctx.out(r.xml.endsWith('\n') ? r.xml : `${r.xml}\n`);
    },
  },
  {
    name: 'managedsave-define', group: 'domain', summary: 'redefine the XML for a domain\'s managed save state file',
    description: 'Replace the domain XML associated with a managed save state file',
    opts: [DOMAIN_OPT, { name: 'xml', type: 'data', required: true, help: 'filename containing updated XML for the target' }, ...STATE_OPTS],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const xml = await readXmlFile(args.str('xml')!);
      const c = await ctx.client();
      await withContext({ domain }, () => c.call('domain.managedSaveDefine', { domain, xml, ...state(args) }));
      ctx.extra(`Managed save state file of domain '${domain}' updated.\n`);
    },
  },
];
