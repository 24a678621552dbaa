// virsh's snapshot commands (tools/virsh-snapshot.c): snapshot-create, -create-as, -list,
// -info, -dumpxml, -current, -parent, -revert, -delete, each printing what virsh prints.
import { withContext } from '../errors.js';
import { readXmlFile } from '../files.js';
import { printJson } from '../format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';
import type { SnapshotInfo } from '../../protocol/methods-snapshot.js';
import { DOMAIN_OPT } from './lifecycle.js';

const dom = (args: Args) => args.str('domain')!;
const escapeXml = (v: string) => v.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);
const CURRENT: OptDef = { name: 'current', type: 'bool', help: 'use the current snapshot' };
const SNAPNAME: OptDef = { name: 'snapshotname', type: 'string', positional: true, help: 'snapshot name' };

function exclusive(args: Args, a: string, b: string): void {
  if (args.values[a] !== undefined && args.values[a] !== false && args.values[b] !== undefined && args.values[b] !== false) {
    throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
  }
}

/** virshLookupSnapshot: --ARG NAME or --current */
async function lookupName(ctx: Ctx, args: Args, arg = 'snapshotname'): Promise<string> {
  const name = args.str(arg);
  const current = args.bool('current');
  if (name !== undefined && current) throw new CliError(`--${arg} and --current are mutually exclusive`);
  if (name !== undefined) {
    const c = await ctx.client();
    await withContext({ domain: dom(args) }, () => c.call('snapshot.lookup', { domain: dom(args), name }));
    return name;
  }
  if (!current) throw new CliError(`--${arg} or --current is required`);
  const c = await ctx.client();
  const r = await withContext({ domain: dom(args) }, () => c.call('snapshot.current', { domain: dom(args) }));
  if (!r.name) throw new CliError('Domain snapshot not found: the domain does not have a current snapshot');
  return r.name;
}

const CREATE_FLAGS: OptDef[] = [
  { name: 'no-metadata', type: 'bool', help: 'take snapshot but create no metadata' },
  { name: 'halt', type: 'bool', help: 'halt domain after snapshot is created' },
  { name: 'disk-only', type: 'bool', help: 'capture disk state but not vm state' },
  { name: 'reuse-external', type: 'bool', help: 'reuse any existing external files' },
  { name: 'quiesce', type: 'bool', help: "quiesce guest's file systems" },
  { name: 'atomic', type: 'bool', help: 'require atomic operation' },
  { name: 'live', type: 'bool', help: 'take a live snapshot' },
];

const createFlags = (args: Args) => ({
  noMetadata: args.bool('no-metadata') || undefined, halt: args.bool('halt') || undefined, diskOnly: args.bool('disk-only') || undefined,
  reuseExternal: args.bool('reuse-external') || undefined, quiesce: args.bool('quiesce') || undefined,
  atomic: args.bool('atomic') || undefined, live: args.bool('live') || undefined,
});

/** --memspec [file=]name[,snapshot=type] (virshParseSnapshotMemspec) */
function memspecXml(spec: string): string {
  let snapshot: string | undefined;
  let file: string | undefined;
  for (const part of spec.split(',')) {
    if (snapshot === undefined && part.startsWith('snapshot=')) snapshot = part.slice(9);
    else if (file === undefined && part.startsWith('file=')) file = part.slice(5);
    else if (file === undefined && part.startsWith('/')) file = part;
    else throw new CliError(`unable to parse memspec: ${spec}`);
  }
  return `  <memory${snapshot !== undefined ? ` snapshot='${escapeXml(snapshot)}'` : ''}${file !== undefined ? ` file='${escapeXml(file)}'` : ''}/>\n`;
}

/** --diskspec disk[,snapshot=type][,driver=type][,file=name] (virshParseSnapshotDiskspec) */
function diskspecXml(spec: string): string {
  const [name, ...rest] = spec.split(',');
  if (!name) throw new CliError(`unable to parse diskspec: ${spec}`);
  let snapshot: string | undefined;
  let driver: string | undefined;
  let file: string | undefined;
  for (const part of rest) {
    if (snapshot === undefined && part.startsWith('snapshot=')) snapshot = part.slice(9);
    else if (driver === undefined && part.startsWith('driver=')) driver = part.slice(7);
    else if (file === undefined && part.startsWith('file=')) file = part.slice(5);
    else throw new CliError(`unable to parse diskspec: ${spec}`);
  }
  const open = `    <disk name='${escapeXml(name)}'${snapshot ? ` snapshot='${escapeXml(snapshot)}'` : ''}`;
  if (!driver && !file) return `${open}/>\n`;
  return `${open}>\n${driver ? `      <driver type='${escapeXml(driver)}'/>\n` : ''}${file ? `      <source file='${escapeXml(file)}'/>\n` : ''}    </disk>\n`;
}

/** "YYYY-MM-DD HH:MM:SS +ZZZZ" in local time, as g_date_time_format(%Y-%m-%d %H:%M:%S %z) */
export function snapshotTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const z = `${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${z}`;
}

/** vshTreePrint: each root, its children below with "+- " and "|" rails, a blank line after each last leaf */
export function snapshotTree(list: Array<{ name: string; parent?: string }>): string {
  let out = '';
  const walk = (i: number, last: number, root: boolean, indent: string) => {
    const name = list[i].name;
    out += `${indent}${root ? '' : '+- '}${name}\n`;
    if (!root) indent += (i === last ? ' ' : '|') + ' ';
    let nextLast = -1;
    list.forEach((s, j) => { if (s.parent === name) nextLast = j; });
    if (nextLast !== -1) out += `${indent}  |\n`;
    list.forEach((s, j) => { if (s.parent === name) walk(j, nextLast, false, indent + '  '); });
    if (nextLast === -1 && i === last) out += `${indent}\n`;
  };
  list.forEach((s, i) => { if (!s.parent) walk(i, i, true, ''); });
  return out;
}

const byName = (a: SnapshotInfo, b: SnapshotInfo) => a.name.toLowerCase().localeCompare(b.name.toLowerCase());

export const snapshotCommands: CommandDef[] = [
  {
    name: 'snapshot-create', group: 'snapshot', summary: 'Create a snapshot from XML', description: 'Create a snapshot (disk and RAM) from XML',
    opts: [
      DOMAIN_OPT,
      { name: 'xmlfile', type: 'string', positional: true, help: 'domain snapshot XML' },
      { name: 'redefine', type: 'bool', help: 'redefine metadata for existing snapshot' },
      { ...CURRENT, help: 'with redefine, set current snapshot' },
      ...CREATE_FLAGS,
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    async handler(ctx, args) {
      const file = args.str('xmlfile');
      const xml = file ? await readXmlFile(file) : '<domainsnapshot/>';
      const c = await ctx.client();
      const r = await withContext({ domain: dom(args) }, () => c.call('snapshot.create', {
        domain: dom(args), xml, redefine: args.bool('redefine') || undefined, current: args.bool('current') || undefined, ...createFlags(args),
      }));
      ctx.extra(file ? `Domain snapshot ${r.name} created from '${file}'` : `Domain snapshot ${r.name} created`); // no newline in virsh 9.0
    },
  },
  {
    name: 'snapshot-create-as', group: 'snapshot', summary: 'Create a snapshot from a set of args', description: 'Create a snapshot (disk and RAM) from arguments',
    opts: [
      DOMAIN_OPT,
      { name: 'name', type: 'string', positional: true, help: 'name of snapshot' },
      { name: 'description', type: 'string', positional: true, help: 'description of snapshot' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than create' },
      ...CREATE_FLAGS,
      { name: 'memspec', type: 'string', help: 'memory attributes: [file=]name[,snapshot=type]' },
      { name: 'diskspec', type: 'string', positional: true, multiple: true, help: 'disk attributes: disk[,snapshot=type][,driver=type][,file=name]' },
    ],
    async handler(ctx, args) {
      if (args.bool('no-metadata') && args.bool('print-xml')) throw new CliError('--print-xml is incompatible with --no-metadata');
      const name = args.str('name');
      const desc = args.str('description');
      let xml = '<domainsnapshot>\n';
      if (name !== undefined) xml += `  <name>${escapeXml(name)}</name>\n`;
      if (desc !== undefined) xml += `  <description>${escapeXml(desc)}</description>\n`;
      const mem = args.str('memspec');
      if (mem !== undefined) xml += memspecXml(mem);
      const disks = args.list('diskspec');
      if (disks.length) xml += `  <disks>\n${disks.map(diskspecXml).join('')}  </disks>\n`;
      xml += '</domainsnapshot>\n';
      if (args.bool('print-xml')) return ctx.out(`${xml}\n`);
      const c = await ctx.client();
      const r = await withContext({ domain: dom(args) }, () => c.call('snapshot.create', { domain: dom(args), xml, ...createFlags(args) }));
      ctx.extra(`Domain snapshot ${r.name} created`);
    },
  },
  {
    name: 'snapshot-list', group: 'snapshot', summary: 'List snapshots for a domain', description: 'Snapshot List', json: true,
    opts: [
      DOMAIN_OPT,
      { name: 'parent', type: 'bool', help: 'add a column showing parent snapshot' },
      { name: 'roots', type: 'bool', help: 'list only snapshots without parents' },
      { name: 'leaves', type: 'bool', help: 'list only snapshots without children' },
      { name: 'no-leaves', type: 'bool', help: 'list only snapshots that are not leaves (with children)' },
      { name: 'metadata', type: 'bool', help: 'list only snapshots that have metadata that would prevent undefine' },
      { name: 'no-metadata', type: 'bool', help: 'list only snapshots that have no metadata managed by libvirt' },
      { name: 'inactive', type: 'bool', help: 'filter by snapshots taken while inactive' },
      { name: 'active', type: 'bool', help: 'filter by snapshots taken while active (full system snapshots)' },
      { name: 'disk-only', type: 'bool', help: 'filter by disk-only snapshots' },
      { name: 'internal', type: 'bool', help: 'filter by internal snapshots' },
      { name: 'external', type: 'bool', help: 'filter by external snapshots' },
      { name: 'tree', type: 'bool', help: 'list snapshots in a tree' },
      { name: 'from', type: 'string', help: 'limit list to children of given snapshot' },
      { ...CURRENT, help: 'limit list to children of current snapshot' },
      { name: 'descendants', type: 'bool', help: 'with --from, list all descendants' },
      { name: 'name', type: 'bool', help: 'list snapshot names only' },
      { name: 'topological', type: 'bool', help: 'sort list topologically rather than by name' },
    ],
    async handler(ctx, args) {
      for (const [a, b] of [['tree', 'name'], ['parent', 'roots'], ['parent', 'tree'], ['roots', 'tree'], ['roots', 'from'], ['roots', 'current']]) exclusive(args, a, b);
      const tree = args.bool('tree');
      for (const f of ['leaves', 'no-leaves', 'inactive', 'active', 'disk-only', 'internal', 'external']) {
        if (tree && args.bool(f)) throw new CliError(`--${f} and --tree are mutually exclusive`);
      }
      const from = args.str('from') !== undefined || args.bool('current');
      if (args.bool('descendants') && !from) throw new CliError('--descendants requires either --from or --current');
      const of = from ? await lookupName(ctx, args, 'from') : undefined;
      const filter = {
        roots: args.bool('roots') || undefined, descendants: (tree && of !== undefined) || args.bool('descendants') || undefined,
        leaves: args.bool('leaves') || undefined, noLeaves: args.bool('no-leaves') || undefined,
        metadata: args.bool('metadata') || undefined, noMetadata: args.bool('no-metadata') || undefined,
        inactive: args.bool('inactive') || undefined, active: args.bool('active') || undefined, diskOnly: args.bool('disk-only') || undefined,
        internal: args.bool('internal') || undefined, external: args.bool('external') || undefined, topological: args.bool('topological') || undefined,
      };
      const c = await ctx.client();
      let { snapshots } = await withContext({ domain: dom(args) }, () => c.call('snapshot.list', { domain: dom(args), of, filter }));
      if (!args.bool('topological')) snapshots = [...snapshots].sort(byName);
      if (args.json) return ctx.out(printJson(snapshots));
      if (tree) {
        // with --from, the tree is rooted at that snapshot (virshSnapshotListCollect)
        const list = of !== undefined ? [{ name: of }, ...snapshots.map((s) => ({ name: s.name, parent: s.parent }))] : snapshots;
        return ctx.out(snapshotTree(list));
      }
      if (args.bool('name')) return ctx.out(snapshots.map((s) => `${s.name}\n`).join(''));
      const parent = args.bool('parent');
      const header = parent ? ['Name', 'Creation Time', 'State', 'Parent'] : ['Name', 'Creation Time', 'State'];
      const rows = snapshots.map((s) => [s.name, snapshotTime(s.creationTime), s.state, ...(parent ? [s.parent ?? ''] : [])]);
      ctx.out(formatTable(header, rows, ctx.quiet));
    },
  },
  {
    name: 'snapshot-info', group: 'snapshot', summary: 'snapshot information', description: 'Returns basic information about a snapshot.', json: true,
    opts: [DOMAIN_OPT, SNAPNAME, { ...CURRENT, help: 'info on current snapshot' }],
    async handler(ctx, args) {
      const name = await lookupName(ctx, args);
      const c = await ctx.client();
      const s = await c.call('snapshot.lookup', { domain: dom(args), name });
      if (args.json) return ctx.out(printJson(s));
      const domName = (await c.call('domain.lookup', { domain: dom(args) })).name;
      const line = (k: string, v: string | number) => `${(k + ':').padEnd(15)} ${v}\n`;
      ctx.out(line('Name', s.name) + line('Domain', domName) + line('Current', s.current ? 'yes' : 'no') + line('State', s.state) +
        line('Location', s.location) + line('Parent', s.parent ?? '-') + line('Children', s.children) + line('Descendants', s.descendants) +
        line('Metadata', 'yes'));
    },
  },
  {
    name: 'snapshot-dumpxml', group: 'snapshot', summary: 'Dump XML for a domain snapshot', description: 'Snapshot Dump XML',
    opts: [DOMAIN_OPT, { ...SNAPNAME, required: true }, { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const { xml } = await withContext({ domain: dom(args) }, () => c.call('snapshot.getXml', { domain: dom(args), name: args.str('snapshotname')! }));
      ctx.out(xml);
    },
  },
  {
    name: 'snapshot-current', group: 'snapshot', summary: 'Get or set the current snapshot', description: 'Get or set the current snapshot',
    opts: [
      DOMAIN_OPT,
      { name: 'name', type: 'bool', help: 'list the name, rather than the full xml' },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      { name: 'snapshotname', type: 'string', positional: true, help: 'name of existing snapshot to make current' },
    ],
    async handler(ctx, args) {
      exclusive(args, 'name', 'snapshotname');
      const c = await ctx.client();
      const domain = dom(args);
      const set = args.str('snapshotname');
      if (set !== undefined) {
        // as virsh: redefine the snapshot from its own XML with CURRENT
        const { xml } = await withContext({ domain }, () => c.call('snapshot.getXml', { domain, name: set }));
        await withContext({ domain }, () => c.call('snapshot.create', { domain, xml, redefine: true, current: true, diskOnly: xml.includes('<state>disk-snapshot</state>') || undefined }));
        return ctx.extra(`Snapshot ${set} set as current`);
      }
      const { name } = await withContext({ domain }, () => c.call('snapshot.current', { domain }));
      if (!name) throw new CliError(`domain '${domain}' has no current snapshot`);
      if (args.bool('name')) return ctx.out(name); // virsh prints "%s": the runner's newline ends it
      ctx.out((await c.call('snapshot.getXml', { domain, name })).xml);
    },
  },
  {
    name: 'snapshot-parent', group: 'snapshot', summary: 'Get the name of the parent of a snapshot', description: "Extract the snapshot's parent, if any",
    opts: [DOMAIN_OPT, { ...SNAPNAME, help: 'find parent of snapshot name' }, { ...CURRENT, help: 'find parent of current snapshot' }],
    async handler(ctx, args) {
      const name = await lookupName(ctx, args);
      const c = await ctx.client();
      const s = await c.call('snapshot.lookup', { domain: dom(args), name });
      if (!s.parent) throw new CliError(`snapshot '${name}' has no parent`);
      ctx.out(s.parent);
    },
  },
  {
    name: 'snapshot-revert', group: 'snapshot', summary: 'Revert a domain to a snapshot', description: 'Revert domain to snapshot',
    opts: [
      DOMAIN_OPT, SNAPNAME, { ...CURRENT, help: 'revert to current snapshot' },
      { name: 'running', type: 'bool', help: 'after reverting, change state to running' },
      { name: 'paused', type: 'bool', help: 'after reverting, change state to paused' },
      { name: 'force', type: 'bool', help: 'try harder on risky reverts' },
    ],
    async handler(ctx, args) {
      const name = await lookupName(ctx, args);
      const c = await ctx.client();
      await withContext({ domain: dom(args), action: `Failed to revert snapshot ${name}` }, () => c.call('snapshot.revert', {
        domain: dom(args), name, running: args.bool('running') || undefined, paused: args.bool('paused') || undefined, force: args.bool('force') || undefined,
      }));
      ctx.extra(`Domain snapshot ${name} reverted\n`);
    },
  },
  {
    name: 'snapshot-delete', group: 'snapshot', summary: 'Delete a domain snapshot', description: 'Snapshot Delete',
    opts: [
      DOMAIN_OPT, SNAPNAME, { ...CURRENT, help: 'delete current snapshot' },
      { name: 'children', type: 'bool', help: 'delete snapshot and all children' },
      { name: 'children-only', type: 'bool', help: 'delete children but not snapshot' },
      { name: 'metadata', type: 'bool', help: 'delete only libvirt metadata, leaving snapshot contents behind' },
    ],
    async handler(ctx, args) {
      const name = await lookupName(ctx, args);
      const c = await ctx.client();
      const childrenOnly = args.bool('children-only');
      await withContext({ domain: dom(args), action: `Failed to delete snapshot ${name}` }, () => c.call('snapshot.delete', {
        domain: dom(args), name, children: args.bool('children') || undefined, childrenOnly: childrenOnly || undefined, metadata: args.bool('metadata') || undefined,
      }));
      ctx.extra(childrenOnly ? `Domain snapshot ${name} children deleted\n` : `Domain snapshot ${name} deleted\n`);
    },
  },
];
