// vol-* commands: create (XML, args, from another volume, clone), delete, wipe, resize,
// upload/download (byte streams with a progress bar), info, list, dumpxml, path/key/name/pool.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { formatVolumeXml, parseVolumeXml, VOLUME_FORMATS, type VolumeFormat } from '../../conf/volume-xml.js';
import { checkStorageName, parseSizeArg } from '../../conf/storage-common-xml.js';
import type { Client } from '../../client/client.js';
import { downloadVolume, uploadVolume } from '../../client/volume-stream.js';
import { printJson } from '../format.js';
import { readXmlFile } from '../files.js';
import { strerror } from '../../protocol/errors.js';
import { progressBar, withProgress } from '../progress.js';
import { formatVolInfo, lookupContext, prettyCapacity } from '../storage-format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';
import { POOL_OPT } from './pool.js';

const VOL_OPT: OptDef = { name: 'vol', type: 'data', required: true, help: 'vol name, key or path' };
const POOL_OPTIONAL: OptDef = { name: 'pool', type: 'string', help: 'pool name or uuid' };
const FILE_OPT: OptDef = { name: 'file', type: 'data', required: true, help: 'file containing an XML vol description' };

function sizeArg(text: string, what: string): number {
  try {
    return parseSizeArg(text, what);
  } catch {
    throw new CliError(`Malformed size ${text}`);
  }
}

function volRef(args: Args): { vol: string; pool?: string } {
  return { vol: args.str('vol')!, pool: args.str('pool') };
}

async function lookup(c: Client, args: Args) {
  const r = volRef(args);
  return lookupContext({ vol: r.vol, pool: r.pool }, undefined, () => c.call('vol.lookup', r));
}

/** Shows a bar fed by vol.getProgress while `work` runs (create-from, clone, wipe). */
function tracked<T>(c: Client, label: string, pool: string | undefined, vol: string, work: Promise<T>): Promise<T> {
  return withProgress(progressBar(label), async () => {
    const { jobs } = await c.call('vol.getProgress', {});
    return jobs.find((j) => j.vol === vol && (!pool || j.pool === pool)) ?? jobs.find((j) => j.vol === vol);
  }, work);
}

function volumeXmlFromArgs(args: Args): string {
  const name = checkStorageName(args.str('name')!, 'volume');
  const format = args.str('format');
  if (format && !(VOLUME_FORMATS as readonly string[]).includes(format)) throw new CliError(`unknown volume format '${format}': expected one of ${VOLUME_FORMATS.join(', ')}`);
  const capacity = sizeArg(args.str('capacity')!, 'capacity');
  const alloc = args.str('allocation');
  const backing = args.str('backing-vol');
  return formatVolumeXml({
    type: 'file', name, capacity, allocation: alloc === undefined ? undefined : sizeArg(alloc, 'allocation'),
    target: { format: format as VolumeFormat | undefined },
    backingStore: backing ? { path: backing, format: args.str('backing-vol-format') as VolumeFormat | undefined } : undefined,
  });
}

const SIMPLE_LOOKUPS: Array<[string, string, (v: { path: string; key: string; name: string; pool: string }) => string]> = [
  ['vol-path', 'returns the volume path for a given volume name or key', (v) => v.path],
  ['vol-key', 'returns the volume key for a given volume name or path', (v) => v.key],
  ['vol-name', 'returns the volume name for a given volume key or path', (v) => v.name],
  ['vol-pool', 'returns the storage pool for a given volume key or path', (v) => v.pool],
];

async function fileSize(file: string): Promise<number> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new CliError(`cannot read ${file}: not a regular file`);
    return st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot open ${file}: ${strerror(e as NodeJS.ErrnoException)}`);
  }
}

export const volumeCommands: CommandDef[] = [
  {
    name: 'vol-create', group: 'volume', summary: 'create a vol from an XML file',
    opts: [POOL_OPT, FILE_OPT, { name: 'prealloc-metadata', type: 'bool', help: 'preallocate metadata (for qcow2 instead of full allocation)' }],
    async handler(ctx, args) {
      const pool = args.str('pool')!;
      const file = args.str('file')!;
      const xml = await readXmlFile(file);
      const c = await ctx.client();
      const v = await lookupContext({ pool }, `Failed to create vol from ${file}`, () => c.call('vol.create', { pool, xml }));
      ctx.extra(`Vol ${v.name} created from ${file}\n`);
    },
  },
  {
    name: 'vol-create-as', group: 'volume', summary: 'create a volume from a set of args',
    opts: [
      POOL_OPT, { name: 'name', type: 'data', required: true, help: 'name of the volume' },
      { name: 'capacity', type: 'data', required: true, help: 'size of the vol, as scaled integer (default bytes)' },
      { name: 'allocation', type: 'string', help: 'initial allocation size, as scaled integer (default bytes)' },
      { name: 'format', type: 'string', help: 'file format type raw,qcow2,...' },
      { name: 'backing-vol', type: 'string', help: 'the backing volume if taking a snapshot' },
      { name: 'backing-vol-format', type: 'string', help: 'format of backing volume if taking a snapshot' },
      { name: 'prealloc-metadata', type: 'bool', help: 'preallocate metadata (for qcow2 instead of full allocation)' },
      { name: 'print-xml', type: 'bool', help: 'print XML document, but don\'t define/create' },
    ],
    async handler(ctx, args) {
      const pool = args.str('pool')!;
      const xml = volumeXmlFromArgs(args);
      if (args.bool('print-xml')) return ctx.out(xml);
      const c = await ctx.client();
      const v = await lookupContext({ pool }, `Failed to create vol ${args.str('name')}`, () => c.call('vol.create', { pool, xml }));
      ctx.extra(`Vol ${v.name} created\n`);
    },
  },
  {
    name: 'vol-create-from', group: 'volume', summary: 'create a vol, using another volume as input',
    opts: [POOL_OPT, FILE_OPT, VOL_OPT, { name: 'inputpool', type: 'string', help: 'pool name or uuid of the input volume\'s pool' },
      { name: 'prealloc-metadata', type: 'bool', help: 'preallocate metadata (for qcow2 instead of full allocation)' },
      { name: 'reflink', type: 'bool', help: 'use btrfs COW lightweight copy' }],
    async handler(ctx, args) {
      const pool = args.str('pool')!;
      const file = args.str('file')!;
      const xml = await readXmlFile(file);
      const name = parseVolumeXml(xml).name;
      const from = { vol: args.str('vol')!, pool: args.str('inputpool') };
      const c = await ctx.client();
      await lookupContext({ pool, vol: from.vol }, `Failed to create vol from ${file}`, () =>
        tracked(c, `Copying ${from.vol}`, pool, name, c.call('vol.createFrom', { pool, xml, from })));
      ctx.extra(`Vol ${name} created from input vol ${from.vol}\n`);
    },
  },
  {
    name: 'vol-clone', group: 'volume', summary: 'clone a volume.',
    opts: [VOL_OPT, { name: 'newname', type: 'data', required: true, help: 'clone name' }, POOL_OPTIONAL,
      { name: 'prealloc-metadata', type: 'bool', help: 'preallocate metadata (for qcow2 instead of full allocation)' },
      { name: 'reflink', type: 'bool', help: 'use btrfs COW lightweight copy' }],
    async handler(ctx, args) {
      const r = volRef(args);
      const newName = args.str('newname')!;
      const c = await ctx.client();
      await lookupContext(r, `Failed to clone vol from ${r.vol}`, () =>
        tracked(c, `Cloning ${r.vol}`, r.pool, newName, c.call('vol.clone', { ...r, newName })));
      ctx.extra(`Vol ${newName} cloned from ${r.vol}\n`);
    },
  },
  {
    name: 'vol-delete', group: 'volume', summary: 'delete a vol',
    opts: [VOL_OPT, POOL_OPTIONAL, { name: 'delete-snapshots', type: 'bool', help: 'delete snapshots associated with volume (not supported)' }],
    async handler(ctx, args) {
      const r = volRef(args);
      const c = await ctx.client();
      await lookupContext(r, `Failed to delete vol ${r.vol}`, () => c.call('vol.delete', r));
      ctx.extra(`Vol ${r.vol} deleted\n`);
    },
  },
  {
    name: 'vol-wipe', group: 'volume', summary: 'wipe a vol',
    opts: [VOL_OPT, POOL_OPTIONAL, { name: 'algorithm', type: 'string', help: 'perform selected wiping algorithm (only zero)' }],
    async handler(ctx, args) {
      const r = volRef(args);
      const alg = args.str('algorithm');
      if (alg && alg !== 'zero') throw new CliError(`Unsupported algorithm '${alg}': only 'zero' is implemented`);
      const c = await ctx.client();
      await lookupContext(r, `Failed to wipe vol ${r.vol}`, () => tracked(c, `Wiping ${r.vol}`, r.pool, r.vol, c.call('vol.wipe', r)));
      ctx.extra(`Vol ${r.vol} wiped\n`);
    },
  },
  {
    name: 'vol-resize', group: 'volume', summary: 'resize a vol',
    opts: [VOL_OPT, { name: 'capacity', type: 'data', required: true, help: 'new capacity for the vol, as scaled integer (default bytes)' }, POOL_OPTIONAL,
      { name: 'allocate', type: 'bool', help: 'allocate the new capacity, rather than leaving it sparse' },
      { name: 'delta', type: 'bool', help: 'use capacity as a delta to current size, rather than the new size' },
      { name: 'shrink', type: 'bool', help: 'allow the resize to shrink the volume' }],
    async handler(ctx, args) {
      const r = volRef(args);
      let text = args.str('capacity')!;
      const shrink = args.bool('shrink');
      let delta = args.bool('delta');
      if (text.startsWith('-')) {
        if (!shrink) throw new CliError(`negative size requires --shrink`);
        text = text.slice(1);
        delta = true;
      }
      const capacity = sizeArg(text, 'capacity');
      const c = await ctx.client();
      await lookupContext(r, `Failed to change size of volume '${r.vol}' to ${args.str('capacity')}`, () =>
        c.call('vol.resize', { ...r, capacity, delta: delta || undefined, shrink: shrink || undefined }));
      ctx.extra(`Size of volume '${r.vol}' successfully changed to ${args.str('capacity')}\n`);
    },
  },
  {
    name: 'vol-upload', group: 'volume', summary: 'upload file contents to a volume',
    opts: [VOL_OPT, { name: 'file', type: 'data', required: true, help: 'file' }, POOL_OPTIONAL,
      { name: 'offset', type: 'string', help: 'volume offset to upload to' }, { name: 'length', type: 'string', help: 'amount of data to upload' },
      { name: 'sparse', type: 'bool', help: 'preserve sparseness of volume (data is sent as is)' }],
    async handler(ctx, args) {
      const r = volRef(args);
      const file = args.str('file')!;
      const offset = args.num('offset') ?? 0;
      const size = await fileSize(file);
      const length = Math.min(args.num('length') ?? size, size);
      const c = await ctx.client();
      const bar = progressBar(`Uploading ${path.basename(file)}`);
      try {
        await lookupContext(r, `cannot upload to volume ${r.vol}`, () =>
          uploadVolume(c, { ...r, offset }, length > 0 ? createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 }) : Readable.from([]), length, (n) => bar.update(n, length)));
      } finally {
        bar.stop();
      }
    },
  },
  {
    name: 'vol-download', group: 'volume', summary: 'download volume contents to a file',
    opts: [VOL_OPT, { name: 'file', type: 'data', required: true, help: 'file' }, POOL_OPTIONAL,
      { name: 'offset', type: 'string', help: 'volume offset to download from' }, { name: 'length', type: 'string', help: 'amount of data to download' },
      { name: 'sparse', type: 'bool', help: 'preserve sparseness of volume (data is written as is)' }],
    async handler(ctx, args) {
      const r = volRef(args);
      const file = args.str('file')!;
      const c = await ctx.client();
      const bar = progressBar(`Downloading ${r.vol}`);
      const out = createWriteStream(file, { highWaterMark: 1024 * 1024 });
      try {
        await lookupContext(r, `cannot download from volume ${r.vol}`, () =>
          downloadVolume(c, { ...r, offset: args.num('offset'), length: args.num('length') }, out, (n, t) => bar.update(n, t)));
      } catch (e) {
        await fs.rm(file, { force: true });
        throw e;
      } finally {
        bar.stop();
      }
    },
  },
  {
    name: 'vol-info', group: 'volume', summary: 'storage vol information', json: true,
    opts: [VOL_OPT, POOL_OPTIONAL, { name: 'bytes', type: 'bool', help: 'sizes are represented in bytes rather than pretty units' },
      { name: 'physical', type: 'bool', help: 'return the physical size of the volume in allocation field' }],
    async handler(ctx, args) {
      const v = await lookup(await ctx.client(), args);
      ctx.out(args.json ? printJson(v) : formatVolInfo(v, { bytes: args.bool('bytes'), physical: args.bool('physical') }));
    },
  },
  {
    name: 'vol-list', group: 'volume', summary: 'list vols', json: true,
    opts: [POOL_OPT, { name: 'details', type: 'bool', help: 'display extended details for volumes' }],
    async handler(ctx, args) {
      const pool = args.str('pool')!;
      const c = await ctx.client();
      const { volumes } = await lookupContext({ pool }, `Failed to list volumes`, () => c.call('vol.list', { pool }));
      if (args.json) return ctx.out(printJson(volumes));
      const details = args.bool('details');
      const rows = volumes.map((v) => (details ? [v.name, v.path, v.type, prettyCapacity(v.capacity), prettyCapacity(v.allocation)] : [v.name, v.path]));
      ctx.out(formatTable(details ? ['Name', 'Path', 'Type', 'Capacity', 'Allocation'] : ['Name', 'Path'], rows, ctx.quiet));
    },
  },
  {
    name: 'vol-dumpxml', group: 'volume', summary: 'vol information in XML', opts: [VOL_OPT, POOL_OPTIONAL],
    async handler(ctx, args) {
      const r = volRef(args);
      const c = await ctx.client();
      ctx.out((await lookupContext(r, undefined, () => c.call('vol.getXml', r))).xml);
    },
  },
  ...SIMPLE_LOOKUPS.map(([name, summary, pick]): CommandDef => ({
    name, group: 'volume', summary,
    opts: name === 'vol-pool' ? [VOL_OPT, { name: 'uuid', type: 'bool', help: 'return the pool uuid rather than pool name' }]
      : name === 'vol-name' ? [VOL_OPT] : [VOL_OPT, POOL_OPTIONAL],
    async handler(ctx: Ctx, args: Args) {
      const c = await ctx.client();
      const v = await lookup(c, args);
      if (name === 'vol-pool' && args.bool('uuid')) return ctx.out(`${(await c.call('pool.lookup', { pool: v.pool })).uuid}\n`);
      ctx.out(`${pick(v)}\n`);
    },
  })),
];
