// The wait of virsh's event commands (event, net-event, pool-event): print each matching
// event until one came (or, with --loop, until --timeout or Ctrl-C), then the count. As
// virsh, the command fails (exit 1, no message) when no event came.
import type { TsvirtEvent } from '../../protocol/types.js';
import { formatTimestamp } from '../format.js';
import { CliError, type Args, type CommandDef, type Ctx } from '../types.js';

/** the options every virsh *-event command has besides its object filter */
export const EVENT_LOOP_OPTS: CommandDef['opts'] = [
  { name: 'loop', type: 'bool', help: 'loop until timeout or interrupt, rather than one-shot' },
  { name: 'timeout', type: 'number', help: 'timeout seconds' },
  { name: 'list', type: 'bool', help: 'list valid event types' },
  { name: 'timestamp', type: 'bool', help: 'show timestamp for each printed event' },
];

/** --timeout as virsh checks it: a positive number of seconds */
export function timeoutOf(args: Args): number | undefined {
  const timeout = args.num('timeout');
  if (timeout !== undefined && timeout < 1) throw new CliError(`Numeric value '${args.str('timeout')}' for <timeout> option is malformed or out of range`);
  return timeout;
}

/** `line` gives the printed line of an event this command shows, undefined for the others */
export async function eventLoop(ctx: Ctx, args: Args, timeout: number | undefined, line: (ev: TsvirtEvent) => string | undefined): Promise<void> {
  const c = await ctx.client();
  const loop = args.bool('loop');
  let count = 0;
  let outcome = 'done' as 'done' | 'timeout' | 'interrupt';
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const onEvent = (ev: TsvirtEvent) => {
    if (!loop && count > 0) return;
    const text = line(ev);
    if (text === undefined) return;
    count++;
    if (args.json) ctx.out(JSON.stringify(ev) + '\n');
    else ctx.out((args.bool('timestamp') ? formatTimestamp(ev.time) : '') + text);
    if (!loop) stop();
  };
  const sub = await c.events(onEvent);
  const onSigint = () => { outcome = 'interrupt'; stop(); };
  process.once('SIGINT', onSigint);
  const timer = timeout !== undefined ? setTimeout(() => { outcome = 'timeout'; stop(); }, timeout * 1000) : undefined;
  void sub.closed.then(() => stop());
  try {
    await stopped;
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSigint);
    sub.close();
  }
  if (!args.json) {
    if (outcome === 'timeout') ctx.out('event loop timed out\n');
    if (outcome === 'interrupt') ctx.out('event loop interrupted\n');
    ctx.out(`events received: ${count}\n`);
  }
  if (count === 0) throw new CliError();
}
