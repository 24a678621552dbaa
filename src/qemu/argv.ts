// The QEMU command line of a domain: a pure function of (domain, capabilities, context).
// Each device family has its own module whose builders return plain objects, so hot-plug
// (device_add / blockdev-add / netdev_add over QMP) reuses the very same bodies; this file only
// orders them and serialises them to argv strings.
import { TsvirtError } from '../util/errors.js';
import type { Disk, Domain, Hostdev, NetInterface } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import type { ArgPair } from './argv-common.js';
import { machineArgs, trailerArgs } from './argv-machine.js';
import { controllerArgs } from './argv-controller.js';
import { memoryDeviceArgs } from './argv-numa.js';
import { diskArgs } from './argv-disk.js';
import { iothreadArgs } from './argv-iothread.js';
import { netArgs } from './argv-net.js';
import { fsArgs } from './argv-fs.js';
import { chardevArgs } from './argv-chardev.js';
import { graphicsArgs } from './argv-graphics.js';
import { inputArgs } from './argv-input.js';
import { hostdevArgs } from './argv-hostdev.js';
import { usbDeviceArgs } from './argv-usb.js';
import { iommuArgs, platformArgs } from './argv-platform.js';
import { miscArgs } from './argv-misc.js';
import { domainMiscArgs } from './argv-domain-misc.js';
import { applyQemuNamespace } from './argv-qemu-ns.js';

export interface BootIndexes {
  disks: Map<Disk, number>;
  interfaces: Map<NetInterface, number>;
  hostdevs: Map<Hostdev, number>;
}

/**
 * bootindex per device. Per-device <boot order> wins; otherwise <os><boot dev=...> is turned
 * into bootindex 1, 2, ... on the first device of each kind (as libvirt does: QEMU's -boot order
 * is ignored by firmware when any bootindex exists).
 */
export function bootIndexes(dom: Domain): BootIndexes {
  const { disks, interfaces, hostdevs } = dom.devices;
  const out: BootIndexes = { disks: new Map(), interfaces: new Map(), hostdevs: new Map() };
  const perDevice = [...disks, ...interfaces, ...hostdevs, ...(dom.devices.filesystems ?? [])].some((d) => d.boot);
  // The builders read each device's own boot.order; <os><boot> (often just the default 'hd') is
  // then ignored, since libvirt does not allow both.
  if (perDevice) return out;
  let next = 1;
  for (const dev of dom.os.boot) {
    if (dev === 'hd') {
      const d = disks.find((x) => x.device === 'disk');
      if (d && !out.disks.has(d)) out.disks.set(d, next++);
    } else if (dev === 'cdrom') {
      const d = disks.find((x) => x.device === 'cdrom');
      if (d && !out.disks.has(d)) out.disks.set(d, next++);
    } else if (dev === 'network') {
      const n = interfaces[0];
      if (n && !out.interfaces.has(n)) out.interfaces.set(n, next++);
    } else {
      throw new TsvirtError('config-unsupported', `<boot dev='${dev}'> is not supported`);
    }
  }
  return out;
}

function flatten(pairs: ArgPair[]): string[] {
  const out: string[] = [];
  for (const [opt, value] of pairs) {
    out.push(opt);
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** The argv (without the binary itself) that starts the domain paused (-S) under ctx.accel. */
export function buildQemuArgv(dom: Domain, caps: QemuCaps, ctx: ArgvContext): string[] {
  const boot = bootIndexes(dom);
  return applyQemuNamespace(flatten([
    ...machineArgs(dom, caps, ctx),
    ...iommuArgs(dom, caps),
    ...controllerArgs(dom, caps),
    ...usbDeviceArgs(dom, caps),
    ...memoryDeviceArgs(dom, caps, ctx),
    ...iothreadArgs(dom),
    ...diskArgs(dom, caps, ctx, boot.disks),
    ...fsArgs(dom, caps, ctx),
    ...netArgs(dom, caps, ctx, boot.interfaces),
    ...chardevArgs(dom, caps, ctx),
    ...inputArgs(dom, caps),
    ...graphicsArgs(dom, caps, ctx),
    ...hostdevArgs(dom, caps, boot.hostdevs),
    ...platformArgs(dom, caps),
    ...miscArgs(dom, caps),
    ...domainMiscArgs(dom, caps),
    ...trailerArgs(ctx),
  ]), dom);
}

export { deviceAliases, liveDomain, type ChardevInfo } from './argv-live.js';
