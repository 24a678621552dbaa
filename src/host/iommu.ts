// IOMMU groups (/sys/kernel/iommu_groups/N/devices) and the viability rule for giving a
// device to a guest: every member of its group is bound to vfio-pci or to no driver, or
// is itself being passed to the same guest.
import { TsvirtError } from '../util/errors.js';
import type { HostRoot } from './host-root.js';
import { PCI_DEVICES, isBridge, type PciDevice } from './pci.js';

export const IOMMU_GROUPS = '/sys/kernel/iommu_groups';

export interface GroupMember { address: string; driver?: string }

/** True when the kernel has an IOMMU turned on (at least one group). */
export async function iommuPresent(root: HostRoot): Promise<boolean> {
  return (await root.list(IOMMU_GROUPS)).length > 0;
}

/** Throws operation-unsupported when devices cannot be assigned at all. */
export async function requireIommu(root: HostRoot): Promise<void> {
  if (!(await iommuPresent(root))) {
    throw new TsvirtError('operation-unsupported',
      `no IOMMU is enabled on this host (${IOMMU_GROUPS} is empty): turn on VT-d/AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on`);
  }
}

export async function groupMembers(root: HostRoot, group: number): Promise<GroupMember[]> {
  const out: GroupMember[] = [];
  for (const address of await root.list(`${IOMMU_GROUPS}/${group}/devices`)) {
    out.push({ address, driver: await root.linkName(`${PCI_DEVICES}/${address}/driver`) });
  }
  return out;
}

/** Throws operation-invalid when `dev`'s group cannot go to a guest with `passing` (addresses). */
export async function checkGroupViable(root: HostRoot, dev: PciDevice, passing: ReadonlySet<string>): Promise<void> {
  if (dev.iommuGroup === undefined) {
    throw new TsvirtError('operation-invalid', `PCI device ${dev.address} is in no IOMMU group; is the IOMMU on (intel_iommu=on)?`);
  }
  const members = await groupMembers(root, dev.iommuGroup);
  const blocking = groupBlockers(members, dev.address, passing);
  if (blocking.length === 0) return;
  const list = members.map((m) => `${m.address} (${m.driver ?? 'no driver'})`).join(', ');
  const fix = blocking.map((m) => m.address).join(', ');
  throw new TsvirtError('operation-invalid',
    `IOMMU group ${dev.iommuGroup} of PCI device ${dev.address} is not viable: members ${list}; ` +
    `detach ${fix} as well (nodedev-detach, or add it as a hostdev of the same guest)`);
}

/**
 * The members of a group that keep `address` from going to a guest: bound to a host
 * driver, not vfio-pci, and not passed along with it. Bridges (pcieport) do not count.
 */
export function groupBlockers(members: readonly GroupMember[], address: string, passing: ReadonlySet<string> = new Set()): GroupMember[] {
  return members.filter((m) => m.address !== address && !passing.has(m.address) &&
    m.driver !== undefined && m.driver !== 'vfio-pci' && m.driver !== 'pcieport');
}

/** Addresses of the other members of a device's group (for "same group" conflicts). */
export async function groupAddresses(root: HostRoot, dev: PciDevice): Promise<string[]> {
  if (dev.iommuGroup === undefined) return [dev.address];
  return root.list(`${IOMMU_GROUPS}/${dev.iommuGroup}/devices`);
}

export { isBridge };
