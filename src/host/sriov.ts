// SR-IOV: setting the number of virtual functions of a physical function through
// sriov_numvfs, with the kernel's rule (a non-zero count must go to 0 before it changes)
// and waiting until the VFs' virtfnN links exist.
import { setTimeout as sleep } from 'node:timers/promises';
import { TsvirtError } from '../util/errors.js';
import type { HostRoot } from './host-root.js';
import { PCI_DEVICES, readPciDevice, type PciDevice } from './pci.js';

export interface SetVfsOptions {
  /** name of the running guest using this VF address, if any */
  userOf?: (address: string) => string | undefined;
  timeoutMs?: number;
}

/** The PF at `address`; throws when it is not an SR-IOV physical function. */
export async function readPhysFunction(root: HostRoot, address: string): Promise<PciDevice & { sriov: NonNullable<PciDevice['sriov']> }> {
  const dev = await readPciDevice(root, address);
  if (!dev.sriov) {
    const why = dev.physfn ? `it is a virtual function of ${dev.physfn}` : 'it has no sriov_totalvfs';
    throw new TsvirtError('operation-unsupported', `PCI device ${dev.address} is not an SR-IOV physical function (${why})`);
  }
  return dev as PciDevice & { sriov: NonNullable<PciDevice['sriov']> };
}

/** Sets the VF count of a PF and returns the VFs' addresses once they all exist. */
export async function setNumVfs(root: HostRoot, address: string, count: number, opts: SetVfsOptions = {}): Promise<string[]> {
  if (!Number.isInteger(count) || count < 0) throw new TsvirtError('invalid-arg', `the number of VFs must be a whole number >= 0, not ${count}`);
  const pf = await readPhysFunction(root, address);
  if (count > pf.sriov.totalVfs) {
    throw new TsvirtError('invalid-arg', `PCI device ${pf.address} supports at most ${pf.sriov.totalVfs} VFs (sriov_totalvfs); ${count} asked`);
  }
  if (count === pf.sriov.numVfs && pf.sriov.vfs.length === count) return pf.sriov.vfs;
  for (const vf of pf.sriov.vfs) {
    const user = opts.userOf?.(vf);
    if (user) throw new TsvirtError('operation-invalid', `VF ${vf} of ${pf.address} is assigned to running domain '${user}'; stop it or detach the hostdev first`);
  }
  const file = `${PCI_DEVICES}/${pf.address}/sriov_numvfs`;
  const timeout = opts.timeoutMs ?? 10_000;
  if (pf.sriov.numVfs !== 0) {
    await root.write(file, '0');
    await waitForVfs(root, pf.address, 0, timeout);
  }
  if (count === 0) return [];
  await root.write(file, String(count));
  return waitForVfs(root, pf.address, count, timeout);
}

/** Polls until the PF has exactly `count` virtfnN links whose devices exist. */
async function waitForVfs(root: HostRoot, pf: string, count: number, timeoutMs: number): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const dev = await readPhysFunction(root, pf);
    const present = [];
    for (const vf of dev.sriov.vfs) if (await root.exists(`${PCI_DEVICES}/${vf}/vendor`)) present.push(vf);
    if (dev.sriov.vfs.length === count && present.length === count) return present;
    if (Date.now() > end) {
      throw new TsvirtError('operation-timeout', `PCI device ${pf}: ${present.length} of ${count} VFs appeared within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}
