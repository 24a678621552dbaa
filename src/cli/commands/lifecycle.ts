// define, undefine, create, start, shutdown, reboot, reset, destroy, suspend, resume, autostart.
import type { MethodName, ParamsOf } from '../../protocol/methods.js';
import { withContext } from '../errors.js';
import { checkDomainXml } from '../domain-xml.js';
import { readXmlFile } from '../files.js';
import { undefineWithStorage } from './undefine-storage.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';

export const DOMAIN_OPT: OptDef = { name: 'domain', type: 'data', required: true, help: 'domain name, id or uuid' };
const FILE_OPT: OptDef = { name: 'file', type: 'data', required: true, help: 'file containing an XML domain description' };
const MODE_OPT: OptDef = { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' };
const MODES = ['acpi', 'agent', 'initctl', 'signal', 'paravirt'] as const;
type Mode = (typeof MODES)[number];

function parseModes(text: string | undefined): Mode[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((m) => {
    if (!(MODES as readonly string[]).includes(m)) {
      throw new CliError(`Unknown mode ${m} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'`);
    }
    return m as Mode;
  });
}

/** One call on one domain, printing virsh's success line or "Failed to <verb> domain 'x'". */
async function domainCall<M extends MethodName>(
  ctx: Ctx, args: Args, method: M, extra: Omit<ParamsOf<M>, 'domain'>, verb: string, done: string,
): Promise<void> {
  const domain = args.str('domain')!;
  const c = await ctx.client();
  await withContext({ domain, action: `Failed to ${verb} domain '${domain}'` }, () =>
    c.call(method, { domain, ...extra } as ParamsOf<M>));
  ctx.extra(`Domain '${domain}' ${done}\n`);
}

async function attachConsole(ctx: Ctx, domain: string): Promise<void> {
  const { runConsole } = await import('./console.js');
  await runConsole(ctx, domain, undefined, false);
}

export const lifecycleCommands: CommandDef[] = [
  {
    name: 'define', group: 'domain', summary: "define (but don't start) a domain from an XML file", description: 'Define a domain.',
    opts: [FILE_OPT, { name: 'validate', type: 'bool', help: 'validate the XML against the schema' }],
    async handler(ctx, args) {
      const file = args.str('file')!;
      const xml = await readXmlFile(file);
      const c = await ctx.client();
      const dom = await withContext({ action: `Failed to define domain from ${file}` }, async () => {
        if (args.bool('validate')) await checkDomainXml(xml);
        return c.call('domain.define', { xml });
      });
      ctx.extra(`Domain '${dom.name}' defined from ${file}\n`);
    },
  },
  {
    name: 'create', group: 'domain', summary: 'create a domain from an XML file', description: 'Create a domain.',
    opts: [
      FILE_OPT,
      { name: 'console', type: 'bool', help: 'attach to console after creation' },
      { name: 'paused', type: 'bool', help: 'leave the guest paused after creation' },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    async handler(ctx, args) {
      const file = args.str('file')!;
      const xml = await readXmlFile(file);
      const c = await ctx.client();
      const dom = await withContext({ action: `Failed to create domain from ${file}` }, async () => {
        if (args.bool('validate')) await checkDomainXml(xml);
        return c.call('domain.create', { xml, paused: args.bool('paused') || undefined });
      });
      ctx.extra(`Domain '${dom.name}' created from ${file}\n`);
      if (args.bool('console')) await attachConsole(ctx, dom.name);
    },
  },
  {
    name: 'undefine', group: 'domain', summary: 'undefine a domain',
    description: 'Undefine an inactive domain, or convert persistent to transient.',
    opts: [
      DOMAIN_OPT,
      { name: 'storage', type: 'string', help: 'remove associated storage volumes (comma separated list of targets or source paths) (see domblklist)' },
      { name: 'remove-all-storage', type: 'bool', help: 'remove all associated storage volumes (use with caution)' },
      { name: 'nvram', type: 'bool', help: 'remove nvram file' },
      { name: 'keep-nvram', type: 'bool', help: 'keep nvram file' },
      { name: 'tpm', type: 'bool', help: 'remove TPM state' },
      { name: 'keep-tpm', type: 'bool', help: 'keep TPM state' },
      { name: 'managed-save', type: 'bool', help: 'remove domain managed state file' },
      { name: 'snapshots-metadata', type: 'bool', help: 'remove all domain snapshot metadata (vm must be inactive)' },
    ],
    async handler(ctx, args) {
      if (args.bool('nvram') && args.bool('keep-nvram')) throw new CliError('Options --nvram and --keep-nvram are mutually exclusive');
      if (args.bool('tpm') && args.bool('keep-tpm')) throw new CliError('Options --tpm and --keep-tpm are mutually exclusive');
      const nvram = {
        nvram: args.bool('nvram') || undefined, keepNvram: args.bool('keep-nvram') || undefined,
        tpm: args.bool('tpm') || undefined, keepTpm: args.bool('keep-tpm') || undefined,
        managedSave: args.bool('managed-save') || undefined,
        snapshotsMetadata: args.bool('snapshots-metadata') || undefined,
      };
      if (args.bool('remove-all-storage') || args.str('storage') !== undefined) return undefineWithStorage(ctx, args, nvram);
      await domainCall(ctx, args, 'domain.undefine', nvram, 'undefine', 'has been undefined');
    },
  },
  {
    name: 'start', group: 'domain', summary: 'start a (previously defined) inactive domain',
    description: 'Start a domain, either from the last managedsave\n    state, or via a fresh boot if no managedsave state\n    is present.',
    opts: [
      { ...DOMAIN_OPT, help: 'name of the inactive domain' },
      { name: 'console', type: 'bool', help: 'attach to console after creation' },
      { name: 'paused', type: 'bool', help: 'leave the guest paused after creation' },
      { name: 'force-boot', type: 'bool', help: 'force fresh boot by discarding any managed save' },
    ],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      // virsh looks the domain up first and refuses an active one with this exact line
      const dom = await withContext({ domain }, () => c.call('domain.lookup', { domain }));
      if (dom.id !== null) throw new CliError('Domain is already active');
      await domainCall(ctx, args, 'domain.start', { paused: args.bool('paused') || undefined, forceBoot: args.bool('force-boot') || undefined }, 'start', 'started');
      if (args.bool('console')) await attachConsole(ctx, domain);
    },
  },
  {
    name: 'shutdown', group: 'domain', summary: 'gracefully shutdown a domain', description: 'Run shutdown in the target domain.',
    opts: [DOMAIN_OPT, MODE_OPT],
    handler: (ctx, args) => domainCall(ctx, args, 'domain.shutdown', { modes: parseModes(args.str('mode')) }, 'shutdown', 'is being shutdown'),
  },
  {
    name: 'reboot', group: 'domain', summary: 'reboot a domain', description: 'Run a reboot command in the target domain.',
    opts: [DOMAIN_OPT, MODE_OPT],
    handler: (ctx, args) => domainCall(ctx, args, 'domain.reboot', { modes: parseModes(args.str('mode')) }, 'reboot', 'is being rebooted'),
  },
  {
    name: 'reset', group: 'domain', summary: 'reset a domain', description: 'Reset the target domain as if by power button',
    opts: [DOMAIN_OPT],
    handler: (ctx, args) => domainCall(ctx, args, 'domain.reset', {}, 'reset', 'was reset'),
  },
  {
    name: 'destroy', group: 'domain', summary: 'destroy (stop) a domain',
    description: 'Forcefully stop a given domain, but leave its resources intact.',
    opts: [DOMAIN_OPT, { name: 'graceful', type: 'bool', help: 'terminate gracefully' }],
    handler: (ctx, args) => domainCall(ctx, args, 'domain.destroy', { graceful: args.bool('graceful') || undefined }, 'destroy', 'destroyed'),
  },
  {
    name: 'suspend', group: 'domain', summary: 'suspend a domain', description: 'Suspend a running domain.',
    opts: [DOMAIN_OPT],
    handler: (ctx, args) => domainCall(ctx, args, 'domain.suspend', {}, 'suspend', 'suspended'),
  },
  {
    name: 'resume', group: 'domain', summary: 'resume a domain', description: 'Resume a previously suspended domain.',
    opts: [DOMAIN_OPT],
    handler: (ctx, args) => domainCall(ctx, args, 'domain.resume', {}, 'resume', 'resumed'),
  },
  {
    name: 'autostart', group: 'domain', summary: 'autostart a domain',
    description: 'Configure a domain to be automatically started at boot.',
    opts: [DOMAIN_OPT, { name: 'disable', type: 'bool', help: 'disable autostarting' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const off = args.bool('disable');
      const c = await ctx.client();
      await withContext({ domain, action: `Failed to ${off ? 'unmark' : 'mark'} domain '${domain}' as autostarted` }, () =>
        c.call('domain.setAutostart', { domain, autostart: !off }));
      ctx.extra(`Domain '${domain}' ${off ? 'unmarked' : 'marked'} as autostarted\n`);
    },
  },
];
