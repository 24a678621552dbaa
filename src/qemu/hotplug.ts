// THE hot-plug registry: how a device of each kind is added to / removed from a running
// QEMU. The daemon's device service (src/daemon/device-service.ts) parses the device XML
// (src/conf/device-xml.ts: {kind, device}), places it in a copy of the live definition
// (defaults fill its address), calls the handler of its kind, and on success makes that
// copy the live definition and saves the status file. A handler only talks to QEMU.
//
// Adding a kind (interface, hostdev, ...): write src/qemu/hotplug-<kind>.ts exporting a
// HotplugHandler<DeviceKinds['<kind>']> and add one line to HANDLERS below (or call
// registerHotplug at start-up). Build QMP bodies with the same argv builders as the
// command line (argv-<family>.ts), so a hot-plugged device equals a cold-plugged one.
import type { DeviceKind, DeviceKinds } from '../conf/device-xml.js';
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import type { QemuCaps } from './caps-types.js';
import type { PreparedResources } from './host-resources.js';
import { diskHotplug } from './hotplug-disk.js';
import { hostdevHotplug } from './hotplug-hostdev.js';
import { netHotplug } from './hotplug-net.js';
import type { QemuVm } from './vm.js';

export interface HotplugContext {
  caps: QemuCaps;
  /**
   * attach/update: the live definition WITH the device in place and defaults applied (its
   * PCI/drive address assigned); detach: the live definition still holding it.
   */
  dom: Domain;
  /** what the resource providers prepared for this one device (disk paths by index 0, tap fds, ...) */
  resources?: PreparedResources;
}

export interface HotplugHandler<T> {
  /** adds `device` to the running VM; on failure undoes its own partial steps and throws */
  attach(vm: QemuVm, device: T, ctx: HotplugContext): Promise<void>;
  /** removes it; resolves once the guest released it and the backends are gone */
  detach(vm: QemuVm, device: T, ctx: HotplugContext): Promise<void>;
  /** changes a live device in place (update-device); absent: not supported for the kind */
  update?(vm: QemuVm, device: T, ctx: HotplugContext): Promise<void>;
}

type Handlers = { [K in DeviceKind]?: HotplugHandler<DeviceKinds[K]> };

const HANDLERS: Handlers = {
  disk: diskHotplug,
  hostdev: hostdevHotplug,
  interface: netHotplug,
};

export function registerHotplug<K extends DeviceKind>(kind: K, handler: HotplugHandler<DeviceKinds[K]>): void {
  (HANDLERS as Record<string, unknown>)[kind] = handler;
}

/** The handler of `kind`, or an operation-unsupported error naming the kind. */
export function hotplugHandler<K extends DeviceKind>(kind: K): HotplugHandler<DeviceKinds[K]> {
  const h = HANDLERS[kind] as HotplugHandler<DeviceKinds[K]> | undefined;
  if (!h) throw new TsvirtError('operation-unsupported', `live attach/detach of device type '${kind}' is not supported`);
  return h;
}
