// virsh-style help: grouped command list, one group, or one command's NAME/SYNOPSIS/OPTIONS.
import { optionsOf } from '../parse-args.js';
import { CliError, GROUPS, type CommandDef, type GroupKey, type OptDef } from '../types.js';

function synopsisPart(o: OptDef): string {
  const kind = o.type === 'number' ? 'number' : 'string';
  if (o.multiple) return `[[--${o.name}] <${kind}>]...`;
  switch (o.type) {
    case 'bool': return `[--${o.name}]`;
    case 'data': return o.required ? `<${o.name}>` : `[<${o.name}>]`;
    default: return o.required ? `--${o.name} <${kind}>` : `[--${o.name} <${kind}>]`;
  }
}

function optionLabel(o: OptDef): string {
  const kind = o.type === 'number' ? 'number' : 'string';
  if (o.type === 'bool') return `--${o.name}`;
  if (o.type === 'data' || o.multiple) return `[--${o.name}] <${kind}>`;
  return `--${o.name} <${kind}>`;
}

export function commandHelp(cmd: CommandDef): string {
  const opts = optionsOf(cmd);
  let s = `  NAME\n    ${cmd.name} - ${cmd.summary}\n\n`;
  s += `  SYNOPSIS\n    ${[cmd.name, ...opts.map(synopsisPart)].join(' ')}\n\n`;
  if (cmd.description) s += `  DESCRIPTION\n    ${cmd.description}\n\n`;
  if (opts.length) {
    s += '  OPTIONS\n';
    for (const o of opts) s += `    ${optionLabel(o).padEnd(15)}  ${o.help}\n`;
    s += '\n';
  }
  return s;
}

function groupHelp(key: GroupKey, cmds: CommandDef[]): string {
  let s = ` ${GROUPS[key]} (help keyword '${key}'):\n`;
  for (const c of cmds.filter((x) => x.group === key).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    s += `    ${c.name.padEnd(30)} ${c.summary}\n`;
  }
  return s;
}

export function groupedHelp(cmds: CommandDef[]): string {
  let s = 'Grouped commands:\n\n';
  for (const key of Object.keys(GROUPS) as GroupKey[]) {
    if (cmds.some((c) => c.group === key)) s += groupHelp(key, cmds) + '\n';
  }
  return s;
}

export function helpFor(topic: string | undefined, cmds: CommandDef[]): string {
  if (topic === undefined) return groupedHelp(cmds);
  const cmd = cmds.find((c) => c.name === topic);
  if (cmd) return commandHelp(cmd);
  if (topic in GROUPS) return groupHelp(topic as GroupKey, cmds);
  throw new CliError(`command or command group '${topic}' doesn't exist`);
}

/** `tsvirt -h`: usage, global options, then the command groups. */
export function usage(cmds: CommandDef[]): string {
  let s = '\ntsvirt [options]... [<command_string>]\ntsvirt [options]... <command> [args...]\n\n  options:\n';
  s += '    -c | --connect=URI      hypervisor connection URI\n';
  s += '    -h | --help             this help\n';
  s += '    -q | --quiet            quiet mode\n';
  s += '    -r | --readonly         connect readonly\n';
  s += '    -v | --version          short version\n';
  s += '  commands (non interactive mode):\n\n';
  for (const key of Object.keys(GROUPS) as GroupKey[]) {
    if (cmds.some((c) => c.group === key)) s += groupHelp(key, cmds).replace(':\n', '\n') + '\n';
  }
  s += '  (specify help <group> for details about the commands in the group)\n\n';
  s += '  (specify help <command> for details about the command)\n\n';
  return s;
}
