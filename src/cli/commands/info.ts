// Read-only domain commands: dominfo, domstate, domid, domname, domuuid, dumpxml and the
// device lists read from the domain XML (domblklist, domiflist, vncdisplay, ttyconsole).
import type { Domain } from '../../conf/domain-types.js';
import type { Client } from '../../client/client.js';
import { DOMAIN_STATE_TEXT } from '../../protocol/domain-state.js';
import { withContext } from '../errors.js';
import { formatDominfo, printJson, reasonText } from '../format.js';
import { parseDomain } from '../domain-xml.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef, type Ctx } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

const INACTIVE = { name: 'inactive', type: 'bool' as const, help: 'get inactive rather than running configuration' };

function dom(args: Args): string {
  return args.str('domain')!;
}

async function lookup(ctx: Ctx, args: Args) {
  const c = await ctx.client();
  const domain = dom(args);
  return withContext({ domain }, () => c.call('domain.lookup', { domain }));
}

export async function domainModel(ctx: Ctx, args: Args, inactive: boolean): Promise<{ c: Client; model: Domain }> {
  const c = await ctx.client();
  const domain = dom(args);
  const { xml } = await withContext({ domain }, () => c.call('domain.getXml', { domain, inactive: inactive || undefined }));
  return { c, model: await parseDomain(xml) };
}

const dash = (s: string | undefined) => (s === undefined || s === '' ? '-' : s);

export function diskRows(model: Domain) {
  return model.devices.disks.map((d) => ({
    type: d.type, device: d.device, target: d.target.dev,
    source: d.source?.file ?? d.source?.dev ?? d.source?.volume ?? null,
  }));
}

export function interfaceRows(model: Domain) {
  return model.devices.interfaces.map((i) => ({
    interface: i.target?.dev ?? null, type: i.type,
    source: i.source?.network ?? i.source?.bridge ?? null, model: i.model ?? null, mac: i.mac,
  }));
}

/** virsh vncdisplay: ":N" for a wildcard listen address, "ADDR:N" otherwise. */
export function vncDisplay(model: Domain): string | null {
  const g = model.devices.graphics.find((x) => x.type === 'vnc');
  if (!g || g.port === undefined || g.port <= 0) return null;
  const listen = g.listen ?? g.listens.find((l) => l.type === 'address')?.address;
  const n = g.port - 5900;
  if (!listen || listen === '0.0.0.0' || listen === '::') return `:${n}`;
  return listen.includes(':') ? `[${listen}]:${n}` : `${listen}:${n}`;
}

export const infoCommands: CommandDef[] = [
  {
    name: 'dominfo', group: 'monitor', summary: 'domain information', description: 'Returns basic information about the domain.',
    opts: [DOMAIN_OPT], json: true,
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const info = await withContext({ domain }, () => c.call('domain.getInfo', { domain }));
      ctx.out(args.json ? printJson(info) : formatDominfo(info));
    },
  },
  {
    name: 'domstate', group: 'monitor', summary: 'domain state', description: 'Returns state about a domain.',
    opts: [DOMAIN_OPT, { name: 'reason', type: 'bool', help: 'also print reason for the state' }], json: true,
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const st = await withContext({ domain }, () => c.call('domain.getState', { domain }));
      if (args.json) return ctx.out(printJson(st));
      const text = DOMAIN_STATE_TEXT[st.state];
      ctx.out(args.bool('reason') ? `${text} (${reasonText(st.state, st.reason)})\n` : `${text}\n`);
    },
  },
  {
    name: 'domid', group: 'domain', summary: 'convert a domain name or UUID to domain id',
    opts: [{ ...DOMAIN_OPT, help: 'domain name or uuid' }], json: true,
    async handler(ctx, args) {
      const d = await lookup(ctx, args);
      ctx.out(args.json ? printJson({ id: d.id }) : `${d.id === null ? '-' : d.id}\n`);
    },
  },
  {
    name: 'domname', group: 'domain', summary: 'convert a domain id or UUID to domain name',
    opts: [{ ...DOMAIN_OPT, help: 'domain id or uuid' }], json: true,
    async handler(ctx, args) {
      const d = await lookup(ctx, args);
      ctx.out(args.json ? printJson({ name: d.name }) : `${d.name}\n`);
    },
  },
  {
    name: 'domuuid', group: 'domain', summary: 'convert a domain name or id to domain UUID',
    opts: [{ ...DOMAIN_OPT, help: 'domain id or name' }], json: true,
    async handler(ctx, args) {
      const d = await lookup(ctx, args);
      ctx.out(args.json ? printJson({ uuid: d.uuid }) : `${d.uuid}\n`);
    },
  },
  {
    name: 'dumpxml', group: 'domain', summary: 'domain information in XML',
    description: 'Output the domain information as an XML dump to stdout.',
    opts: [
      DOMAIN_OPT,
      { name: 'inactive', type: 'bool', help: 'show inactive defined XML' },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
    ],
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const { xml } = await withContext({ domain }, () => c.call('domain.getXml', { domain, inactive: args.bool('inactive') || undefined }));
      ctx.out(xml.endsWith('\n') ? xml : xml + '\n');
    },
  },
  {
    name: 'domblklist', group: 'monitor', summary: 'list all domain blocks',
    description: 'Get the summary of block devices for a domain.', json: true,
    opts: [DOMAIN_OPT, INACTIVE, { name: 'details', type: 'bool', help: 'additionally display the type and device value' }],
    async handler(ctx, args) {
      const { model } = await domainModel(ctx, args, args.bool('inactive'));
      const rows = diskRows(model);
      if (args.json) return ctx.out(printJson(rows));
      const details = args.bool('details');
      const header = details ? ['Type', 'Device', 'Target', 'Source'] : ['Target', 'Source'];
      ctx.out(formatTable(header, rows.map((r) =>
        details ? [r.type, r.device, r.target, dash(r.source ?? undefined)] : [r.target, dash(r.source ?? undefined)]), ctx.quiet));
    },
  },
  {
    name: 'domiflist', group: 'monitor', summary: 'list all domain virtual interfaces',
    description: 'Get the summary of virtual interfaces for a domain.', json: true,
    opts: [DOMAIN_OPT, INACTIVE],
    async handler(ctx, args) {
      const { model } = await domainModel(ctx, args, args.bool('inactive'));
      const rows = interfaceRows(model);
      if (args.json) return ctx.out(printJson(rows));
      ctx.out(formatTable(['Interface', 'Type', 'Source', 'Model', 'MAC'], rows.map((r) =>
        [dash(r.interface ?? undefined), r.type, dash(r.source ?? undefined), dash(r.model ?? undefined), r.mac]), ctx.quiet));
    },
  },
  {
    name: 'vncdisplay', group: 'domain', summary: 'vnc display', description: 'Output the IP address and port number for the VNC display.',
    opts: [DOMAIN_OPT], json: true,
    async handler(ctx, args) {
      const d = await lookup(ctx, args);
      if (d.id === null) throw new CliError('Domain is not running');
      const { model } = await domainModel(ctx, args, false);
      const display = vncDisplay(model);
      if (display === null) throw new CliError('Failed to get VNC port. Is this domain using VNC?');
      ctx.out(args.json ? printJson({ display }) : `${display}\n`);
    },
  },
  {
    name: 'ttyconsole', group: 'domain', summary: 'tty console', description: 'Output the device for the TTY console.',
    opts: [DOMAIN_OPT], json: true,
    async handler(ctx, args) {
      const { model } = await domainModel(ctx, args, false);
      const tty = [...model.devices.consoles, ...model.devices.serials].find((c) => c.type === 'pty' && c.source?.path)?.source?.path;
      if (!tty) throw new CliError(`domain '${dom(args)}' has no TTY console (is it running?)`);
      ctx.out(args.json ? printJson({ tty }) : `${tty}\n`);
    },
  },
];
