// Binding a PCI device to vfio-pci and back, the way virsh nodedev-detach/-reattach do:
// driver_override = vfio-pci, unbind from the current driver, drivers_probe. The driver
// it had before is returned so the caller can record it and give it back later.
import { TsvirtError } from '../util/errors.js';
import type { HostRoot } from './host-root.js';
import { PCI_DEVICES, PCI_DRIVERS, PCI_DRIVERS_PROBE, readPciDevice, requireEndpoint } from './pci.js';

export const VFIO_DRIVER = 'vfio-pci';

/** True when vfio-pci is loaded (its driver folder exists). */
export async function vfioLoaded(root: HostRoot): Promise<boolean> {
  return root.exists(`${PCI_DRIVERS}/${VFIO_DRIVER}`);
}

/** Loads vfio-pci with modprobe when it is not there yet. */
export async function ensureVfioPci(root: HostRoot): Promise<void> {
  if (await vfioLoaded(root)) return;
  await root.run('modprobe', [VFIO_DRIVER]);
  if (!(await vfioLoaded(root))) {
    throw new TsvirtError('operation-unsupported', `the vfio-pci driver is not available after 'modprobe vfio-pci' (${PCI_DRIVERS}/${VFIO_DRIVER} is missing)`);
  }
}

export interface DetachResult {
  address: string;
  /** driver bound before (undefined: none); 'vfio-pci' when it already was detached */
  originalDriver?: string;
}

/** Binds `address` to vfio-pci. Refuses bridges. Already on vfio-pci: nothing to do. */
export async function detachDevice(root: HostRoot, address: string): Promise<DetachResult> {
  const dev = await readPciDevice(root, address);
  requireEndpoint(dev);
  if (dev.driver === VFIO_DRIVER) return { address: dev.address, originalDriver: VFIO_DRIVER };
  await ensureVfioPci(root);
  const dir = `${PCI_DEVICES}/${dev.address}`;
  await root.write(`${dir}/driver_override`, VFIO_DRIVER);
  try {
    if (dev.driver) await root.write(`${PCI_DRIVERS}/${dev.driver}/unbind`, dev.address);
    await root.write(PCI_DRIVERS_PROBE, dev.address);
    let now = await root.linkName(`${dir}/driver`);
    // a driver that probes asynchronously (nvme, for a VF just created) can bind after we looked
    // and before driver_override took effect: unbind it again; the override now holds
    for (let i = 0; i < 3 && now !== VFIO_DRIVER; i++) {
      if (now) await root.write(`${PCI_DRIVERS}/${now}/unbind`, dev.address);
      await root.write(PCI_DRIVERS_PROBE, dev.address);
      now = await root.linkName(`${dir}/driver`);
    }
    if (now !== VFIO_DRIVER) {
      throw new TsvirtError('operation-failed', `PCI device ${dev.address} did not bind to vfio-pci (driver now: ${now ?? 'none'})`);
    }
  } catch (e) {
    await giveBack(root, dev.address, dev.driver).catch(() => undefined);
    throw e;
  }
  return { address: dev.address, originalDriver: dev.driver };
}

/**
 * Gives a device back to the host: off vfio-pci, driver_override cleared, and bound to
 * `originalDriver` (or whatever the kernel probes when it is unknown). A device that was
 * on vfio-pci before detach stays there.
 */
export async function reattachDevice(root: HostRoot, address: string, originalDriver?: string | null): Promise<void> {
  const dev = await readPciDevice(root, address);
  if (originalDriver === VFIO_DRIVER) return;
  await giveBack(root, dev.address, originalDriver ?? undefined, originalDriver === null);
}

async function giveBack(root: HostRoot, address: string, driver: string | undefined, noProbe = false): Promise<void> {
  const dir = `${PCI_DEVICES}/${address}`;
  const now = await root.linkName(`${dir}/driver`);
  if (now === VFIO_DRIVER) await root.write(`${PCI_DRIVERS}/${VFIO_DRIVER}/unbind`, address);
  if (await root.exists(`${dir}/driver_override`)) await root.write(`${dir}/driver_override`, '\n');
  if (noProbe || (await root.linkName(`${dir}/driver`))) return;
  if (driver && (await root.exists(`${PCI_DRIVERS}/${driver}/bind`))) {
    await root.write(`${PCI_DRIVERS}/${driver}/bind`, address);
  } else {
    await root.write(PCI_DRIVERS_PROBE, address);
  }
}

/** Function-level reset through sysfs (virsh nodedev-reset). */
export async function resetDevice(root: HostRoot, address: string): Promise<void> {
  const dev = await readPciDevice(root, address);
  requireEndpoint(dev);
  if (!dev.hasReset) throw new TsvirtError('operation-unsupported', `PCI device ${dev.address} has no reset method (no ${PCI_DEVICES}/${dev.address}/reset)`);
  await root.write(`${PCI_DEVICES}/${dev.address}/reset`, '1');
}
