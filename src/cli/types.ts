// The command table's shapes: every command is one CommandDef (options, help, handler).
import type { Client } from '../client/client.js';

export type OptType = 'bool' | 'string' | 'number' | 'data';

export interface OptDef {
  name: string;
  type: OptType;
  help: string;
  /** missing -> "command 'x' requires <name> option" */
  required?: boolean;
  /** filled by a bare word; true for every 'data' option */
  positional?: boolean;
  aliases?: string[];
  /** may be given again and again (virsh's VSH_OT_ARGV): read with Args.list */
  multiple?: boolean;
}

/** virsh's help groups, in virsh's order. */
export const GROUPS = {
  domain: 'Domain Management',
  monitor: 'Domain Monitoring',
  events: 'Domain Events',
  host: 'Host and Hypervisor',
  network: 'Networking',
  snapshot: 'Snapshot',
  pool: 'Storage Pool',
  volume: 'Storage Volume',
  virsh: 'Virsh itself',
} as const;
export type GroupKey = keyof typeof GROUPS;

export type OptValue = string | boolean | string[];
export type ParsedOpts = Record<string, OptValue>;

export interface CommandDef {
  name: string;
  group: GroupKey;
  summary: string;
  description?: string;
  opts: OptDef[];
  /** adds --json: print the API result as JSON */
  json?: boolean;
  handler: (ctx: Ctx, args: Args) => Promise<void>;
}

/** What a handler may use: output, the one shared client, terminal streams. */
export interface Ctx {
  quiet: boolean;
  uri: string | undefined;
  readonly: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Lazily connected client, shared by every command of one invocation. */
  client(): Promise<Client>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** "Domain 'x' started" lines: suppressed by -q, as virsh's vshPrintExtra */
  extra(text: string): void;
}

/** A CLI-level failure: each line is printed as `error: <line>`. */
export class CliError extends Error {
  readonly lines: string[];
  constructor(...lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
    this.name = 'CliError';
  }
}

/** Parsed options of one command with typed getters. */
export class Args {
  constructor(readonly cmd: CommandDef, readonly values: ParsedOpts) {}
  bool(name: string): boolean {
    return this.values[name] === true;
  }
  /** every value of a `multiple` option, in order */
  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  }
  str(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }
  /** virsh checks numbers when the handler reads them (so the error comes after the command ran). */
  num(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!/^[+]?\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) {
      throw new CliError(`Numeric value '${v}' for <${name}> option is malformed or out of range`);
    }
    return Number(v);
  }
  get json(): boolean {
    return this.bool('json');
  }
}
