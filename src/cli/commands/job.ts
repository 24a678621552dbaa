// domjobinfo and domjobabort, as virsh: the domain's long job (save, restore, migration,
// snapshot...) printed from its typed parameters, in virsh's order and words.
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import type { CommandDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

const JOB_TYPE: Record<string, string> = {
  none: 'None', bounded: 'Bounded', unbounded: 'Unbounded', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled',
};
/** virDomainJobOperation, as virsh names them */
const OPERATIONS = ['Unknown', 'Start', 'Save', 'Restore', 'Incoming migration', 'Outgoing migration', 'Snapshot', 'Snapshot revert', 'Dump', 'Backup', 'Snapshot delete'];

/** virsh's vshPrettyCapacity: the largest unit that keeps the number at least 1 */
export function prettyCapacity(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(3)} ${units[i]}`;
}

type Kind = 'ms' | 'bytes' | 'bps' | 'plain' | 'pages' | 'size';
// [field, label, how it is printed], virsh's cmdDomjobinfo order
const ROWS: Array<[string, string, Kind]> = [
  ['time_elapsed', 'Time elapsed:', 'ms'], ['time_elapsed_net', 'Time elapsed w/o network:', 'ms'], ['time_remaining', 'Time remaining:', 'ms'],
  ['data_processed', 'Data processed:', 'bytes'], ['data_remaining', 'Data remaining:', 'bytes'], ['data_total', 'Data total:', 'bytes'],
  ['memory_processed', 'Memory processed:', 'bytes'], ['memory_remaining', 'Memory remaining:', 'bytes'], ['memory_total', 'Memory total:', 'bytes'],
  ['memory_bps', 'Memory bandwidth:', 'bps'], ['memory_dirty_rate', 'Dirty rate:', 'pages'], ['memory_page_size', 'Page size:', 'size'],
  ['memory_iteration', 'Iteration:', 'plain'], ['memory_postcopy_requests', 'Postcopy requests:', 'plain'],
  ['memory_constant', 'Constant pages:', 'plain'], ['memory_normal', 'Normal pages:', 'plain'], ['memory_normal_bytes', 'Normal data:', 'bytes'],
  ['downtime', 'Expected downtime:', 'ms'], ['downtime_net', 'Downtime w/o network:', 'ms'], ['setup_time', 'Setup time:', 'ms'],
  ['disk_processed', 'Disk processed:', 'bytes'], ['disk_remaining', 'Disk remaining:', 'bytes'], ['disk_total', 'Disk total:', 'bytes'],
  ['disk_bps', 'Disk bandwidth:', 'bps'], ['auto_converge_throttle', 'Auto converge throttle:', 'plain'],
];

export function formatJobInfo(type: string, params: Array<{ field: string; value: number | string }>): string {
  const get = (f: string) => params.find((p) => p.field === f)?.value;
  const row = (label: string, value: string) => `${label.padEnd(17)} ${value}\n`;
  let out = row('Job type:', (JOB_TYPE[type] ?? type).padEnd(12));
  if (type === 'none') return out;
  const op = get('operation');
  out += row('Operation:', (typeof op === 'number' ? (OPERATIONS[op] ?? 'Unknown') : 'Unknown').padEnd(12));
  // virsh shows no figures of a failed or cancelled job
  if (type === 'failed' || type === 'cancelled') return out;
  const done = type === 'completed';
  for (const [field, label, kind] of ROWS) {
    const v = get(field);
    if (typeof v !== 'number') continue;
    const name = field === 'downtime' && done ? 'Total downtime:' : label;
    if (kind === 'ms') out += row(name, `${String(v).padEnd(12)} ms`);
    else if (kind === 'bytes') out += row(name, prettyCapacity(v));
    else if (kind === 'bps') out += row(name, `${prettyCapacity(v)}/s`);
    else if (kind === 'pages') out += row(name, `${String(v).padEnd(12)} pages/s`);
    else if (kind === 'size') out += row(name, `${String(v).padEnd(12)} bytes`);
    else out += row(name, String(v).padEnd(12));
  }
  const err = get('errmsg');
  if (typeof err === 'string') out += row('Error message:', err);
  return out;
}

export const jobCommands: CommandDef[] = [
  {
    name: 'domjobinfo', group: 'domain', summary: 'domain job information', description: 'Returns information about jobs running on a domain.', json: true,
    opts: [
      DOMAIN_OPT,
      { name: 'completed', type: 'bool', help: 'return statistics of a recently completed job' },
      { name: 'keep-completed', type: 'bool', help: 'don\'t destroy statistics of a recently completed job when reading' },
    ],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      const s = await withContext({ domain }, () => c.call('domain.jobStats', {
        domain, completed: args.bool('completed') || undefined, keepCompleted: args.bool('keep-completed') || undefined,
      }));
      ctx.out(args.json ? printJson(s) : formatJobInfo(s.type, s.params));
    },
  },
  {
    name: 'domjobabort', group: 'domain', summary: 'abort active domain job', description: 'Aborts the currently running domain job',
    opts: [DOMAIN_OPT],
    async handler(ctx, args) {
      const domain = args.str('domain')!;
      const c = await ctx.client();
      await withContext({ domain }, () => c.call('domain.abortJob', { domain }));
    },
  },
];
