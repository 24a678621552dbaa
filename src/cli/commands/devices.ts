// attach-device / detach-device / update-device FILE, and attach-disk / detach-disk that
// build one <disk> from virsh's options; all go through domain.attachDevice & co.
import { buildDiskXml, diskSource, diskTargetXml } from '../../conf/device-xml.js';
import { parseDomain } from '../domain-xml.js';
import { withContext } from '../errors.js';
import { readXmlFile } from '../files.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

export const FLAG_OPTS: OptDef[] = [
  { name: 'persistent', type: 'bool', help: 'make live change persistent' },
  { name: 'config', type: 'bool', help: 'affect next boot' },
  { name: 'live', type: 'bool', help: 'affect running domain' },
  { name: 'current', type: 'bool', help: 'affect current domain' },
];
const FILE_OPT: OptDef = { name: 'file', type: 'data', required: true, help: 'XML file' };

export function flags(args: Args) {
  if (args.bool('current') && (args.bool('live') || args.bool('config'))) {
    throw new CliError('Options --current and --live are mutually exclusive');
  }
  const f = (n: string) => args.bool(n) || undefined;
  return { live: f('live'), config: f('config'), current: f('current'), persistent: f('persistent') };
}

type Method = 'domain.attachDevice' | 'domain.detachDevice' | 'domain.updateDevice';

async function deviceCall(ctx: Ctx, args: Args, method: Method, xml: string, failed: string, done: string): Promise<void> {
  const domain = args.str('domain')!;
  const c = await ctx.client();
  await withContext({ domain, action: failed }, () => c.call(method, { domain, xml, ...flags(args) }));
  ctx.extra(`${done}\n`);
}

function fileDevice(name: string, summary: string, method: Method, verb: string): CommandDef {
  return {
    name, group: 'domain', summary, opts: [DOMAIN_OPT, FILE_OPT, ...FLAG_OPTS],
    async handler(ctx, args) {
      const xml = await readXmlFile(args.str('file')!);
      await deviceCall(ctx, args, method, xml, `Failed to ${verb} device from ${args.str('file')}`, `Device ${verb === 'update' ? 'updated' : `${verb}ed`} successfully`);
    },
  };
}

function busOf(target: string): string {
  if (target.startsWith('vd')) return 'virtio';
  if (target.startsWith('sd')) return 'scsi';
  if (target.startsWith('hd')) return 'ide';
  throw new CliError(`cannot guess the bus of target '${target}': use --targetbus`);
}

/** What a disk source names, as virsh guesses it: /dev/... a block device, POOL/VOLUME a volume, else a file. */
function sourceTypeOf(source: string): 'file' | 'block' | 'volume' {
  return source.startsWith('/dev/') ? 'block' : source.includes('/') && !source.startsWith('/') ? 'volume' : 'file';
}

/** virsh attach-disk's options as one <disk> element. */
export function attachDiskXml(args: Args): string {
  const source = args.str('source')!;
  const target = args.str('target')!;
  const sourceType = args.str('sourcetype') ?? sourceTypeOf(source);
  if (sourceType !== 'file' && sourceType !== 'block' && sourceType !== 'volume') throw new CliError(`Unknown source type: '${sourceType}'`);
  const mode = args.str('mode');
  if (mode && mode !== 'readonly' && mode !== 'shareable') throw new CliError(`No support for ${mode} in command 'attach-disk'`);
  return buildDiskXml({
    sourceType, source, target, bus: args.str('targetbus') ?? busOf(target), device: args.str('type'),
    driver: { name: args.str('driver'), type: args.str('subdriver'), cache: args.str('cache'), io: args.str('io') },
    mode: mode as 'readonly' | 'shareable' | undefined, serial: args.str('serial'),
  });
}

/** virsh change-media: the disk named by target or source, with a new medium or none. */
async function changeMediaXml(ctx: Ctx, args: Args): Promise<{ xml: string; done: string }> {
  const domain = args.str('domain')!;
  const path = args.str('path')!;
  const source = args.str('source');
  const eject = args.bool('eject'), insert = args.bool('insert'), update = args.bool('update');
  if ([eject, insert, update].filter(Boolean).length > 1) throw new CliError('Options --eject, --insert and --update are mutually exclusive');
  if (eject && source) throw new CliError('--eject takes no source');
  if ((insert || update) && !source) throw new CliError(`No source is specified for ${insert ? 'inserting' : 'updating'} media`);
  if (!eject && !insert && !update && !source) throw new CliError('No source is specified for inserting media (or use --eject)');
  const c = await ctx.client();
  const inactive = !!args.bool('config') && !args.bool('live');
  const dom = await parseDomain((await withContext({ domain }, () => c.call('domain.getXml', { domain, inactive }))).xml);
  const disk = dom.devices.disks.find((d) => d.target.dev === path || d.source?.file === path || d.source?.dev === path);
  if (!disk) throw new CliError(`No disk found whose source path or target is ${path}`);
  if (disk.device !== 'cdrom' && disk.device !== 'floppy') throw new CliError(`The disk device '${path}' is not removable`);
  const hasMedia = diskSource(disk) !== undefined;
  if (insert && hasMedia) throw new CliError(`The disk device '${path}' already has media`);
  if (eject && !hasMedia) throw new CliError(`The disk device '${path}' doesn't have media`);
  const mode = eject ? 'eject' : insert || !hasMedia ? 'insert' : 'update';
  const xml = buildDiskXml({
    sourceType: source === undefined ? 'file' : sourceTypeOf(source),
    source: mode === 'eject' ? undefined : source, target: disk.target.dev, bus: disk.target.bus ?? busOf(disk.target.dev),
    device: disk.device, driver: { name: 'qemu', type: 'raw' }, mode: disk.readonly || disk.device === 'cdrom' ? 'readonly' : undefined,
  });
  const done = mode === 'eject' ? 'Successfully ejected media.' : mode === 'insert' ? 'Successfully inserted media.' : 'Successfully updated media.';
  return { xml, done };
}

export const deviceCommands: CommandDef[] = [
  fileDevice('attach-device', 'attach device from an XML file', 'domain.attachDevice', 'attach'),
  fileDevice('detach-device', 'detach device from an XML file', 'domain.detachDevice', 'detach'),
  fileDevice('update-device', 'update device from an XML file', 'domain.updateDevice', 'update'),
  {
    name: 'attach-disk', group: 'domain', summary: 'attach disk device',
    opts: [
      DOMAIN_OPT,
      { name: 'source', type: 'data', required: true, help: 'source of disk device: a file, a block device, or POOL/VOLUME' },
      { name: 'target', type: 'data', required: true, help: 'target of disk device' },
      { name: 'targetbus', type: 'string', help: 'target bus of disk device' },
      { name: 'driver', type: 'string', help: 'driver of disk device' },
      { name: 'subdriver', type: 'string', help: 'subdriver of disk device (raw, qcow2)' },
      { name: 'cache', type: 'string', help: 'cache mode of disk device' },
      { name: 'io', type: 'string', help: 'io policy of disk device' },
      { name: 'type', type: 'string', help: 'target device type (disk, cdrom)' },
      { name: 'mode', type: 'string', help: 'mode of device reading and writing (readonly, shareable)' },
      { name: 'sourcetype', type: 'string', help: 'type of source (block|file|volume)' },
      { name: 'serial', type: 'string', help: 'serial of disk device' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than attach the disk' },
      ...FLAG_OPTS,
    ],
    async handler(ctx, args) {
      const xml = attachDiskXml(args);
      if (args.bool('print-xml')) return ctx.out(xml);
      await deviceCall(ctx, args, 'domain.attachDevice', xml, 'Failed to attach disk', 'Disk attached successfully');
    },
  },
  {
    name: 'change-media', group: 'domain', summary: 'Change media of CD or floppy drive',
    opts: [
      DOMAIN_OPT,
      { name: 'path', type: 'data', required: true, help: 'Fully-qualified path or target of disk device' },
      { name: 'source', type: 'data', help: 'source of the media' },
      { name: 'eject', type: 'bool', help: 'Eject the media' },
      { name: 'insert', type: 'bool', help: 'Insert the media' },
      { name: 'update', type: 'bool', help: 'Update the media' },
      { name: 'force', type: 'bool', help: 'force media changing (always: the tray is opened even when the guest locked it)' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than change media' },
      ...FLAG_OPTS,
    ],
    async handler(ctx, args) {
      const { xml, done } = await changeMediaXml(ctx, args);
      if (args.bool('print-xml')) return ctx.out(xml);
      await deviceCall(ctx, args, 'domain.updateDevice', xml, 'Failed to complete action', done);
    },
  },
  {
    name: 'detach-disk', group: 'domain', summary: 'detach disk device',
    opts: [DOMAIN_OPT, { name: 'target', type: 'data', required: true, help: 'target of disk device' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than detach the disk' }, ...FLAG_OPTS],
    async handler(ctx, args) {
      const xml = diskTargetXml(args.str('target')!);
      if (args.bool('print-xml')) return ctx.out(xml);
      await deviceCall(ctx, args, 'domain.detachDevice', xml, 'Failed to detach disk', 'Disk detached successfully');
    },
  },
];
