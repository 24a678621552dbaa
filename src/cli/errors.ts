// The one place that turns anything thrown into virsh-style `error: ...` lines and an exit code.
import { TsvirtError, libvirtMessage } from '../protocol/errors.js';
import { CliError } from './types.js';

/** What the failing command was doing, so the message can name it as virsh does. */
export interface ErrorContext {
  /** the domain argument as given: no-domain becomes "failed to get domain 'x'" */
  domain?: string;
  /** virsh's first line, e.g. "Failed to start domain 'x'" */
  action?: string;
}

const CONNECT = 'failed to connect to the hypervisor';

export interface FormattedError {
  /** printed to stderr, one `error: ` line each, in order */
  lines: string[];
  exitCode: 1;
  /** no point running further commands (the daemon is unreachable) */
  fatal: boolean;
}

export function formatError(e: unknown, ctx: ErrorContext = {}): FormattedError {
  const done = (lines: string[], fatal = false): FormattedError => ({
    lines: lines.map((l) => `error: ${l}`), exitCode: 1, fatal,
  });
  if (e instanceof CommandError) return formatError(e.inner, { ...e.context, ...ctx });
  if (e instanceof CliError) return done(e.lines);
  if (e instanceof TsvirtError) {
    if (e.code === 'no-connect') {
      const rest = e.message.startsWith(CONNECT) ? e.message.slice(CONNECT.length).replace(/^[:\s]+/, '') : e.message;
      return done(rest ? [CONNECT, rest] : [CONNECT], true);
    }
    if (e.code === 'no-domain' && ctx.domain !== undefined) return done([`failed to get domain '${ctx.domain}'`]);
    const msg = libvirtMessage(e);
    return done(ctx.action ? [ctx.action, msg] : [msg]);
  }
  const err = e as NodeJS.ErrnoException | undefined;
  if (err && typeof err === 'object' && typeof err.message === 'string') {
    // plain system errors (reading a file, spawning the editor) read like libvirt's
    return done(ctx.action ? [ctx.action, err.message] : [err.message]);
  }
  return done([String(e)]);
}

/** An error with what the command was doing attached; formatError unwraps it. */
export class CommandError extends Error {
  constructor(readonly inner: unknown, readonly context: ErrorContext) {
    super(inner instanceof Error ? inner.message : String(inner));
    this.name = 'CommandError';
  }
}

/** Runs fn; a failure carries `context` so it prints as virsh prints it. */
export async function withContext<T>(context: ErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CommandError || e instanceof CliError) throw e;
    throw new CommandError(e, context);
  }
}
