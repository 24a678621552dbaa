// The host's statistics, printed as virsh prints them: nodecpustats, nodememstats, nodecpumap.
import { formatBitmap } from '../../conf/bitmap.js';
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import { CliError, type CommandDef } from '../types.js';

const pct = (x: number) => `${x.toFixed(1).padStart(5)}%`;

export const nodeStatsCommands: CommandDef[] = [
  {
    name: 'nodecpustats', group: 'host', summary: 'Prints cpu stats of the node.',
    description: 'Returns cpu stats of the node, in nanoseconds.', json: true,
    opts: [{ name: 'cpu', type: 'number', help: 'prints specified cpu statistics only.' },
      { name: 'percent', type: 'bool', help: 'prints by percentage during 1 second.' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const cpu = args.num('cpu');
      const sample = () => withContext({ action: 'Unable to get node cpu stats' }, () => c.call('node.cpuStats', { cpu }));
      const a = await sample();
      if (!args.bool('percent')) {
        if (args.json) return ctx.out(printJson(a));
        const row = (k: string, v: number) => `${k.padEnd(15)} ${String(Math.round(v)).padStart(20)}\n`;
        ctx.out(row('user:', a.userNs) + row('system:', a.kernelNs) + row('idle:', a.idleNs) + row('iowait:', a.iowaitNs));
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
      const b = await sample();
      const d = { user: b.userNs - a.userNs, system: b.kernelNs - a.kernelNs, idle: b.idleNs - a.idleNs, iowait: b.iowaitNs - a.iowaitNs };
      const total = d.user + d.system + d.idle + d.iowait || 1;
      const p = { usage: ((d.user + d.system) / total) * 100, user: (d.user / total) * 100, system: (d.system / total) * 100, idle: (d.idle / total) * 100, iowait: (d.iowait / total) * 100 };
      if (args.json) return ctx.out(printJson(p));
      ctx.out(Object.entries(p).map(([k, v]) => `${`${k}:`.padEnd(15)} ${pct(v)}\n`).join(''));
    },
  },
  {
    name: 'nodememstats', group: 'host', summary: 'Prints memory stats of the node.',
    description: 'Returns memory stats of the node, in kilobytes.', json: true,
    opts: [{ name: 'cell', type: 'number', help: 'prints specified cell statistics only.' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const m = await withContext({ action: 'Unable to get memory stats' }, () => c.call('node.memoryStats', { cell: args.num('cell') }));
      if (args.json) return ctx.out(printJson(m));
      const rows: Array<[string, number | undefined]> = [['total', m.totalKiB], ['free', m.freeKiB], ['buffers', m.buffersKiB], ['cached', m.cachedKiB]];
      ctx.out(rows.filter(([, v]) => v !== undefined).map(([k, v]) => `${k.padEnd(7)}: ${String(v).padStart(20)} KiB\n`).join(''));
    },
  },
  {
    name: 'nodecpumap', group: 'host', summary: 'node cpu map',
    description: 'Displays the node\'s total number of CPUs, the number of online CPUs and the list of online CPUs.', json: true,
    opts: [{ name: 'pretty', type: 'bool', help: 'return human readable output' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const m = await c.call('node.cpuMap', {});
      if (args.json) return ctx.out(printJson(m));
      if (m.present < 1) throw new CliError('Unable to get cpu map');
      const online = new Set(m.online);
      const map = args.bool('pretty') ? formatBitmap(m.online) : Array.from({ length: m.present }, (_, i) => (online.has(i) ? 'y' : '-')).join('');
      ctx.out(`${'CPUs present:'.padEnd(15)} ${m.present}\n${'CPUs online:'.padEnd(15)} ${m.online.length}\n${'CPU map:'.padEnd(15)} ${map}\n`);
    },
  },
];
