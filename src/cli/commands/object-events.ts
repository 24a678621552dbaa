// virsh net-event and pool-event: wait for network / storage pool events and print virsh's
// lines. Unlike `event`, virsh has no --all here: --event names the one type.
import type { Client } from '../../client/client.js';
import type { TsvirtEvent } from '../../protocol/types.js';
import { CliError, type CommandDef } from '../types.js';
import { EVENT_LOOP_OPTS, eventLoop, timeoutOf } from './event-loop.js';

const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);

type Printer = (ev: TsvirtEvent) => { uuid: string; name: string; line: string } | undefined;

const NET_EVENTS: Record<string, Printer> = {
  lifecycle: (ev) => (ev.type === 'network' ? { ...ev.network, line: `event 'lifecycle' for network ${ev.network.name}: ${cap(ev.event)}\n` } : undefined),
};
const POOL_EVENTS: Record<string, Printer> = {
  lifecycle: (ev) => (ev.type === 'pool' ? { ...ev.pool, line: `event 'lifecycle' for storage pool ${ev.pool.name}: ${cap(ev.event)}\n` } : undefined),
  refresh: (ev) => (ev.type === 'pool-refresh' ? { ...ev.pool, line: `event 'refresh' for storage pool ${ev.pool.name}\n` } : undefined),
};

function objectEventCommand(
  name: string, group: CommandDef['group'], summary: string, what: string, objOpt: string, events: Record<string, Printer>,
  lookup: (c: Client, ref: string) => Promise<string>,
): CommandDef {
  return {
    name, group, summary, description: `List event types, or wait for ${what} events to occur`,
    json: true,
    opts: [
      { name: objOpt, type: 'string', help: `filter by ${what} name or uuid` },
      { name: 'event', type: 'string', help: 'which event type to wait for' },
      ...EVENT_LOOP_OPTS,
    ],
    async handler(ctx, args) {
      if (args.bool('list')) {
        ctx.out(Object.keys(events).map((e) => e + '\n').join(''));
        return;
      }
      const type = args.str('event');
      if (type === undefined) throw new CliError('either --list or --event <type> is required');
      const printer = events[type];
      if (!printer) throw new CliError(`unknown event type ${type}`);
      const timeout = timeoutOf(args);
      const ref = args.str(objOpt);
      const uuid = ref === undefined ? undefined : await lookup(await ctx.client(), ref);
      await eventLoop(ctx, args, timeout, (ev) => {
        const got = printer(ev);
        return got && (uuid === undefined || got.uuid === uuid) ? got.line : undefined;
      });
    },
  };
}

export const netEventCommand = objectEventCommand('net-event', 'network', 'Network Events', 'network', 'network', NET_EVENTS,
  async (c, ref) => (await c.call('network.lookup', { network: ref })).uuid);
export const poolEventCommand = objectEventCommand('pool-event', 'pool', 'Storage Pool Events', 'storage pool', 'pool', POOL_EVENTS,
  async (c, ref) => (await c.call('pool.lookup', { pool: ref })).uuid);
