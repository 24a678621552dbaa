// Handlers of the guest agent methods (src/protocol/methods-agent.ts): each finds the
// running domain, takes its guest agent (libvirt's errors when there is none or it is not
// connected) and runs the guest-* commands of src/qemu/agent-commands.ts.
import type { GuestInfo } from '../protocol/methods-agent.js';
import { TsvirtError } from '../util/errors.js';
import * as ga from '../qemu/agent-commands.js';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import type { NetworkService } from './network-service.js';

type AgentHandlers = Pick<Handlers, 'domain.agentInterfaces' | 'domain.fsInfo' | 'domain.fsFreeze' | 'domain.fsThaw' | 'domain.getTime'
  | 'domain.setTime' | 'domain.guestInfo' | 'domain.setUserPassword' | 'domain.getHostname'>;

type InfoType = 'users' | 'os' | 'timezone' | 'hostname' | 'filesystem' | 'disks' | 'interfaces';

export function makeAgentHandlers(service: DomainService, networks: NetworkService): AgentHandlers {
  const running = (ref: string) => {
    const e = service.registry.lookup(ref);
    if (!e.vm || !e.vm.running) throw new TsvirtError('operation-invalid', 'domain is not running');
    return { e, vm: e.vm };
  };
  const agentOf = (ref: string) => {
    const { vm } = running(ref);
    return { vm, agent: vm.requireAgent() };
  };

  /** libvirt's qemuDomainGetHostnameLease: the first lease with a host name, NIC by NIC */
  const leaseHostname = async (ref: string): Promise<string | undefined> => {
    const { vm } = running(ref);
    for (const n of vm.live.devices.interfaces) {
      if (n.type !== 'network' || !n.source?.network) continue;
      const leases = await networks.leases(n.source.network, n.mac);
      const named = leases.find((l) => l.hostname);
      if (named?.hostname) return named.hostname;
    }
    return undefined;
  };

  return {
    'domain.agentInterfaces': async (p) => ({ interfaces: await ga.agentInterfaces(agentOf(p.domain).agent) }),
    'domain.fsInfo': async (p) => {
      const { vm, agent } = agentOf(p.domain);
      return { filesystems: await ga.agentFilesystems(agent, vm.live) };
    },
    'domain.fsFreeze': async (p) => ({ count: await ga.agentFsFreeze(agentOf(p.domain).agent, p.mountpoints) }),
    'domain.fsThaw': async (p) => {
      // qemu-ga thaws everything at once (libvirt's qemuDomainFSThaw says the same)
      if (p.mountpoints?.length) throw new TsvirtError('argument-unsupported', 'specifying mountpoints is not supported');
      return { count: await ga.agentFsThaw(agentOf(p.domain).agent) };
    },
    'domain.getTime': async (p) => ga.agentGetTime(agentOf(p.domain).agent),
    'domain.setTime': async (p) => {
      const { agent } = agentOf(p.domain);
      if (p.sync) await ga.agentSetTime(agent);
      else if (p.seconds === undefined) throw new TsvirtError('invalid-arg', 'a time to set (seconds) or sync is required');
      else await ga.agentSetTime(agent, { seconds: p.seconds, nseconds: p.nseconds ?? 0 });
      return {};
    },
    'domain.guestInfo': async (p) => {
      const { vm, agent } = agentOf(p.domain);
      const asked = new Set<InfoType>(p.types?.length ? p.types : ['users', 'os', 'timezone', 'hostname', 'filesystem', 'disks', 'interfaces']);
      // with no kind asked for, libvirt skips what this agent cannot do; asked for, it is an error
      const lenient = !p.types?.length;
      const part = async <T>(type: InfoType, fn: () => Promise<T>): Promise<T | undefined> => {
        if (!asked.has(type)) return undefined;
        try {
          return await fn();
        } catch (e) {
          if (lenient && ga.isUnsupportedByAgent(e)) return undefined;
          throw e;
        }
      };
      const info: GuestInfo = {};
      info.users = await part('users', () => ga.agentUsers(agent));
      info.os = await part('os', () => ga.agentOsInfo(agent));
      info.timezone = await part('timezone', () => ga.agentTimezone(agent));
      info.hostname = await part('hostname', () => ga.agentHostname(agent));
      info.filesystems = await part('filesystem', () => ga.agentFilesystems(agent, vm.live));
      info.disks = await part('disks', () => ga.agentDisks(agent, vm.live));
      info.interfaces = await part('interfaces', () => ga.agentInterfaces(agent));
      for (const k of Object.keys(info) as Array<keyof GuestInfo>) if (info[k] === undefined) delete info[k];
      return info;
    },
    'domain.setUserPassword': async (p) => {
      await ga.agentSetUserPassword(agentOf(p.domain).agent, p.user, p.password, p.encrypted ?? false);
      return {};
    },
    'domain.getHostname': async (p) => {
      const hostname = p.source === 'lease' ? await leaseHostname(p.domain) : await ga.agentHostname(agentOf(p.domain).agent);
      if (!hostname) throw new TsvirtError('no-hostname', `no hostname found for domain ${service.registry.lookup(p.domain).config.name}`);
      return { hostname };
    },
  };
}
