// domain.agentCommand (virsh qemu-agent-command), as libvirt's qemuDomainQemuAgentCommand:
// a running domain with its agent connected, the domain tainted once per run, the command
// object sent as given and the whole reply returned as JSON text.
import { TsvirtError } from '../util/errors.js';
import { AGENT_COMMAND_TIMEOUT } from '../protocol/methods-agent-command.js';
import type { QemuVm } from '../qemu/vm.js';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import type { Logger } from './log.js';

type AgentCommandHandlers = Pick<Handlers, 'domain.agentCommand'>;

/** the runs already tainted (libvirt warns once per domain run) */
const tainted = new WeakSet<QemuVm>();

/** libvirt's timeout number -> seconds for GuestAgent */
function timeoutSec(timeout: number): number {
  if (timeout < AGENT_COMMAND_TIMEOUT.BLOCK) {
    throw new TsvirtError('invalid-arg', `guest agent timeout '${timeout}' is less than the minimum '${AGENT_COMMAND_TIMEOUT.BLOCK}'`);
  }
  if (timeout === AGENT_COMMAND_TIMEOUT.BLOCK) return Infinity;
  if (timeout === AGENT_COMMAND_TIMEOUT.DEFAULT) return 5; // QEMU_AGENT_WAIT_TIME
  return timeout;
}

function parseCommand(text: string): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new TsvirtError('internal-error', `cannot parse json ${text}: ${(e as Error).message}`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new TsvirtError('internal-error', `cannot parse json ${text}: not a JSON object`);
  }
  return obj as Record<string, unknown>;
}

export function makeAgentCommandHandlers(service: DomainService, log: Logger): AgentCommandHandlers {
  return {
    'domain.agentCommand': async (p) => {
      const entry = service.registry.lookup(p.domain);
      const vm = entry.vm;
      if (!vm || !vm.running) throw new TsvirtError('operation-invalid', 'domain is not running');
      const agent = vm.requireAgent();
      const seconds = timeoutSec(p.timeout ?? AGENT_COMMAND_TIMEOUT.DEFAULT);
      if (!tainted.has(vm)) {
        tainted.add(vm);
        log.warn(`Domain id=${entry.id ?? -1} name='${entry.config.name}' uuid=${entry.config.uuid} is tainted: custom-ga-command`);
      }
      const reply = await agent.commandObject(parseCommand(p.command), { timeoutSec: seconds });
      if (reply === undefined) throw new TsvirtError('internal-error', 'Missing agent reply object');
      return { result: JSON.stringify(reply) };
    },
  };
}
