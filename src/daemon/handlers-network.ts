// Network API methods (network.*) and the domain NIC calls that need leases or QMP.
import type { Handlers } from './dispatch.js';
import type { NetworkService } from './network-service.js';
import type { DomainService } from './domain-service.js';
import type { NetInterface } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { setLink } from '../qemu/qmp-commands.js';
import { netAlias } from '../qemu/argv-net.js';
import { readArpTable } from '../host/arp-table.js';

type NetHandlers = Pick<Handlers, Extract<keyof Handlers, `network.${string}` | 'domain.interfaceAddresses' | 'domain.getInterfaceLink' | 'domain.setInterfaceLink'>>;

function findIface(list: NetInterface[], ref: string, dom: string): number {
  const i = list.findIndex((n) => n.target?.dev === ref || n.mac === ref.toLowerCase());
  if (i < 0) throw new TsvirtError('invalid-arg', `domain '${dom}' has no interface with target device or MAC '${ref}'`);
  return i;
}

export function makeNetworkHandlers(nets: NetworkService, domains: DomainService): NetHandlers {
  const running = (ref: string) => {
    const e = domains.registry.lookup(ref);
    if (!e.vm) throw new TsvirtError('operation-invalid', `domain '${e.config.name}' is not running`);
    return { e, vm: e.vm };
  };
  return {
    'network.list': () => ({ networks: nets.list() }),
    'network.lookup': (p) => nets.summary(nets.lookup(p.network)),
    'network.define': (p) => nets.define(p.xml),
    'network.create': (p) => nets.create(p.xml),
    'network.start': async (p) => (await nets.start(p.network), {}),
    'network.destroy': async (p) => (await nets.destroy(p.network), {}),
    'network.undefine': async (p) => (await nets.undefine(p.network), {}),
    'network.setAutostart': async (p) => (await nets.setAutostart(p.network, p.autostart), {}),
    'network.getXml': (p) => ({ xml: nets.getXml(p.network, p.inactive) }),
    'network.getLeases': async (p) => ({ leases: await nets.leases(p.network, p.mac) }),
    'network.update': async (p) => (await nets.update(p.network, p), {}),

    'domain.interfaceAddresses': async (p) => {
      const { vm } = running(p.domain);
      // as libvirt's qemuARPGetInterfaces: one entry per neighbour with the NIC's MAC, no prefix
      if (p.source === 'arp') {
        const table = await readArpTable();
        return {
          interfaces: vm.live.devices.interfaces.flatMap((n) => table.filter((e) => e.mac === n.mac)
            .map((e) => ({ name: n.target?.dev ?? '-', mac: n.mac, addrs: [{ ip: e.ip, prefix: 0 }] }))),
        };
      }
      const out = [];
      for (const n of vm.live.devices.interfaces) {
        let addrs: Array<{ ip: string; prefix: number }> = [];
        if (n.type === 'network' && n.source?.network) {
          addrs = (await nets.leases(n.source.network, n.mac).catch(() => [])).map((l) => ({ ip: l.ip, prefix: l.prefix }));
        }
        out.push({ name: n.target?.dev ?? '-', mac: n.mac, addrs });
      }
      return { interfaces: out };
    },
    'domain.getInterfaceLink': (p) => {
      const e = domains.registry.lookup(p.domain);
      const list = (e.vm?.live ?? e.config).devices.interfaces;
      return { state: list[findIface(list, p.iface, e.config.name)].link ?? 'up' };
    },
    'domain.setInterfaceLink': async (p) => {
      const { e, vm } = running(p.domain);
      const i = findIface(vm.live.devices.interfaces, p.iface, e.config.name);
      await setLink(vm.monitor, `host${vm.live.devices.interfaces[i].alias ?? netAlias(i)}`, p.state === 'up');
      vm.live.devices.interfaces[i].link = p.state;
      return {};
    },
  };
}
