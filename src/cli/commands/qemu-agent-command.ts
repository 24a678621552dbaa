// virsh qemu-agent-command: sends a JSON command to the domain's QEMU guest agent and prints
// the agent's whole reply (tools/virsh-domain.c cmdQemuAgentCommand).
import { AGENT_COMMAND_TIMEOUT } from '../../protocol/methods-agent-command.js';
import { withContext } from '../errors.js';
import { CliError, type CommandDef } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

export const qemuAgentCommand: CommandDef = {
  name: 'qemu-agent-command', group: 'domain', summary: 'QEMU Guest Agent Command',
  description: 'Run an arbitrary qemu guest agent command; use at your own risk',
  opts: [
    DOMAIN_OPT,
    { name: 'timeout', type: 'string', help: 'timeout seconds. must be positive.' },
    { name: 'async', type: 'bool', help: 'execute command without waiting for timeout' },
    { name: 'block', type: 'bool', help: 'execute command without timeout' },
    { name: 'pretty', type: 'bool', help: 'pretty-print the output' },
    { name: 'cmd', type: 'data', required: true, multiple: true, help: 'command' },
  ],
  async handler(ctx, args) {
    const domain = args.str('domain')!;
    for (const [a, b] of [['timeout', 'async'], ['timeout', 'block'], ['async', 'block']] as const) {
      if (args.values[a] !== undefined && args.values[b] !== undefined) throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
    }
    let timeout: number = AGENT_COMMAND_TIMEOUT.DEFAULT;
    const seconds = args.num('timeout');
    if (seconds !== undefined) {
      if (seconds < 1) throw new CliError('timeout value must be positive');
      timeout = seconds;
    }
    if (args.bool('async')) timeout = AGENT_COMMAND_TIMEOUT.NOWAIT;
    if (args.bool('block')) timeout = AGENT_COMMAND_TIMEOUT.BLOCK;
    const command = args.list('cmd').join(' ');
    const c = await ctx.client();
    const { result } = await withContext({ domain }, () => c.call('domain.agentCommand', { domain, command, timeout }));
    ctx.out(`${args.bool('pretty') ? JSON.stringify(JSON.parse(result), null, 2) : result}\n`);
  },
};
