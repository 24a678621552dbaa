// Turns one command's words into option values, with virsh's error messages.
import { Args, CliError, type CommandDef, type OptDef, type ParsedOpts } from './types.js';

export const JSON_OPT: OptDef = { name: 'json', type: 'bool', help: 'print the result as JSON (tsvirt extension)' };

export function optionsOf(cmd: CommandDef): OptDef[] {
  return cmd.json ? [...cmd.opts, JSON_OPT] : cmd.opts;
}

function isPositional(o: OptDef): boolean {
  return o.type === 'data' || o.positional === true;
}

export function parseArgs(cmd: CommandDef, words: string[]): Args {
  const opts = optionsOf(cmd);
  const byName = new Map<string, OptDef>();
  for (const o of opts) {
    byName.set(o.name, o);
    for (const a of o.aliases ?? []) byName.set(a, o);
  }
  const values: ParsedOpts = {};
  const set = (o: OptDef, v: string | boolean) => {
    if (o.multiple && typeof v === 'string') {
      values[o.name] = [...((values[o.name] as string[] | undefined) ?? []), v];
      return;
    }
    if (o.name in values) throw new CliError(`option --${o.name} already seen`);
    values[o.name] = v;
  };
  let onlyData = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!onlyData && w === '--') { onlyData = true; continue; }
    if (!onlyData && w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const name = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      const o = byName.get(name);
      if (!o) throw new CliError(`command '${cmd.name}' doesn't support option --${name}`);
      if (o.type === 'bool') {
        if (eq >= 0) throw new CliError(`invalid '=' after option --${o.name}`);
        set(o, true);
        continue;
      }
      let v: string | undefined;
      if (eq >= 0) v = w.slice(eq + 1);
      else if (i + 1 < words.length) v = words[++i];
      if (v === undefined) throw new CliError(`expected syntax: --${o.name} <${o.type === 'number' ? 'number' : 'string'}>`);
      set(o, v);
      continue;
    }
    const next = opts.find((o) => isPositional(o) && (!(o.name in values) || o.multiple));
    if (!next) throw new CliError(`unexpected data '${w}'`);
    if (next.multiple) set(next, w);
    else values[next.name] = w;
  }
  for (const o of opts) {
    if (o.required && !(o.name in values)) {
      throw new CliError(o.type === 'data' ? `command '${cmd.name}' requires <${o.name}> option` : `command '${cmd.name}' requires --${o.name} option`);
    }
  }
  return new Args(cmd, values);
}
