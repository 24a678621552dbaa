// virsh event: waits for lifecycle events and prints virsh's lines (or JSON lines).
import type { LifecycleEvent } from '../../protocol/types.js';
import { withContext } from '../errors.js';
import { formatLifecycleEvent, formatTimestamp } from '../format.js';
import { CliError, type CommandDef } from '../types.js';

/** virsh's event type names; tsvirtd emits lifecycle events only so far. */
const SUPPORTED = ['lifecycle'];
const KNOWN = [
  'lifecycle', 'reboot', 'rtc-change', 'watchdog', 'io-error', 'graphics', 'io-error-reason', 'control-error',
  'block-job', 'disk-change', 'tray-change', 'pm-wakeup', 'pm-suspend', 'balloon-change', 'pm-suspend-disk',
  'device-removed', 'block-job-2', 'tunable', 'agent-lifecycle', 'device-added', 'migration-iteration',
  'job-completed', 'device-removal-failed', 'metadata-change', 'block-threshold', 'memory-failure',
  'memory-device-size-change',
];

export const eventCommand: CommandDef = {
  name: 'event', group: 'events', summary: 'Domain Events', description: 'List event types, or wait for domain events to occur',
  json: true,
  opts: [
    { name: 'domain', type: 'string', help: 'filter by domain name, id or uuid' },
    { name: 'event', type: 'string', help: 'which event type to wait for' },
    { name: 'all', type: 'bool', help: 'wait for all events instead of just one type' },
    { name: 'loop', type: 'bool', help: 'loop until timeout or interrupt, rather than one-shot' },
    { name: 'timeout', type: 'number', help: 'timeout seconds' },
    { name: 'list', type: 'bool', help: 'list valid event types' },
    { name: 'timestamp', type: 'bool', help: 'show timestamp for each printed event' },
  ],
  async handler(ctx, args) {
    if (args.bool('list')) {
      ctx.out(SUPPORTED.map((e) => e + '\n').join(''));
      return;
    }
    const type = args.str('event');
    if (type !== undefined && args.bool('all')) throw new CliError('Options --all and --event are mutually exclusive');
    if (type === undefined && !args.bool('all')) throw new CliError('one of --list, --all, or --event <type> is required');
    if (type !== undefined && !KNOWN.includes(type)) throw new CliError(`unknown event type ${type}`);
    if (type !== undefined && !SUPPORTED.includes(type)) throw new CliError(`event type '${type}' is not supported by tsvirtd yet`);
    const timeout = args.num('timeout');
    if (timeout !== undefined && timeout < 1) throw new CliError(`Numeric value '${args.str('timeout')}' for <timeout> option is malformed or out of range`);
    const c = await ctx.client();
    const domArg = args.str('domain');
    const uuid = domArg === undefined ? undefined
      : (await withContext({ domain: domArg }, () => c.call('domain.lookup', { domain: domArg }))).uuid;
    const loop = args.bool('loop');
    let count = 0;
    let outcome = 'done' as 'done' | 'timeout' | 'interrupt';
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const onEvent = (ev: LifecycleEvent) => {
      if (ev.type !== 'lifecycle' || (uuid !== undefined && ev.domain.uuid !== uuid)) return;
      count++;
      if (args.json) ctx.out(JSON.stringify(ev) + '\n');
      else ctx.out((args.bool('timestamp') ? formatTimestamp(ev.time) : '') + formatLifecycleEvent(ev));
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
    if (args.json) return;
    if (outcome === 'timeout') ctx.out('event loop timed out\n');
    if (outcome === 'interrupt') ctx.out('event loop interrupted\n');
    ctx.out(`events received: ${count}\n`);
  },
};
