// Domain statistics commands, printed as virsh prints them: domstats, domblkstat, domifstat,
// domblkinfo, vcpuinfo, vcpucount, cpu-stats. `--json` prints the API's result instead.
import { STATS_GROUPS, type StatsGroup } from '../../protocol/methods-host-stats.js';
import { DOMAIN_STATES, type DomainState } from '../../protocol/domain-state.js';
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef, type OptDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';
import { diskRows, domainModel } from './info.js';
import { formatBitmap } from '../../conf/bitmap.js';

const GROUP_HELP: Record<StatsGroup, string> = {
  state: 'report domain state', 'cpu-total': 'report domain physical cpu usage', balloon: 'report domain balloon statistics',
  vcpu: 'report domain virtual cpu information', interface: 'report domain network interface information',
  block: 'report domain block device statistics', perf: 'report domain perf event statistics',
  iothread: 'report domain IOThread information', memory: 'report domain memory usage',
  dirtyrate: 'report domain dirty rate information', vm: 'report hypervisor-specific statistics',
};
const LISTS = ['active', 'inactive', 'persistent', 'transient', 'running', 'paused', 'shutoff', 'other'] as const;

/** "a and b" given together where virsh refuses them together */
function exclusive(args: Args, ...names: string[]): void {
  const given = names.filter((n) => args.bool(n));
  if (given.length > 1) throw new CliError(`Options --${given[0]} and --${given[1]} are mutually exclusive`);
}

/** both of a pair or neither: no filter */
const pair = (yes: boolean, no: boolean): boolean | undefined => (yes === no ? undefined : yes);

/** virsh domstats' options as the bulk call's query */
function domstats(args: Args): { domains?: string[]; groups: StatsGroup[]; enforce: boolean; active?: boolean; persistent?: boolean; states?: DomainState[] } {
  const groups = STATS_GROUPS.filter((g) => args.bool(g));
  const domains = args.list('domains');
  const lists = LISTS.filter((l) => args.bool(`list-${l}`));
  if (domains.length && lists.length) throw new CliError('Filtering flags are not supported with a list of domains');
  const on = (l: (typeof LISTS)[number]) => args.bool(`list-${l}`);
  // --list-other: every state but the three that have their own flag
  const own = ['running', 'paused', 'shutoff'];
  const picked = DOMAIN_STATES.filter((s) => (own.includes(s) ? on(s as (typeof LISTS)[number]) : on('other')));
  const states = picked.length ? [...picked] : undefined;
  return {
    domains: domains.length ? domains : undefined, groups, enforce: args.bool('enforce'),
    active: pair(on('active'), on('inactive')), persistent: pair(on('persistent'), on('transient')), states,
  };
}

// virsh's order and names of domblkstat's fields; the human texts of --human
const BLK_FIELDS: Array<[string, string, string]> = [
  ['rdReq', 'rd_req', 'number of read operations:'], ['rdBytes', 'rd_bytes', 'number of bytes read:'],
  ['wrReq', 'wr_req', 'number of write operations:'], ['wrBytes', 'wr_bytes', 'number of bytes written:'],
  ['flushReq', 'flush_operations', 'number of flush operations:'], ['rdTotalTimeNs', 'rd_total_times', 'total duration of reads (ns):'],
  ['wrTotalTimeNs', 'wr_total_times', 'total duration of writes (ns):'], ['flushTotalTimeNs', 'flush_total_times', 'total duration of flushes (ns):'],
];
const IF_FIELDS: Array<[string, string]> = [
  ['rxBytes', 'rx_bytes'], ['rxPackets', 'rx_packets'], ['rxErrs', 'rx_errs'], ['rxDrop', 'rx_drop'],
  ['txBytes', 'tx_bytes'], ['txPackets', 'tx_packets'], ['txErrs', 'tx_errs'], ['txDrop', 'tx_drop'],
];

/** virsh's vshPrettyCapacity with three decimals, as domblkinfo --human prints sizes */
function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(3)} ${units[u]}`;
}

const seconds = (ns: number, width: number) => `${String(Math.floor(ns / 1e9)).padStart(width)}.${String(Math.round(ns) % 1e9).padStart(9, '0')} seconds`;

const statOpts: OptDef[] = [
  ...STATS_GROUPS.map((g): OptDef => ({ name: g, type: 'bool', help: GROUP_HELP[g] })),
  ...LISTS.map((l): OptDef => ({ name: `list-${l}`, type: 'bool', help: `list only ${l} domains` })),
  { name: 'raw', type: 'bool', help: 'do not pretty-print the fields' },
  { name: 'enforce', type: 'bool', help: 'enforce requested stats parameters' },
  { name: 'backing', type: 'bool', help: 'add backing chain information to block stats' },
  { name: 'nowait', type: 'bool', help: "report only stats that are accessible instantly" },
  { name: 'domains', type: 'string', positional: true, multiple: true, help: 'list of domains to get stats for' },
];

export const statsCommands: CommandDef[] = [
  {
    name: 'domstats', group: 'monitor', summary: 'get statistics about one or multiple domains',
    description: 'Gets statistics about one or more (or all) domains', json: true, opts: statOpts,
    async handler(ctx, args) {
      const c = await ctx.client();
      const q = domstats(args);
      const first = q.domains?.[0];
      const { records } = await withContext(first && q.domains?.length === 1 ? { domain: first } : {}, () => c.call('domain.getAllStats', q));
      if (args.json) return ctx.out(printJson(records));
      ctx.out(records.map((r) => `Domain: '${r.name}'\n${Object.entries(r.stats).map(([k, v]) => `  ${k}=${v}\n`).join('')}`).join('\n'));
    },
  },
  {
    name: 'domblkstat', group: 'monitor', summary: 'get device block stats for a domain',
    description: 'Get device block stats for a running domain. See man page or use --human for explanation of fields',
    json: true,
    opts: [DOMAIN_OPT, { name: 'device', type: 'string', positional: true, help: 'block device' },
      { name: 'human', type: 'bool', help: 'print a more human readable output' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const device = args.str('device') ?? '';
      const c = await ctx.client();
      const s = await withContext({ domain }, () => c.call('domain.blockStats', { domain, disk: device })) as Record<string, number>;
      if (args.json) return ctx.out(printJson(s));
      const human = args.bool('human');
      let out = human ? `Device: ${device}\n` : '';
      for (const [k, name, text] of BLK_FIELDS) out += human ? ` ${text.padEnd(31)} ${s[k]}\n` : `${device} ${name} ${s[k]}\n`;
      ctx.out(out);
    },
  },
  {
    name: 'domifstat', group: 'monitor', summary: 'get network interface stats for a domain',
    description: 'Get network interface stats for a running domain.', json: true,
    opts: [DOMAIN_OPT, { name: 'interface', type: 'data', required: true, help: 'interface device specified by name or MAC Address' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const iface = args.str('interface')!;
      const c = await ctx.client();
      const s = await withContext({ domain }, () => c.call('domain.interfaceStats', { domain, iface })) as Record<string, number>;
      if (args.json) return ctx.out(printJson(s));
      ctx.out(IF_FIELDS.map(([k, name]) => `${iface} ${name} ${s[k]}\n`).join(''));
    },
  },
  {
    name: 'domblkinfo', group: 'monitor', summary: 'domain block device size information',
    description: 'Get block device size info for a domain.', json: true,
    opts: [DOMAIN_OPT, { name: 'device', type: 'string', positional: true, help: 'block device' },
      { name: 'human', type: 'bool', help: 'Human readable output' }, { name: 'all', type: 'bool', help: 'display all block devices info' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const device = args.str('device');
      const all = args.bool('all');
      if (!all && !device) throw new CliError("command 'domblkinfo' requires <device> option when --all is not specified");
      if (all && device) throw new CliError('Options --all and --device are mutually exclusive');
      const c = await ctx.client();
      const size = (n: number) => (args.bool('human') ? humanBytes(n) : String(n));
      if (!all) {
        const i = await withContext({ domain }, () => c.call('domain.blockInfo', { domain, disk: device! }));
        if (args.json) return ctx.out(printJson(i));
        ctx.out(`${'Capacity:'.padEnd(15)} ${size(i.capacity)}\n${'Allocation:'.padEnd(15)} ${size(i.allocation)}\n${'Physical:'.padEnd(15)} ${size(i.physical)}\n`);
        return;
      }
      const { model } = await domainModel(ctx, args, false);
      const rows = [];
      for (const { target: t } of diskRows(model)) {
        // a drive without a medium has no sizes: virsh prints '-' for it
        const i = await c.call('domain.blockInfo', { domain, disk: t }).catch(() => undefined);
        rows.push({ target: t, ...i });
      }
      if (args.json) return ctx.out(printJson(rows));
      ctx.out(formatTable(['Target', 'Capacity', 'Allocation', 'Physical'], rows.map((r) =>
        [r.target, ...[r.capacity, r.allocation, r.physical].map((n) => (n === undefined ? '-' : size(n)))]), ctx.quiet));
    },
  },
  {
    name: 'vcpuinfo', group: 'domain', summary: 'detailed domain vcpu information',
    description: 'Returns basic information about the domain virtual CPUs.', json: true,
    opts: [DOMAIN_OPT, { name: 'pretty', type: 'bool', help: 'return human readable output' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const info = await withContext({ domain }, () => c.call('domain.vcpuInfo', { domain }));
      if (args.json) return ctx.out(printJson(info));
      const line = (k: string, v: string | number) => `${k.padEnd(15)} ${v}\n`;
      ctx.out(info.vcpus.map((v) => {
        const allowed = new Set(v.affinity);
        const map = args.bool('pretty') ? `${formatBitmap(v.affinity)} (out of ${info.hostCpus})` : Array.from({ length: info.hostCpus }, (_, i) => (allowed.has(i) ? 'y' : '-')).join('');
        return line('VCPU:', v.number) + line('CPU:', v.cpu) + line('State:', v.state) +
          (v.cpuTimeNs ? line('CPU time:', `${(v.cpuTimeNs / 1e9).toFixed(1)}s`) : '') + line('CPU Affinity:', map);
      }).join('\n'));
    },
  },
  {
    name: 'vcpucount', group: 'domain', summary: 'domain vcpu counts',
    description: 'Returns the number of virtual CPUs used by the domain.', json: true,
    opts: [DOMAIN_OPT,
      { name: 'maximum', type: 'bool', help: 'get maximum count of vcpus' }, { name: 'active', type: 'bool', help: 'get number of currently active vcpus' },
      { name: 'live', type: 'bool', help: 'get value from running domain' }, { name: 'config', type: 'bool', help: 'get value to be used on next boot' },
      { name: 'current', type: 'bool', help: 'get value according to current domain state' },
      { name: 'guest', type: 'bool', help: 'retrieve vcpu count from the guest instead of the hypervisor' }],
    async handler(ctx, args) {
      exclusive(args, 'maximum', 'active');
      exclusive(args, 'live', 'config', 'current');
      exclusive(args, 'guest', 'config');
      const domain = args.str('domain')!;
      const c = await ctx.client();
      if (args.bool('guest')) throw new CliError('Failed to retrieve vCPU count from the guest', 'this function is not supported by the connection driver: virDomainGetVcpusFlags with VIR_DOMAIN_VCPU_GUEST');
      const d = await withContext({ domain }, () => c.call('domain.lookup', { domain }));
      const count = async (config: boolean, maximum: boolean) =>
        (await withContext({ domain }, () => c.call('domain.getVcpuCount', { domain, config, maximum }))).count;
      const flagged = ['maximum', 'active', 'live', 'config', 'current'].some((f) => args.bool(f));
      if (flagged) {
        if (args.bool('live') && d.id === null) throw new CliError('Requested operation is not valid: domain is not running');
        const config = args.bool('config') || (!args.bool('live') && d.id === null);
        const n = await count(config, args.bool('maximum'));
        return ctx.out(args.json ? printJson({ count: n }) : `${n}\n`);
      }
      const rows: Array<[string, string, number]> = [];
      for (const maximum of [true, false]) {
        rows.push([maximum ? 'maximum' : 'current', 'config', await count(true, maximum)]);
        if (d.id !== null) rows.push([maximum ? 'maximum' : 'current', 'live', await count(false, maximum)]);
      }
      if (args.json) return ctx.out(printJson(rows.map(([which, of, n]) => ({ which, of, count: n }))));
      ctx.out(rows.map(([a, b, n]) => `${a.padEnd(12)} ${b.padEnd(12)} ${String(n).padStart(3)}\n`).join(''));
    },
  },
  {
    name: 'cpu-stats', group: 'monitor', summary: 'show domain cpu statistics',
    description: 'Display per-CPU and total statistics about the domain\'s CPUs', json: true,
    opts: [DOMAIN_OPT, { name: 'total', type: 'bool', help: 'Show total statistics only' },
      { name: 'start', type: 'number', help: 'Show statistics from this CPU' }, { name: 'count', type: 'number', help: 'Number of shown CPUs at most' }],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const s = await withContext({ domain }, () => c.call('domain.cpuStats', { domain }));
      const start = args.num('start') ?? 0;
      const showPer = !args.bool('total') || args.num('start') !== undefined || args.num('count') !== undefined;
      if (start >= s.perCpu.length) throw new CliError(`Start CPU ${start} is out of range (min: 0, max: ${s.perCpu.length - 1})`);
      const per = s.perCpu.slice(start, start + (args.num('count') ?? s.perCpu.length));
      // virsh prints the totals unless only some CPUs were asked for
      const showTotal = args.bool('total') || (args.num('start') === undefined && args.num('count') === undefined);
      if (args.json) return ctx.out(printJson({ ...(showPer && { perCpu: per.map((x, i) => ({ cpu: start + i, ...x })) }), ...(showTotal && { total: s.total }) }));
      let out = '';
      if (showPer) {
        per.forEach((x, i) => {
          out += `CPU${start + i}:\n\t${'cpu_time'.padEnd(12)} ${seconds(x.cpuTimeNs, 9)}\n\t${'vcpu_time'.padEnd(12)} ${seconds(x.vcpuTimeNs, 9)}\n`;
        });
      }
      if (showTotal) {
        out += `Total:\n\t${'cpu_time'.padEnd(12)} ${seconds(s.total.cpuTimeNs, 10)}\n\t${'user_time'.padEnd(12)} ${seconds(s.total.userTimeNs, 10)}\n\t${'system_time'.padEnd(12)} ${seconds(s.total.systemTimeNs, 10)}\n`;
      }
      ctx.out(out);
    },
  },
];
