// net-* commands (virsh's Networking group) and the domain NIC commands that need the
// network driver: domifaddr, domif-getlink, domif-setlink.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '../../client/client.js';
import { TsvirtError } from '../../protocol/errors.js';
import { libvirtMessage } from '../../protocol/errors.js';
import { readXmlFile } from '../files.js';
import { printJson } from '../format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef, type Ctx, type OptDef } from '../types.js';
import { editorCommand } from './edit.js';
import { DOMAIN_OPT } from './lifecycle.js';

const NET_OPT: OptDef = { name: 'network', type: 'data', required: true, help: 'network name or uuid' };
const FILE_OPT: OptDef = { name: 'file', type: 'data', required: true, help: 'file containing an XML network description' };

/** Runs a call; a missing network reads "failed to get network 'x'" then libvirt's text, as virsh. */
async function netContext<T>(network: string | undefined, action: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof TsvirtError) || e.code === 'no-connect') throw e;
    if (e.code === 'no-network' && network !== undefined) throw new CliError(`failed to get network '${network}'`, libvirtMessage(e));
    throw new CliError(...(action ? [action] : []), libvirtMessage(e));
  }
}

function simple(name: string, summary: string, verb: string, done: string, method: 'network.start' | 'network.destroy' | 'network.undefine'): CommandDef {
  return {
    name, group: 'network', summary, opts: [NET_OPT],
    async handler(ctx, args) {
      const c = await ctx.client();
      const network = args.str('network')!;
      await netContext(network, `Failed to ${verb} network ${network}`, () => c.call(method, { network }));
      ctx.extra(`Network ${network} ${done}\n`);
    },
  };
}

const lookup = async (ctx: Ctx, args: Args) => {
  const c = await ctx.client();
  const network = args.str('network')!;
  return netContext(network, undefined, () => c.call('network.lookup', { network }));
};

function editorRun(file: string): Promise<void> {
  const editor = editorCommand();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
    child.once('error', (e) => reject(new CliError(`cannot run editor '${editor}': ${e.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new CliError(`${editor} ${file}: editor exited with status ${code}`))));
  });
}

/** "2026-11-25 06:30:00" in local time, as virsh prints lease expiry. */
function expiryText(s: number): string {
  const d = new Date(s * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function defineFrom(c: Client, ctx: Ctx, file: string, create: boolean): Promise<void> {
  const xml = await readXmlFile(file);
  const n = await netContext(undefined, `Failed to ${create ? 'create' : 'define'} network from ${file}`,
    () => c.call(create ? 'network.create' : 'network.define', { xml }));
  ctx.extra(`Network ${n.name} ${create ? 'created' : 'defined'} from ${file}\n`);
}

const IFACE_OPT: OptDef = { name: 'interface', type: 'data', required: true, help: 'interface device (MAC Address)' };

export const networkCommands: CommandDef[] = [
  {
    name: 'net-define', group: 'network', summary: 'define an inactive persistent virtual network or modify an existing persistent one from an XML file', opts: [FILE_OPT],
    async handler(ctx, args) { await defineFrom(await ctx.client(), ctx, args.str('file')!, false); },
  },
  {
    name: 'net-create', group: 'network', summary: 'create a network from an XML file', opts: [FILE_OPT],
    async handler(ctx, args) { await defineFrom(await ctx.client(), ctx, args.str('file')!, true); },
  },
  simple('net-start', 'start a (previously defined) inactive network', 'start', 'started', 'network.start'),
  simple('net-destroy', 'destroy (stop) a network', 'destroy', 'destroyed', 'network.destroy'),
  simple('net-undefine', 'undefine a persistent network', 'undefine', 'has been undefined', 'network.undefine'),
  {
    name: 'net-autostart', group: 'network', summary: 'autostart a network', opts: [NET_OPT, { name: 'disable', type: 'bool', help: 'disable autostarting' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const network = args.str('network')!;
      const on = !args.bool('disable');
      await netContext(network, `failed to ${on ? 'mark' : 'unmark'} network ${network} as autostarted`, () => c.call('network.setAutostart', { network, autostart: on }));
      ctx.extra(`Network ${network} ${on ? 'marked as autostarted' : 'unmarked as autostarted'}\n`);
    },
  },
  {
    name: 'net-list', group: 'network', summary: 'list networks', json: true,
    opts: [
      { name: 'all', type: 'bool', help: 'list inactive & active networks' },
      { name: 'inactive', type: 'bool', help: 'list inactive networks' },
      { name: 'name', type: 'bool', help: 'list network names only' },
      { name: 'uuid', type: 'bool', help: 'list uuid\'s only' },
    ],
    async handler(ctx, args) {
      const c = await ctx.client();
      const nets = (await c.call('network.list', {})).networks
        .filter((n) => (args.bool('all') ? true : args.bool('inactive') ? !n.active : n.active));
      if (args.json) return ctx.out(printJson(nets));
      if (args.bool('name') || args.bool('uuid')) return ctx.out(nets.map((n) => `${args.bool('uuid') ? n.uuid : n.name}\n`).join('') + '\n');
      ctx.out(formatTable(['Name', 'State', 'Autostart', 'Persistent'],
        nets.map((n) => [n.name, n.active ? 'active' : 'inactive', n.autostart ? 'yes' : 'no', n.persistent ? 'yes' : 'no']), ctx.quiet));
    },
  },
  {
    name: 'net-info', group: 'network', summary: 'network information', opts: [NET_OPT],
    async handler(ctx, args) {
      const n = await lookup(ctx, args);
      const f = (k: string, v: string) => `${k.padEnd(16)}${v}\n`;
      ctx.out(f('Name:', n.name) + f('UUID:', n.uuid) + f('Active:', n.active ? 'yes' : 'no') + f('Persistent:', n.persistent ? 'yes' : 'no')
        + f('Autostart:', n.autostart ? 'yes' : 'no') + f('Bridge:', n.bridge));
    },
  },
  {
    name: 'net-uuid', group: 'network', summary: 'convert a network name to network UUID', opts: [NET_OPT],
    async handler(ctx, args) { ctx.out(`${(await lookup(ctx, args)).uuid}\n`); },
  },
  {
    name: 'net-name', group: 'network', summary: 'convert a network UUID to network name', opts: [{ ...NET_OPT, help: 'network uuid' }],
    async handler(ctx, args) { ctx.out(`${(await lookup(ctx, args)).name}\n`); },
  },
  {
    name: 'net-dumpxml', group: 'network', summary: 'network information in XML', opts: [NET_OPT, { name: 'inactive', type: 'bool', help: 'show inactive defined XML' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const network = args.str('network')!;
      ctx.out((await netContext(network, undefined, () => c.call('network.getXml', { network, inactive: args.bool('inactive') || undefined }))).xml);
    },
  },
  {
    name: 'net-edit', group: 'network', summary: 'edit XML configuration for a network', opts: [NET_OPT],
    async handler(ctx, args) {
      const c = await ctx.client();
      const network = args.str('network')!;
      const orig = (await netContext(network, undefined, () => c.call('network.getXml', { network, inactive: true }))).xml;
      const dir = await mkdtemp(join(tmpdir(), 'tsvirt-net-edit-'));
      try {
        const file = join(dir, 'network.xml');
        await writeFile(file, orig);
        await editorRun(file);
        const edited = await readFile(file, 'utf8');
        if (edited === orig) return ctx.extra(`Network ${network} XML configuration not changed.\n`);
        const n = await netContext(undefined, 'Failed.', () => c.call('network.define', { xml: edited }));
        ctx.extra(`Network ${n.name} XML configuration edited.\n`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'net-dhcp-leases', group: 'network', summary: 'print lease info for a given network', json: true,
    opts: [NET_OPT, { name: 'mac', type: 'string', help: 'MAC address' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const network = args.str('network')!;
      const { leases } = await netContext(network, `Failed to get leases info for ${network}`, () => c.call('network.getLeases', { network, mac: args.str('mac') }));
      if (args.json) return ctx.out(printJson(leases));
      ctx.out(formatTable(['Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID'],
        leases.map((l) => [expiryText(l.expiry), l.mac, 'ipv4', `${l.ip}/${l.prefix}`, l.hostname ?? '-', l.clientId ?? '-']), ctx.quiet));
    },
  },
  {
    name: 'net-update', group: 'network', summary: 'update parts of an existing network\'s configuration',
    opts: [
      NET_OPT,
      { name: 'command', type: 'data', required: true, help: 'type of update (add-first, add-last (add), delete, or modify)' },
      { name: 'section', type: 'data', required: true, help: 'which section of network configuration to update' },
      { name: 'xml', type: 'data', required: true, help: 'name of file containing xml (or, if it starts with \'<\', the complete xml element itself) to add/modify, or to be matched for search' },
      { name: 'parent-index', type: 'number', help: 'which parent object to search through' },
      { name: 'config', type: 'bool', help: 'affect next network startup' },
      { name: 'live', type: 'bool', help: 'affect running network' },
      { name: 'current', type: 'bool', help: 'affect current state of network' },
    ],
    async handler(ctx, args) {
      const c = await ctx.client();
      const network = args.str('network')!;
      const cmd = args.str('command')!;
      const command = cmd === 'add-first' || cmd === 'add-last' ? 'add' : cmd;
      if (command !== 'add' && command !== 'delete' && command !== 'modify') throw new CliError(`unrecognized command name '${cmd}'`);
      const x = args.str('xml')!;
      const xml = x.trimStart().startsWith('<') ? x : await readXmlFile(x);
      const current = args.bool('current') || (!args.bool('live') && !args.bool('config'));
      await netContext(network, 'Failed to update network ' + network, () => c.call('network.update', {
        network, command, section: args.str('section')!, xml,
        live: current ? undefined : args.bool('live'), config: current ? undefined : args.bool('config'),
      }));
      ctx.extra(`Updated network ${network} ${current ? 'live state' : [args.bool('live') && 'live state', args.bool('config') && 'persistent config'].filter(Boolean).join(' and ')}\n`);
    },
  },
  {
    name: 'domifaddr', group: 'monitor', summary: 'Get network interfaces\' addresses for a running domain', json: true,
    opts: [DOMAIN_OPT, { name: 'interface', type: 'string', help: 'network interface name' }, { name: 'full', type: 'bool', help: 'always display names and MACs of interfaces' },
      { name: 'source', type: 'string', help: 'address source: \'lease\' (default), \'agent\', or \'arp\'' }],
    async handler(ctx, args) {
      const src = args.str('source') ?? 'lease';
      if (src !== 'lease' && src !== 'agent' && src !== 'arp') throw new CliError(`Unknown data source '${src}'`);
      const c = await ctx.client();
      const domain = args.str('domain')!;
      type Row = { name: string; mac?: string; addrs: Array<{ type?: 'ipv4' | 'ipv6'; ip: string; prefix: number }> };
      const interfaces: Row[] = src === 'agent'
        ? (await netContext(undefined, undefined, () => c.call('domain.agentInterfaces', { domain }))).interfaces
        // the lease source lists only the NICs that have a lease, as libvirt's
        : (await netContext(undefined, undefined, () => c.call('domain.interfaceAddresses', { domain, source: src }))).interfaces.filter((i) => i.addrs.length > 0);
      const want = args.str('interface');
      const list = interfaces.filter((i) => !want || i.name === want);
      if (args.json) return ctx.out(printJson(list));
      // virsh's fixed columns (cmdDomIfAddr), not a sized table
      const pad = (t: string, n: number) => t.padEnd(n);
      if (!ctx.quiet) ctx.out(` ${pad('Name', 10)} ${pad('MAC address', 20)} ${pad('Protocol', 8)}     Address\n${'-'.repeat(79)}\n`);
      for (const i of list) {
        if (i.addrs.length === 0) {
          ctx.out(` ${pad(i.name, 10)} ${pad(i.mac ?? 'N/A', 17)}    ${pad('N/A', 12)} N/A\n`);
          continue;
        }
        i.addrs.forEach((a, k) => {
          const first = k === 0 || args.bool('full');
          const type = a.type ?? (a.ip.includes(':') ? 'ipv6' : 'ipv4');
          ctx.out(` ${pad(first ? i.name : '-', 10)} ${pad(first ? (i.mac ?? '') : '-', 17)}    ${pad(type, 12)} ${a.ip}/${a.prefix}\n`);
        });
      }
    },
  },
  {
    name: 'domif-getlink', group: 'monitor', summary: 'get link state of a virtual interface', opts: [DOMAIN_OPT, IFACE_OPT, { name: 'config', type: 'bool', help: 'Get persistent interface state' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const iface = args.str('interface')!;
      const r = await netContext(undefined, undefined, () => c.call('domain.getInterfaceLink', { domain: args.str('domain')!, iface }));
      ctx.out(`${iface} ${r.state}\n`);
    },
  },
  {
    name: 'domif-setlink', group: 'domain', summary: 'set link state of a virtual interface',
    opts: [DOMAIN_OPT, IFACE_OPT, { name: 'state', type: 'data', required: true, help: 'new state of the device' }, { name: 'config', type: 'bool', help: 'affect next domain startup (not supported)' }],
    async handler(ctx, args) {
      const state = args.str('state')!;
      if (state !== 'up' && state !== 'down') throw new CliError(`invalid link state '${state}'`);
      if (args.bool('config')) throw new CliError('--config is not supported by domif-setlink yet');
      const c = await ctx.client();
      await netContext(undefined, undefined, () => c.call('domain.setInterfaceLink', { domain: args.str('domain')!, iface: args.str('interface')!, state }));
      ctx.extra('Device updated successfully\n');
    },
  },
];
