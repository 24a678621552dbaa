// attach-interface / detach-interface: virsh's options as one <interface> element, through
// domain.attachDevice / detachDevice (live: hot-plug, see src/qemu/hotplug-net.ts).
import { randomBytes } from 'node:crypto';
import { parseDomain } from '../domain-xml.js';
import { withContext } from '../errors.js';
import { CliError, type Args, type CommandDef } from '../types.js';
import { FLAG_OPTS, flags } from './devices.js';
import { DOMAIN_OPT } from './lifecycle.js';

const TYPE_OPT = { name: 'type', type: 'data' as const, required: true, help: 'network interface type' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');

function macOpt(args: Args): string | undefined {
  const m = args.str('mac');
  if (m === undefined) return undefined;
  if (!/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/i.test(m)) throw new CliError(`unable to parse mac address '${m}'`);
  return m.split(':').map((p) => p.toLowerCase().padStart(2, '0')).join(':');
}

function checkType(t: string): 'network' | 'bridge' | 'user' {
  if (t !== 'network' && t !== 'bridge' && t !== 'user') throw new CliError(`No support for ${t} in command 'attach-interface'`);
  return t;
}

/** virsh attach-interface's options as one <interface> element. */
export function attachInterfaceXml(args: Args): string {
  const type = checkType(args.str('type')!);
  const source = args.str('source');
  if (type !== 'user' && !source) throw new CliError(`command 'attach-interface' requires <source> option for type ${type}`);
  // always name the MAC: the device service finds the added NIC in the new definition by it
  const mac = macOpt(args) ?? `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const target = args.str('target');
  const model = args.str('model');
  return [
    `<interface type='${type}'>`,
    `  <mac address='${mac}'/>`,
    type !== 'user' && `  <source ${type}='${esc(source!)}'/>`,
    target !== undefined && `  <target dev='${esc(target)}'/>`,
    model !== undefined && `  <model type='${esc(model)}'/>`,
    '</interface>',
  ].filter(Boolean).join('\n') + '\n';
}

export const interfaceCommands: CommandDef[] = [
  {
    name: 'attach-interface', group: 'domain', summary: 'attach network interface',
    opts: [
      DOMAIN_OPT, TYPE_OPT,
      { name: 'source', type: 'data', help: 'source of network interface' },
      { name: 'target', type: 'string', help: 'target network name' },
      { name: 'mac', type: 'string', help: 'MAC address' },
      { name: 'model', type: 'string', help: 'model type' },
      ...FLAG_OPTS,
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than attach the interface' },
    ],
    async handler(ctx, args) {
      const xml = attachInterfaceXml(args);
      if (args.bool('print-xml')) return ctx.out(xml);
      const domain = args.str('domain')!;
      const c = await ctx.client();
      await withContext({ domain, action: 'Failed to attach interface' }, () => c.call('domain.attachDevice', { domain, xml, ...flags(args) }));
      ctx.extra('Interface attached successfully\n');
    },
  },
  {
    name: 'detach-interface', group: 'domain', summary: 'detach network interface',
    opts: [DOMAIN_OPT, TYPE_OPT, { name: 'mac', type: 'string', help: 'MAC address' }, ...FLAG_OPTS],
    async handler(ctx, args) {
      const type = checkType(args.str('type')!);
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const f = flags(args);
      let mac = macOpt(args);
      const { xml: domXml } = await withContext({ domain }, () => c.call('domain.getXml', { domain, inactive: !!f.config && !f.live }));
      const candidates = (await parseDomain(domXml)).devices.interfaces.filter((n) => n.type === type && (!mac || n.mac === mac));
      if (!candidates.length) throw new CliError(`No interface found whose type is ${type}${mac ? ` and MAC address is ${mac}` : ''}`);
      if (candidates.length > 1) throw new CliError(`Domain has ${candidates.length} interfaces. Please specify which one to detach using --mac`);
      mac = candidates[0].mac;
      const xml = `<interface type='${type}'>\n  <mac address='${mac}'/>\n</interface>\n`;
      await withContext({ domain, action: 'Failed to detach interface' }, () => c.call('domain.detachDevice', { domain, xml, ...f }));
      ctx.extra('Interface detached successfully\n');
    },
  },
];
