// Host and hypervisor commands: capabilities, domcapabilities, version, nodeinfo, hostname, uri.
import { readFileSync } from 'node:fs';
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import { CliError, type CommandDef } from '../types.js';

/**
 * tsvirt's own version, from package.json (read lazily: only version and -v need it).
 * This code runs from src/cli/commands/, dist/cli/commands/ or the bundle in dist/bundle/.
 */
export function tsvirtVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tsvirt') return pkg.version ?? 'unknown';
    } catch {
      // not here: try the next
    }
  }
  return 'unknown';
}

const xmlOut = (xml: string) => (xml.endsWith('\n') ? xml : xml + '\n');
const s = (name: string, help: string) => ({ name, type: 'string' as const, help });

export const hostCommands: CommandDef[] = [
  {
    name: 'capabilities', group: 'host', summary: 'capabilities', description: 'Returns capabilities of hypervisor/driver.', opts: [],
    async handler(ctx) {
      const c = await ctx.client();
      ctx.out(xmlOut((await c.call('connect.getCapabilities', {})).xml));
    },
  },
  {
    name: 'domcapabilities', group: 'host', summary: 'domain capabilities',
    description: 'Returns capabilities of emulator with respect to host and libvirt.',
    opts: [
      s('virttype', 'virtualization type (/domain/@type)'), s('emulatorbin', 'path to emulator binary (/domain/devices/emulator)'),
      s('arch', 'domain architecture (/domain/os/type/@arch)'), s('machine', 'machine type (/domain/os/type/@machine)'),
    ],
    async handler(ctx, args) {
      const virttype = args.str('virttype');
      if (virttype !== undefined && virttype !== 'qemu' && virttype !== 'kvm') {
        throw new CliError('failed to get emulator capabilities', `invalid argument: unknown virttype: ${virttype}`);
      }
      const c = await ctx.client();
      const { xml } = await withContext({ action: 'failed to get emulator capabilities' }, () =>
        c.call('connect.getDomainCapabilities', {
          virttype, emulator: args.str('emulatorbin'), arch: args.str('arch'), machine: args.str('machine'),
        }));
      ctx.out(xmlOut(xml));
    },
  },
  {
    name: 'version', group: 'host', summary: 'show version', description: 'Display the system version information.', json: true,
    opts: [{ name: 'daemon', type: 'bool', help: 'report daemon version too' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const v = await c.call('connect.getVersion', {});
      if (args.json) return ctx.out(printJson({ client: tsvirtVersion(), ...v }));
      const mine = tsvirtVersion();
      let out = `Compiled against library: tsvirt ${mine}\n`;
      out += `Using library: tsvirt ${mine}\n`;
      out += `Using API: QEMU ${v.libraryVersion}\n`;
      out += `Running hypervisor: ${v.hypervisor} ${v.hypervisorVersion}\n`;
      if (args.bool('daemon')) out += `Running against daemon: ${v.libraryVersion}\n`;
      ctx.out(out);
    },
  },
  {
    name: 'nodeinfo', group: 'host', summary: 'node information', description: 'Returns basic information about the node.',
    opts: [], json: true,
    async handler(ctx, args) {
      const c = await ctx.client();
      const n = await c.call('node.getInfo', {});
      if (args.json) return ctx.out(printJson(n));
      const f = (label: string, value: string | number) => `${label.padEnd(20)} ${value}\n`;
      ctx.out(
        f('CPU model:', n.model) + f('CPU(s):', n.cpus) + f('CPU frequency:', `${Math.trunc(n.mhz)} MHz`) +
        f('CPU socket(s):', n.sockets) + f('Core(s) per socket:', n.cores) + f('Thread(s) per core:', n.threads) +
        f('NUMA cell(s):', n.nodes) + f('Memory size:', `${n.memoryKiB} KiB`),
      );
    },
  },
  {
    name: 'hostname', group: 'host', summary: 'print the hypervisor hostname', opts: [], json: true,
    async handler(ctx, args) {
      const c = await ctx.client();
      const { hostname } = await c.call('connect.getHostname', {});
      ctx.out(args.json ? printJson({ hostname }) : `${hostname}\n`);
    },
  },
  {
    name: 'uri', group: 'host', summary: 'print the hypervisor canonical URI', opts: [], json: true,
    async handler(ctx, args) {
      const c = await ctx.client();
      ctx.out(args.json ? printJson({ uri: c.target.uri }) : `${c.target.uri}\n`);
    },
  },
];
