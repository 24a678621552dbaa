// virsh event: waits for domain events and prints virsh's lines (or JSON lines).
import type { TsvirtEvent } from '../../protocol/types.js';
import { withContext } from '../errors.js';
import { formatLifecycleEvent } from '../format.js';
import { CliError, type CommandDef } from '../types.js';
import { EVENT_LOOP_OPTS, eventLoop, timeoutOf } from './event-loop.js';

/** virsh's event type names, and the ones tsvirtd emits (with the line virsh prints for each) */
const SUPPORTED: Record<string, (ev: TsvirtEvent) => string | undefined> = {
  lifecycle: (ev) => (ev.type === 'lifecycle' ? formatLifecycleEvent(ev) : undefined),
  'device-removed': (ev) => (ev.type === 'device-removed' ? `event 'device-removed' for domain '${ev.domain.name}': ${ev.alias}\n` : undefined),
  // virsh's words for the state and reason (virshEventAgentLifecycleState/Reason)
  'agent-lifecycle': (ev) => (ev.type === 'agent-lifecycle'
    ? `event 'agent-lifecycle' for domain '${ev.domain.name}': state: '${ev.state}' reason: '${{ unknown: 'unknown', 'domain-started': 'domain started', channel: 'channel event' }[ev.reason]}'\n`
    : undefined),
};
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
    ...EVENT_LOOP_OPTS,
  ],
  async handler(ctx, args) {
    if (args.bool('list')) {
      ctx.out(Object.keys(SUPPORTED).map((e) => e + '\n').join(''));
      return;
    }
    const type = args.str('event');
    if (type !== undefined && args.bool('all')) throw new CliError('Options --all and --event are mutually exclusive');
    if (type === undefined && !args.bool('all')) throw new CliError('one of --list, --all, or --event <type> is required');
    if (type !== undefined && !KNOWN.includes(type)) throw new CliError(`unknown event type ${type}`);
    if (type !== undefined && !SUPPORTED[type]) throw new CliError(`event type '${type}' is not supported by tsvirtd yet`);
    const timeout = timeoutOf(args);
    const domArg = args.str('domain');
    const uuid = domArg === undefined ? undefined
      : (await withContext({ domain: domArg }, async () => (await ctx.client()).call('domain.lookup', { domain: domArg }))).uuid;
    const printers = type === undefined ? Object.values(SUPPORTED) : [SUPPORTED[type]!];
    await eventLoop(ctx, args, timeout, (ev) => {
      if (!('domain' in ev) || (uuid !== undefined && ev.domain.uuid !== uuid)) return undefined;
      for (const p of printers) {
        const text = p(ev);
        if (text !== undefined) return text;
      }
      return undefined;
    });
  },
};
