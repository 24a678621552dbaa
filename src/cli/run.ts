// Runs parsed command lines against one shared context, printing as virsh does:
// a blank line after every command that ran (not with -q or --json), errors on stderr.
import { formatError } from './errors.js';
import { parseArgs } from './parse-args.js';
import { findCommand, QuitSignal } from './registry.js';
import { Args, CliError, type CommandDef, type Ctx } from './types.js';

export interface Prepared {
  cmd: CommandDef;
  args: Args;
}

/** Looks up and parses one command's words; throws CliError with virsh's message. */
export function prepare(words: string[]): Prepared {
  const [name, ...rest] = words;
  const cmd = findCommand(name!);
  if (!cmd) throw new CliError(`unknown command: '${name}'`);
  // as virsh: `CMD ... --help` (before any `--`) is `help CMD`, whatever else the line holds
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).includes('--help')) {
    const help = findCommand('help')!;
    return { cmd: help, args: parseArgs(help, [cmd.name]) };
  }
  return { cmd, args: parseArgs(cmd, rest) };
}

export type Outcome = 'ok' | 'failed' | 'fatal' | 'quit';

export function reportError(ctx: Ctx, e: unknown): boolean {
  const f = formatError(e);
  for (const l of f.lines) ctx.err(l + '\n');
  if (process.env.TSVIRT_DEBUG === '1' && e instanceof Error && e.stack) ctx.err(e.stack + '\n');
  return f.fatal;
}

export async function execute(ctx: Ctx, p: Prepared): Promise<Outcome> {
  let outcome: Outcome = 'ok';
  let error: unknown;
  try {
    await p.cmd.handler(ctx, p.args);
  } catch (e) {
    if (e instanceof QuitSignal) return 'quit';
    error = e;
    outcome = 'failed';
  }
  // virsh connects before running anything: a connection failure prints no blank line
  const fatal = outcome === 'failed' && formatError(error).fatal;
  if (!ctx.quiet && !p.args.json && !fatal) ctx.out('\n');
  if (outcome === 'failed') reportError(ctx, error);
  return fatal ? 'fatal' : outcome;
}

/** Parses every command first (a syntax error runs nothing, as virsh), then runs them in order. */
export async function runAll(ctx: Ctx, commands: string[][]): Promise<number> {
  let prepared: Prepared[];
  try {
    prepared = commands.map(prepare);
  } catch (e) {
    reportError(ctx, e);
    return 1;
  }
  let code = 0;
  for (const p of prepared) {
    const o = await execute(ctx, p);
    if (o === 'quit') break;
    if (o !== 'ok') code = 1;
    if (o === 'fatal') break;
  }
  return code;
}

/** One line of a script or interactive session: parse errors fail only this line. */
export async function runLine(ctx: Ctx, commands: () => string[][]): Promise<Outcome> {
  let prepared: Prepared[];
  try {
    prepared = commands().map(prepare);
  } catch (e) {
    reportError(ctx, e);
    return 'failed';
  }
  let result: Outcome = 'ok';
  for (const p of prepared) {
    const o = await execute(ctx, p);
    if (o === 'quit' || o === 'fatal') return o;
    if (o === 'failed') result = 'failed';
  }
  return result;
}
