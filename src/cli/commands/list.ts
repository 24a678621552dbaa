// virsh list: filters, sorting (running by id, then the rest by name) and the three layouts.
import { DOMAIN_STATE_TEXT } from '../../protocol/domain-state.js';
import type { DomainSummary } from '../../protocol/types.js';
import { printJson } from '../format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef } from '../types.js';

const b = (name: string, help: string) => ({ name, type: 'bool' as const, help });

export function filterDomains(all: DomainSummary[], args: Args): DomainSummary[] {
  const states: string[] = [];
  if (args.bool('state-running')) states.push('running');
  if (args.bool('state-paused')) states.push('paused');
  if (args.bool('state-shutoff')) states.push('shutoff');
  const other = args.bool('state-other');
  const byState = states.length > 0 || other;
  return all.filter((d) => {
    const active = d.id !== null;
    // virsh: without --all/--inactive/--state-*, only active domains are listed
    if (args.bool('inactive') && !args.bool('all') && active) return false;
    if (!args.bool('inactive') && !args.bool('all') && !byState && !active) return false;
    if (byState && !(states.includes(d.state) || (other && !['running', 'paused', 'shutoff'].includes(d.state)))) return false;
    if (args.bool('persistent') && !d.persistent) return false;
    if (args.bool('transient') && d.persistent) return false;
    if (args.bool('autostart') && !d.autostart) return false;
    if (args.bool('no-autostart') && d.autostart) return false;
    if (args.bool('with-managed-save') && !d.managedSave) return false;
    if (args.bool('without-managed-save') && d.managedSave) return false;
    return true;
  });
}

/** virsh's order: active domains by id, then inactive ones by name (ASCII case-insensitive). */
export function sortDomains(list: DomainSummary[]): DomainSummary[] {
  const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return [...list].sort((a, b) => {
    if (a.id !== null && b.id !== null) return a.id - b.id;
    if (a.id !== null) return -1;
    if (b.id !== null) return 1;
    const x = lower(a.name), y = lower(b.name);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function formatList(doms: DomainSummary[], args: Args, quiet: boolean): string {
  const uuid = args.bool('uuid'), name = args.bool('name'), id = args.bool('id');
  if (uuid || name || id) {
    let out = '';
    for (const d of doms) {
      if (id && !uuid && !name && d.id === null) continue;
      const parts: string[] = [];
      if (uuid) parts.push(d.uuid);
      if (id) parts.push(d.id === null ? '-' : String(d.id));
      if (name) parts.push(d.name);
      out += parts.join(' ') + '\n';
    }
    return out;
  }
  const title = args.bool('title');
  const header = ['Id', 'Name', 'State', ...(title ? ['Title'] : [])];
  const rows = doms.map((d) => [
    // --managed-save: an inactive domain with a managed save image shows as saved
    d.id === null ? '-' : String(d.id), d.name, args.bool('managed-save') && d.managedSave && d.id === null ? 'saved' : DOMAIN_STATE_TEXT[d.state], ...(title ? [d.title ?? ''] : []),
  ]);
  return formatTable(header, rows, quiet);
}

export const listCommand: CommandDef = {
  name: 'list', group: 'monitor', summary: 'list domains', description: 'Returns list of domains.', json: true,
  opts: [
    b('inactive', 'list inactive domains'), b('all', 'list inactive & active domains'),
    b('transient', 'list transient domains'), b('persistent', 'list persistent domains'),
    b('state-running', 'list domains in running state'), b('state-paused', 'list domains in paused state'),
    b('state-shutoff', 'list domains in shutoff state'), b('state-other', 'list domains in other states'),
    b('autostart', 'list domains with autostart enabled'), b('no-autostart', 'list domains with autostart disabled'),
    b('uuid', "list uuid's only"), b('name', 'list domain names only'), b('id', 'list domain IDs only'),
    b('table', 'list table (default)'), b('title', 'show domain title'),
    b('managed-save', 'mark inactive domains with managed save state'),
    b('with-managed-save', 'list domains with managed save state'), b('without-managed-save', 'list domains without managed save'),
  ],
  async handler(ctx, args) {
    if (args.bool('table')) {
      for (const o of ['name', 'uuid', 'id']) {
        if (args.bool(o)) throw new CliError(`Options --table and --${o} are mutually exclusive`);
      }
    }
    const c = await ctx.client();
    const { domains } = await c.call('domain.list', {});
    const doms = sortDomains(filterDomains(domains, args));
    ctx.out(args.json ? printJson(doms) : formatList(doms, args, ctx.quiet));
  },
};
