// nodedev-* commands as virsh's: list (--cap, --tree; --class for an lspci-like listing
// of e.g. the Ethernet devices with full PCI addresses), dumpxml, detach, reattach, reset,
// and tsvirt's nodedev-sriov <pf> --num-vfs N [--persistent] (libvirt has none).
import type { NodedevSummary } from '../../protocol/methods-nodedev.js';
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import { CliError, type CommandDef } from '../types.js';

const DEVICE_OPT = { name: 'device', type: 'data' as const, required: true, help: 'device name (pci_0000_03_00_1) or PCI address (0000:03:00.1)' };

/** virsh's --tree layout: children under their parent with |/+- connectors. */
export function formatNodedevTree(devs: readonly NodedevSummary[]): string {
  const names = new Set(devs.map((d) => d.name));
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const d of devs) {
    if (d.parent && names.has(d.parent)) (children.get(d.parent) ?? children.set(d.parent, []).get(d.parent)!).push(d.name);
    else roots.push(d.name);
  }
  // virsh's layout (vshTreePrint): a '|' line above a device's children, '+- ' before each,
  // and a line of indent after the last leaf of a list
  const out: string[] = [];
  const walk = (name: string, root: boolean, last: boolean, indent: string) => {
    out.push(`${indent}${root ? '' : '+- '}${name}`);
    const inner = root ? indent : indent + (last ? ' ' : '|') + ' ';
    const kids = (children.get(name) ?? []).sort();
    if (kids.length) out.push(`${inner}  |`);
    kids.forEach((k, i) => walk(k, false, i === kids.length - 1, inner + '  '));
    if (!kids.length && last) out.push(inner);
  };
  for (const r of roots.sort()) walk(r, true, true, '');
  return out.join('\n') + '\n';
}

/** lspci -D style: "0000:00:02.0 Ethernet controller: Intel Corporation 82574L Gigabit Network Connection" */
export function formatPciLine(d: NodedevSummary): string {
  const what = [d.vendor, d.product].filter(Boolean).join(' ') || 'Device';
  const cls = d.className ?? `Class ${(d.classCode ?? 0).toString(16).padStart(6, '0')}`;
  return `${d.address} ${cls}: ${what}${d.driver ? ` [driver ${d.driver}]` : ''}`;
}

const nameOf = (d: string) => (/^[0-9a-f]{4}:/i.test(d) ? `pci_${d.replace(/[:.]/g, '_')}` : d);

function simple(name: string, summary: string, method: 'nodedev.reattach' | 'nodedev.reset', action: string, done: string): CommandDef {
  return {
    name, group: 'host', summary, opts: [DEVICE_OPT],
    async handler(ctx, args) {
      const dev = args.str('device')!;
      const c = await ctx.client();
      await withContext({ action: `Failed to ${action} device ${dev}` }, () => c.call(method, { name: dev }));
      ctx.extra(`Device ${nameOf(dev)} ${done}\n`);
    },
  };
}

export const nodedevCommands: CommandDef[] = [
  {
    name: 'nodedev-list', group: 'host', summary: 'enumerate devices on this host', json: true,
    description: 'Lists node devices. With --class (e.g. --class ethernet, or a class code prefix like 0x0200) prints one lspci -D style line per PCI device: full address, class, vendor, product, driver.',
    opts: [
      { name: 'tree', type: 'bool', help: 'list devices in a tree' },
      { name: 'cap', type: 'string', help: 'capability names, separated by comma (system, pci, net)' },
      { name: 'class', type: 'string', help: "PCI class name part ('ethernet') or code prefix ('0x0200'); implies --cap pci" },
    ],
    async handler(ctx, args) {
      const c = await ctx.client();
      const caps = args.str('cap')?.split(',').map((x) => x.trim()).filter(Boolean) ?? [undefined];
      const cls = args.str('class');
      if (args.bool('tree') && (args.str('cap') || cls)) throw new CliError('Options --tree and --cap are incompatible');
      const seen = new Map<string, NodedevSummary>();
      for (const cap of caps) {
        const { devices } = await withContext({ action: 'Failed to list node devices' }, () => c.call('nodedev.list', { cap, class: cls }));
        for (const d of devices) seen.set(d.name, d);
      }
      const devs = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
      if (args.json) return ctx.out(printJson(devs));
      if (args.bool('tree')) return ctx.out(formatNodedevTree(devs));
      if (cls !== undefined) return ctx.out(devs.map((d) => formatPciLine(d) + '\n').join(''));
      ctx.out(devs.map((d) => d.name + '\n').join(''));
    },
  },
  {
    name: 'nodedev-dumpxml', group: 'host', summary: 'node device details in XML', opts: [DEVICE_OPT],
    async handler(ctx, args) {
      const dev = args.str('device')!;
      const c = await ctx.client();
      const { xml } = await withContext({ action: `Could not find matching device '${dev}'` }, () => c.call('nodedev.getXml', { name: dev }));
      ctx.out(xml);
    },
  },
  {
    name: 'nodedev-detach', group: 'host', summary: 'detach node device from its device driver (binds it to vfio-pci)',
    opts: [DEVICE_OPT, { name: 'driver', type: 'string', help: 'pci device assignment backend driver (only vfio)' }],
    async handler(ctx, args) {
      const dev = args.str('device')!;
      const drv = args.str('driver');
      if (drv !== undefined && drv !== 'vfio') throw new CliError(`Failed to detach device ${dev}`, `unsupported driver '${drv}' (only vfio)`);
      const c = await ctx.client();
      await withContext({ action: `Failed to detach device ${dev}` }, () => c.call('nodedev.detach', { name: dev }));
      ctx.extra(`Device ${nameOf(dev)} detached\n`);
    },
  },
  simple('nodedev-reattach', 'reattach node device to its device driver', 'nodedev.reattach', 're-attach', 're-attached'),
  simple('nodedev-reset', 'reset node device', 'nodedev.reset', 'reset', 'reset'),
  {
    name: 'nodedev-sriov', group: 'host', summary: 'set the number of SR-IOV virtual functions of a physical function', json: true,
    description: 'Sets sriov_numvfs of the PF (going through 0 when a non-zero count changes), waits for the VFs and prints their PCI addresses. Refused above sriov_totalvfs and while a VF is assigned to a running domain. --persistent: tsvirtd sets the count again when it starts.',
    opts: [
      DEVICE_OPT,
      { name: 'num-vfs', type: 'number', required: true, help: 'number of virtual functions (0 removes them)' },
      { name: 'persistent', type: 'bool', help: 'set this count again every time tsvirtd starts' },
    ],
    async handler(ctx, args) {
      const dev = args.str('device')!;
      const n = args.num('num-vfs')!;
      const c = await ctx.client();
      const r = await withContext({ action: `Failed to set the virtual functions of ${dev}` },
        () => c.call('nodedev.setSriov', { name: dev, numVfs: n, persistent: args.bool('persistent') || undefined }));
      if (args.json) return ctx.out(printJson(r));
      ctx.out(`Device ${nameOf(r.pf)} has ${r.vfs.length} virtual functions\n${r.vfs.map((v) => v + '\n').join('')}`);
    },
  },
];
