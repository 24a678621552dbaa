// pool-* commands: define/create (from XML or from arguments), build, start, destroy,
// delete, undefine, refresh, autostart, info, list, dumpxml, edit, name, uuid.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPoolXml } from '../../conf/pool-xml.js';
import type { PoolSummary } from '../../protocol/methods-storage.js';
import { printJson } from '../format.js';
import { readXmlFile } from '../files.js';
import { formatPoolInfo, lookupContext, prettyCapacity } from '../storage-format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';
import { editorCommand } from './edit.js';

export const POOL_OPT: OptDef = { name: 'pool', type: 'data', required: true, help: 'pool name or uuid' };
const FILE_OPT: OptDef = { name: 'file', type: 'data', required: true, help: 'file containing an XML pool description' };
const BUILD_OPTS: OptDef[] = [
  { name: 'build', type: 'bool', help: 'build the pool as normal' },
  { name: 'overwrite', type: 'bool', help: 'build the pool without checking for existing data (logical: wipe the devices)' },
  { name: 'no-overwrite', type: 'bool', help: 'do not overwrite an existing pool of this type' },
];
const AS_OPTS: OptDef[] = [
  { name: 'name', type: 'data', required: true, help: 'name of the pool' },
  { name: 'type', type: 'data', required: true, help: 'type of the pool: dir or logical' },
  { name: 'source-host', type: 'string', help: 'source-host for underlying storage (not supported)' },
  { name: 'source-path', type: 'string', help: 'source path for underlying storage (not supported)' },
  { name: 'source-dev', type: 'string', help: 'source device for underlying storage (comma separated for several)' },
  { name: 'source-name', type: 'string', help: 'source name for underlying storage (volume group of a logical pool)' },
  { name: 'target', type: 'string', help: 'target for underlying storage' },
  { name: 'source-format', type: 'string', help: 'format for underlying storage' },
  { name: 'print-xml', type: 'bool', help: 'print XML document, but don\'t define/create' },
];

/** pool-define-as / pool-create-as arguments to pool XML (checked by parsing it back). */
export function poolXmlFromArgs(args: Args): string {
  if (args.str('source-host') || args.str('source-path')) throw new CliError('--source-host and --source-path are not supported by dir and logical pools');
  return buildPoolXml({
    type: args.str('type')!, name: args.str('name')!, devices: args.str('source-dev')?.split(',').filter(Boolean),
    sourceName: args.str('source-name'), sourceFormat: args.str('source-format'), target: args.str('target'),
  });
}

async function poolCall(ctx: Ctx, args: Args, verb: string, done: string, fn: (pool: string) => Promise<unknown>): Promise<void> {
  const pool = args.str('pool')!;
  await lookupContext({ pool }, `Failed to ${verb} pool ${pool}`, () => fn(pool));
  ctx.extra(`Pool ${pool} ${done}\n`);
}

function simple(name: string, summary: string, verb: string, done: string, method: 'pool.destroy' | 'pool.delete' | 'pool.undefine' | 'pool.refresh'): CommandDef {
  return {
    name, group: 'pool', summary, opts: [POOL_OPT],
    async handler(ctx, args) {
      const c = await ctx.client();
      await poolCall(ctx, args, verb, done, (pool) => c.call(method, { pool }));
    },
  };
}

function listRows(pools: PoolSummary[], details: boolean): string[][] {
  return pools.map((p) => details
    ? [p.name, p.active ? 'running' : 'inactive', p.autostart ? 'yes' : 'no', p.persistent ? 'yes' : 'no',
      ...(p.active ? [prettyCapacity(p.capacity), prettyCapacity(p.allocation), prettyCapacity(p.available)] : ['-', '-', '-'])]
    : [p.name, p.active ? 'active' : 'inactive', p.autostart ? 'yes' : 'no']);
}

function editorRun(file: string): Promise<void> {
  const editor = editorCommand();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
    child.once('error', (e) => reject(new CliError(`cannot run editor '${editor}': ${e.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new CliError(`${editor} ${file}: editor exited with status ${code}`))));
  });
}

export const poolCommands: CommandDef[] = [
  {
    name: 'pool-define', group: 'pool', summary: 'define an inactive persistent storage pool or modify an existing persistent one from an XML file',
    opts: [FILE_OPT],
    async handler(ctx, args) {
      const file = args.str('file')!;
      const xml = await readXmlFile(file);
      const c = await ctx.client();
      const p = await lookupContext({}, `Failed to define pool from ${file}`, () => c.call('pool.define', { xml }));
      ctx.extra(`Pool ${p.name} defined from ${file}\n`);
    },
  },
  {
    name: 'pool-define-as', group: 'pool', summary: 'define a pool from a set of args', opts: AS_OPTS,
    async handler(ctx, args) {
      const xml = poolXmlFromArgs(args);
      if (args.bool('print-xml')) return ctx.out(xml);
      const c = await ctx.client();
      const p = await lookupContext({}, `Failed to define pool ${args.str('name')}`, () => c.call('pool.define', { xml }));
      ctx.extra(`Pool ${p.name} defined\n`);
    },
  },
  {
    name: 'pool-create', group: 'pool', summary: 'create a pool from an XML file', opts: [FILE_OPT, ...BUILD_OPTS],
    async handler(ctx, args) {
      const file = args.str('file')!;
      const xml = await readXmlFile(file);
      const c = await ctx.client();
      const p = await lookupContext({}, `Failed to create pool from ${file}`, () => c.call('pool.create', { xml, build: args.bool('build') || undefined }));
      ctx.extra(`Pool ${p.name} created from ${file}\n`);
    },
  },
  {
    name: 'pool-create-as', group: 'pool', summary: 'create a pool from a set of args', opts: [...AS_OPTS, ...BUILD_OPTS],
    async handler(ctx, args) {
      const xml = poolXmlFromArgs(args);
      if (args.bool('print-xml')) return ctx.out(xml);
      const c = await ctx.client();
      const p = await lookupContext({}, `Failed to create pool ${args.str('name')}`, () => c.call('pool.create', { xml, build: args.bool('build') || undefined }));
      ctx.extra(`Pool ${p.name} created\n`);
    },
  },
  {
    name: 'pool-build', group: 'pool', summary: 'build a pool', opts: [POOL_OPT, BUILD_OPTS[1]!, BUILD_OPTS[2]!],
    async handler(ctx, args) {
      if (args.bool('overwrite') && args.bool('no-overwrite')) throw new CliError("Options --overwrite and --no-overwrite are mutually exclusive");
      const c = await ctx.client();
      await poolCall(ctx, args, 'build', 'built', (pool) => c.call('pool.build', { pool, overwrite: args.bool('overwrite') || undefined }));
    },
  },
  {
    name: 'pool-start', group: 'pool', summary: 'start a (previously defined) inactive pool', opts: [POOL_OPT, ...BUILD_OPTS],
    async handler(ctx, args) {
      const c = await ctx.client();
      await poolCall(ctx, args, 'start', 'started', (pool) => c.call('pool.start', { pool, build: args.bool('build') || undefined }));
    },
  },
  simple('pool-destroy', 'destroy (stop) a pool', 'destroy', 'destroyed', 'pool.destroy'),
  simple('pool-delete', 'delete a pool', 'delete', 'deleted', 'pool.delete'),
  simple('pool-undefine', 'undefine an inactive pool', 'undefine', 'has been undefined', 'pool.undefine'),
  simple('pool-refresh', 'refresh a pool', 'refresh', 'refreshed', 'pool.refresh'),
  {
    name: 'pool-autostart', group: 'pool', summary: 'autostart a pool', opts: [POOL_OPT, { name: 'disable', type: 'bool', help: 'disable autostarting' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const on = !args.bool('disable');
      await poolCall(ctx, args, on ? 'mark' : 'unmark', on ? 'marked as autostarted' : 'unmarked as autostarted',
        (pool) => c.call('pool.setAutostart', { pool, autostart: on }));
    },
  },
  {
    name: 'pool-info', group: 'pool', summary: 'storage pool information', opts: [POOL_OPT, { name: 'bytes', type: 'bool', help: 'Reture pool info in bytes' }], json: true,
    async handler(ctx, args) {
      const c = await ctx.client();
      const pool = args.str('pool')!;
      const p = await lookupContext({ pool }, undefined, () => c.call('pool.lookup', { pool }));
      ctx.out(args.json ? printJson(p) : formatPoolInfo(p, args.bool('bytes')));
    },
  },
  {
    name: 'pool-list', group: 'pool', summary: 'list pools', json: true,
    opts: [
      { name: 'inactive', type: 'bool', help: 'list inactive pools' },
      { name: 'all', type: 'bool', help: 'list inactive & active pools' },
      { name: 'transient', type: 'bool', help: 'list transient pools' },
      { name: 'persistent', type: 'bool', help: 'list persistent pools' },
      { name: 'autostart', type: 'bool', help: 'list pools with autostart enabled' },
      { name: 'no-autostart', type: 'bool', help: 'list pools with autostart disabled' },
      { name: 'type', type: 'string', help: 'only list pool of specified type(s) (if supported)' },
      { name: 'details', type: 'bool', help: 'display extended details for pools' },
      { name: 'uuid', type: 'bool', help: 'list UUID of active pools only' },
      { name: 'name', type: 'bool', help: 'list name of active pools only' },
    ],
    async handler(ctx, args) {
      const c = await ctx.client();
      const types = args.str('type')?.split(',');
      const pools = (await c.call('pool.list', {})).pools.filter((p) =>
        (args.bool('all') || (args.bool('inactive') ? !p.active : p.active))
        && (!args.bool('transient') || !p.persistent) && (!args.bool('persistent') || p.persistent)
        && (!args.bool('autostart') || p.autostart) && (!args.bool('no-autostart') || !p.autostart)
        && (!types || types.includes(p.type)));
      if (args.json) return ctx.out(printJson(pools));
      if (args.bool('name') || args.bool('uuid')) {
        return ctx.out(pools.map((p) => (args.bool('uuid') ? (args.bool('name') ? `${p.uuid} ${p.name}` : p.uuid) : p.name) + '\n').join(''));
      }
      const details = args.bool('details');
      const header = details ? ['Name', 'State', 'Autostart', 'Persistent', 'Capacity', 'Allocation', 'Available'] : ['Name', 'State', 'Autostart'];
      ctx.out(formatTable(header, listRows(pools, details), ctx.quiet));
    },
  },
  {
    name: 'pool-dumpxml', group: 'pool', summary: 'pool information in XML', opts: [POOL_OPT, { name: 'inactive', type: 'bool', help: 'show inactive defined XML' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const pool = args.str('pool')!;
      ctx.out((await lookupContext({ pool }, undefined, () => c.call('pool.getXml', { pool, inactive: args.bool('inactive') || undefined }))).xml);
    },
  },
  {
    name: 'pool-edit', group: 'pool', summary: 'edit XML configuration for a storage pool', opts: [POOL_OPT],
    async handler(ctx, args) {
      const c = await ctx.client();
      const pool = args.str('pool')!;
      const orig = (await lookupContext({ pool }, undefined, () => c.call('pool.getXml', { pool, inactive: true }))).xml;
      const dir = await mkdtemp(join(tmpdir(), 'tsvirt-pool-edit-'));
      try {
        const file = join(dir, 'pool.xml');
        await writeFile(file, orig);
        await editorRun(file);
        const edited = await readFile(file, 'utf8');
        if (edited === orig) return ctx.extra(`Pool ${pool} XML configuration not changed.\n`);
        const p = await lookupContext({}, 'Failed.', () => c.call('pool.define', { xml: edited }));
        ctx.extra(`Pool ${p.name} XML configuration edited.\n`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'pool-name', group: 'pool', summary: 'convert a pool UUID to pool name', opts: [{ name: 'pool', type: 'data', required: true, help: 'pool uuid' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const pool = args.str('pool')!;
      ctx.out(`${(await lookupContext({ pool }, undefined, () => c.call('pool.lookup', { pool }))).name}\n`);
    },
  },
  {
    name: 'pool-uuid', group: 'pool', summary: 'convert a pool name to pool UUID', opts: [POOL_OPT],
    async handler(ctx, args) {
      const c = await ctx.client();
      const pool = args.str('pool')!;
      ctx.out(`${(await lookupContext({ pool }, undefined, () => c.call('pool.lookup', { pool }))).uuid}\n`);
    },
  },
];
