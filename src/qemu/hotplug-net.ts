// NIC hot-plug: netdev_add + device_add with the bodies the command line uses
// (argv-net.ts). The tap was created and put on its bridge by the network resource
// provider; QEMU opens it by name (ifname=) because a descriptor cannot be handed over
// QMP from Node (getfd needs SCM_RIGHTS): see src/host/tap.ts. Detach: device_del,
// DEVICE_DELETED, netdev_del, and the tap is deleted.
import { closeSync } from 'node:fs';
import type { NetInterface } from '../conf/domain-types.js';
import { deleteLink, getLink } from '../host/link.js';
import { TsvirtError } from '../util/errors.js';
import { TAP_TYPES, netAlias, netDeviceProps, netdevProps } from './argv-net.js';
import type { HotplugHandler } from './hotplug.js';
import { unplugDevice } from './hotplug-wait.js';
import * as qmp from './qmp-commands.js';

/** 'net3' -> 'hostnet3', as argv-net.ts pairs them */
const netdevOf = (alias: string) => `host${alias}`;

/** The first netN alias no NIC of the domain uses (cold-plugged NICs are net<index>). */
function freeIndex(ifaces: NetInterface[], self: NetInterface): number {
  const used = new Set(ifaces.filter((n) => n !== self).map((n, i) => n.alias ?? netAlias(i)));
  let n = 0;
  while (used.has(netAlias(n))) n++;
  return n;
}

export const netHotplug: HotplugHandler<NetInterface> = {
  async attach(vm, iface, ctx) {
    // the descriptor the provider opened cannot reach QEMU: QEMU opens the tap by name
    for (const fd of Object.values(ctx.resources?.tapFds ?? {})) closeSync(fd);
    const index = freeIndex(ctx.dom.devices.interfaces, iface);
    const id = netAlias(index);
    let netdev: Record<string, unknown> | undefined;
    if (!TAP_TYPES.has(iface.type)) {
      // user, socket types: the cold-plug body with this NIC's ids (null: no netdev)
      netdev = netdevProps(iface, index, undefined);
      if (netdev) netdev.id = netdevOf(id);
    } else {
      const tap = iface.target?.dev;
      if (!tap) throw new TsvirtError('internal-error', `interface ${iface.mac}: no tap was prepared for it`);
      netdev = { type: 'tap', id: netdevOf(id), ifname: tap, script: 'no', downscript: 'no' };
    }
    if (netdev) await qmp.netdevAdd(vm.monitor, netdev);
    try {
      await qmp.deviceAdd(vm.monitor, netDeviceProps(iface, index, ctx.dom, ctx.caps));
      if (iface.link === 'down') await qmp.setLink(vm.monitor, netdevOf(id), false);
    } catch (e) {
      if (netdev) await qmp.netdevDel(vm.monitor, netdevOf(id)).catch(() => undefined);
      throw e;
    }
    iface.alias = id;
  },

  async detach(vm, iface, ctx) {
    const id = iface.alias ?? netAlias(ctx.dom.devices.interfaces.indexOf(iface));
    await unplugDevice(vm, id);
    await qmp.netdevDel(vm.monitor, netdevOf(id)).catch(() => undefined);
    const tap = iface.target?.dev;
    if (tap && (await getLink(tap))?.alias?.startsWith('tsvirt:')) await deleteLink(tap);
  },
};
