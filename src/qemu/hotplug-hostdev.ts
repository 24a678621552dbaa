// PCI host device hot-plug: device_add of the same vfio-pci body the command line uses
// (argv-hostdev.ts); detach: device_del and wait for DEVICE_DELETED. The host side
// (vfio-pci binding, giving the device back) is the hostdev resource provider's.
import type { Hostdev } from '../conf/domain-types.js';
import { hostdevAlias, hostdevDeviceProps } from './argv-hostdev.js';
import type { HotplugHandler } from './hotplug.js';
import { unplugDevice } from './hotplug-wait.js';
import * as qmp from './qmp-commands.js';

/** hostdevN with the lowest N no other hostdev of the domain uses. */
function freeAlias(all: readonly Hostdev[], self: Hostdev): string {
  const used = new Set(all.filter((h) => h !== self).map((h) => h.alias));
  let i = 0;
  while (used.has(hostdevAlias(i))) i++;
  return hostdevAlias(i);
}

export const hostdevHotplug: HotplugHandler<Hostdev> = {
  async attach(vm, hd, ctx) {
    const list = ctx.dom.devices.hostdevs;
    const index = Math.max(0, list.indexOf(hd));
    const id = freeAlias(list, hd);
    await qmp.deviceAdd(vm.monitor, { ...hostdevDeviceProps(hd, index, ctx.dom, ctx.caps), id });
    hd.alias = id;
  },

  async detach(vm, hd, ctx) {
    const id = hd.alias ?? hostdevAlias(ctx.dom.devices.hostdevs.indexOf(hd));
    await unplugDevice(vm, id);
  },
};
