// The command table: every tsvirt command is one entry here (options, help, handler).
import { consoleCommand } from './commands/console.js';
import { editCommand } from './commands/edit.js';
import { eventCommand } from './commands/event.js';
import { netEventCommand, poolEventCommand } from './commands/object-events.js';
import { helpFor } from './commands/help.js';
import { hostCommands } from './commands/host.js';
import { infoCommands } from './commands/info.js';
import { lifecycleCommands } from './commands/lifecycle.js';
import { listCommand } from './commands/list.js';
import { poolCommands } from './commands/pool.js';
import { volumeCommands } from './commands/volume.js';
import { deviceCommands } from './commands/devices.js';
import { networkCommands } from './commands/network.js';
import { interfaceCommands } from './commands/interface.js';
import { nodedevCommands } from './commands/nodedev.js';
import { agentCommands } from './commands/agent.js';
import { uiCommand } from './commands/ui.js';
import { cloudInitCommand } from './commands/cloud-init.js';
import { qemuAgentCommand } from './commands/qemu-agent-command.js';
import { memoryCommands } from './commands/memory.js';
import { snapshotCommands } from './commands/snapshot.js';
import { saveCommands } from './commands/save.js';
import { migrateCommands } from './commands/migrate.js';
import { jobCommands } from './commands/job.js';
import { blockJobCommands } from './commands/blockjob.js';
import { statsCommands } from './commands/stats.js';
import { nodeStatsCommands } from './commands/node-stats.js';
import type { CommandDef } from './types.js';

/** Thrown by quit/exit: the runner stops reading commands. */
export class QuitSignal extends Error {}

const helpCommand: CommandDef = {
  name: 'help', group: 'virsh', summary: 'print help',
  description: 'Prints global help, command specific help, or help for a\n    group of related commands',
  opts: [{
    name: 'command', type: 'string', positional: true,
    help: 'Prints global help, command specific help, or help for a group of related commands',
  }],
  async handler(ctx, args) {
    ctx.out(helpFor(args.str('command'), COMMANDS));
  },
};

const quit = (name: string): CommandDef => ({
  name, group: 'virsh', summary: 'quit this interactive terminal', opts: [],
  async handler() {
    throw new QuitSignal();
  },
});

export const COMMANDS: CommandDef[] = [
  listCommand, ...lifecycleCommands, ...infoCommands, editCommand, consoleCommand, eventCommand, netEventCommand, poolEventCommand,
  ...hostCommands, ...poolCommands, ...volumeCommands, ...deviceCommands, ...networkCommands, ...interfaceCommands, ...nodedevCommands, ...agentCommands, ...memoryCommands, ...snapshotCommands, ...saveCommands, ...migrateCommands, ...jobCommands, ...blockJobCommands, ...statsCommands, ...nodeStatsCommands, uiCommand, cloudInitCommand, qemuAgentCommand, helpCommand, quit('quit'), quit('exit'),
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export function findCommand(name: string): CommandDef | undefined {
  return BY_NAME.get(name);
}
