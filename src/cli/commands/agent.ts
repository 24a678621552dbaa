// The commands answered by the QEMU guest agent in the guest: domfsinfo, domfsfreeze,
// domfsthaw, domtime, guestinfo, set-user-password, domhostname (domifaddr --source agent
// is in network.ts), each printing what virsh prints (tools/virsh-domain*.c).
import { guestInfoParamText, guestInfoParams } from '../../protocol/guest-info-params.js';
import { GUEST_INFO_TYPES } from '../../protocol/methods-agent.js';
import { withContext } from '../errors.js';
import { printJson } from '../format.js';
import { formatTable } from '../table.js';
import { CliError, type Args, type CommandDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

const dom = (args: Args) => args.str('domain')!;

function exclusive(args: Args, a: string, b: string): void {
  if (args.values[a] !== undefined && args.values[b] !== undefined) throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
}

/** "YYYY-MM-DD HH:MM:SS" of a Unix time, in UTC as virsh's g_date_time_new_from_unix_utc */
function prettyTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

// guestinfo's options, in VIR_DOMAIN_GUEST_INFO_* order (GUEST_INFO_TYPES)
const INFO_OPTS = [
  { name: 'user', help: 'report active users' },
  { name: 'os', help: 'report operating system information' },
  { name: 'timezone', help: 'report timezone information' },
  { name: 'hostname', help: 'report hostname' },
  { name: 'filesystem', help: 'report filesystem information' },
  { name: 'disk', help: 'report disk information' },
  { name: 'interface', help: 'report interface information' },
];

export const agentCommands: CommandDef[] = [
  {
    name: 'domfsinfo', group: 'domain', summary: "Get information of domain's mounted filesystems.", json: true,
    description: "Get information of domain's mounted filesystems.",
    opts: [DOMAIN_OPT],
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const { filesystems } = await withContext({ domain, action: 'Unable to get filesystem information' }, () => c.call('domain.fsInfo', { domain }));
      if (args.json) return ctx.out(printJson(filesystems));
      if (filesystems.length === 0) return ctx.err('error: No filesystems are mounted in the domain\n');
      const rows = filesystems.map((f) => [f.mountpoint, f.name, f.fstype, f.disks.flatMap((d) => (d.alias ? [d.alias] : [])).join(',')]);
      ctx.out(formatTable(['Mountpoint', 'Name', 'Type', 'Target'], rows, ctx.quiet));
    },
  },
  {
    name: 'domfsfreeze', group: 'domain', summary: "Freeze domain's mounted filesystems.", description: "Freeze domain's mounted filesystems.",
    opts: [DOMAIN_OPT, { name: 'mountpoint', type: 'string', positional: true, multiple: true, help: 'mountpoint path to be frozen' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const mountpoints = args.list('mountpoint');
      const r = await withContext({ domain, action: 'Unable to freeze filesystems' }, () =>
        c.call('domain.fsFreeze', { domain, mountpoints: mountpoints.length ? mountpoints : undefined }));
      ctx.extra(`Froze ${r.count} filesystem(s)\n`);
    },
  },
  {
    name: 'domfsthaw', group: 'domain', summary: "Thaw domain's mounted filesystems.", description: "Thaw domain's mounted filesystems.",
    opts: [DOMAIN_OPT, { name: 'mountpoint', type: 'string', positional: true, multiple: true, help: 'mountpoint path to be thawed' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const mountpoints = args.list('mountpoint');
      const r = await withContext({ domain, action: 'Unable to thaw filesystems' }, () =>
        c.call('domain.fsThaw', { domain, mountpoints: mountpoints.length ? mountpoints : undefined }));
      ctx.extra(`Thawed ${r.count} filesystem(s)\n`);
    },
  },
  {
    name: 'domtime', group: 'monitor', summary: 'domain time', description: "Gets or sets the domain's system time",
    opts: [DOMAIN_OPT,
      { name: 'now', type: 'bool', help: 'set to the time of the host running virsh' },
      { name: 'pretty', type: 'bool', help: "print domain's time in human readable form" },
      { name: 'sync', type: 'bool', help: "instead of setting given time, synchronize from domain's RTC" },
      { name: 'time', type: 'number', help: 'time to set' }],
    async handler(ctx, args) {
      exclusive(args, 'time', 'now');
      exclusive(args, 'time', 'sync');
      const time = args.values.time === undefined ? undefined : signedNumber(args.str('time')!);
      const c = await ctx.client();
      const domain = dom(args);
      if (time !== undefined || args.bool('now') || args.bool('sync')) {
        const seconds = args.bool('now') ? Math.floor(Date.now() / 1000) : time;
        await withContext({ domain }, () => c.call('domain.setTime', args.bool('sync') ? { domain, sync: true } : { domain, seconds, nseconds: 0 }));
        return;
      }
      const t = await withContext({ domain }, () => c.call('domain.getTime', { domain }));
      ctx.out(`Time: ${args.bool('pretty') ? prettyTime(t.seconds) : t.seconds}\n`);
    },
  },
  {
    name: 'guestinfo', group: 'domain', summary: 'query information about the guest (via agent)', json: true,
    description: "Use the guest agent to query various information from guest's point of view",
    opts: [DOMAIN_OPT, ...INFO_OPTS.map((o) => ({ ...o, type: 'bool' as const }))],
    async handler(ctx, args) {
      const types = GUEST_INFO_TYPES.filter((_, i) => args.bool(INFO_OPTS[i]!.name));
      const c = await ctx.client();
      const domain = dom(args);
      const info = await withContext({ domain }, () => c.call('domain.guestInfo', { domain, types: types.length ? [...types] : undefined }));
      if (args.json) return ctx.out(printJson(info));
      for (const p of guestInfoParams(info)) ctx.out(`${p.field.padEnd(20)}: ${guestInfoParamText(p)}\n`);
    },
  },
  {
    name: 'set-user-password', group: 'domain', summary: 'set the user password inside the domain',
    description: 'changes the password of the specified user inside the domain',
    opts: [DOMAIN_OPT,
      { name: 'user', type: 'data', required: true, help: 'the username' },
      { name: 'password', type: 'data', required: true, help: 'the new password' },
      { name: 'encrypted', type: 'bool', help: 'the password is already encrypted' }],
    async handler(ctx, args) {
      const c = await ctx.client();
      const domain = dom(args);
      const user = args.str('user')!;
      await withContext({ domain }, () => c.call('domain.setUserPassword', { domain, user, password: args.str('password')!, encrypted: args.bool('encrypted') || undefined }));
      ctx.extra(`Password set successfully for ${user} in ${domain}\n`);
    },
  },
  {
    name: 'domhostname', group: 'domain', summary: 'print the domain\'s hostname', json: true,
    opts: [DOMAIN_OPT, { name: 'source', type: 'string', help: "address source: 'lease' or 'agent'" }],
    async handler(ctx, args) {
      const source = args.str('source');
      if (source !== undefined && source !== 'lease' && source !== 'agent') throw new CliError(`Unknown data source '${source}'`);
      const c = await ctx.client();
      const domain = dom(args);
      const r = await withContext({ domain, action: 'failed to get hostname' }, () => c.call('domain.getHostname', { domain, source }));
      if (args.json) return ctx.out(printJson(r));
      ctx.out(`${r.hostname}\n`);
    },
  },
];

/** virsh's --time is a long long: a sign is allowed */
function signedNumber(v: string): number {
  if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) throw new CliError(`Numeric value '${v}' for <time> option is malformed or out of range`);
  return Number(v);
}
