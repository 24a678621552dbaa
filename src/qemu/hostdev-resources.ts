// The node-device side of starting a domain: <hostdev mode='subsystem' type='pci'>.
// Checks everything first (IOMMU on, device exists and is an endpoint, not taken by
// another running guest, directly or through its IOMMU group, group viable), so a refusal
// changes nothing on the host; then binds managed devices to vfio-pci. The record keeps
// "<address>" -> the driver it had ('' for none) so release() gives each device back,
// also after a crash of QEMU or a restart of tsvirtd.
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import type { UndoStack } from '../util/undo.js';
import type { HostRoot } from '../host/host-root.js';
import { checkGroupViable, groupAddresses, requireIommu } from '../host/iommu.js';
import { formatPciAddress, readPciDevice, requireEndpoint, type PciDevice } from '../host/pci.js';
import { VFIO_DRIVER, detachDevice, ensureVfioPci, reattachDevice } from '../host/vfio.js';
import type { DomainResourceProvider } from './host-resources.js';

export interface HostdevProviderOptions {
  root: HostRoot;
  /** PCI address -> name of the running domain that has it (from the live definitions) */
  runningUsers?: () => Map<string, string>;
}

export interface HostdevResourceProvider extends DomainResourceProvider {
  /** address -> domain name, for devices taken by a start in progress or a running domain */
  readonly claims: Map<string, string>;
  /** who uses `address` now (running or starting), or undefined */
  userOf(address: string): string | undefined;
}

export function hostdevAddresses(def: Domain): string[] {
  return def.devices.hostdevs.filter((h) => h.type === 'pci').map((h) => formatPciAddress(h.source.address));
}

export function hostdevResourceProvider(opts: HostdevProviderOptions): HostdevResourceProvider {
  const { root } = opts;
  const claims = new Map<string, string>();
  const users = () => new Map([...(opts.runningUsers?.() ?? new Map<string, string>()), ...claims]);

  async function check(def: Domain, passing: Set<string>): Promise<PciDevice[]> {
    await requireIommu(root);
    const taken = users();
    const devs: PciDevice[] = [];
    for (const addr of passing) {
      const dev = await readPciDevice(root, addr);
      requireEndpoint(dev);
      for (const m of await groupAddresses(root, dev)) {
        const user = taken.get(m);
        if (!user || user === def.name) continue;
        throw new TsvirtError('operation-invalid', m === dev.address
          ? `PCI device ${dev.address} is already assigned to running domain '${user}'`
          : `PCI device ${dev.address} shares IOMMU group ${dev.iommuGroup} with ${m}, which running domain '${user}' uses; two guests cannot share a group`);
      }
      await checkGroupViable(root, dev, passing);
      devs.push(dev);
    }
    return devs;
  }

  return {
    name: 'hostdev',
    claims,
    userOf: (address) => users().get(address),

    async prepare(def: Domain, undo: UndoStack) {
      const hostdevs = def.devices.hostdevs.filter((h) => h.type === 'pci');
      if (hostdevs.length === 0) return {};
      const passing = new Set(hostdevAddresses(def));
      const devs = await check(def, passing);
      for (const [i, hd] of hostdevs.entries()) {
        const dev = devs[i]!;
        if (!hd.managed && dev.driver !== VFIO_DRIVER) {
          throw new TsvirtError('operation-invalid',
            `PCI device ${dev.address} is unmanaged and bound to ${dev.driver ?? 'no driver'}; run 'tsvirt nodedev-detach ${dev.address}' first or set managed='yes'`);
        }
      }
      if (hostdevs.some((h) => h.managed)) await ensureVfioPci(root);
      for (const a of passing) claims.set(a, def.name);
      undo.push(() => { for (const a of passing) if (claims.get(a) === def.name) claims.delete(a); });
      const record: Record<string, string> = {};
      for (const [i, hd] of hostdevs.entries()) {
        if (!hd.managed) continue;
        const r = await detachDevice(root, devs[i]!.address);
        record[r.address] = r.originalDriver ?? '';
        undo.push(() => reattachDevice(root, r.address, r.originalDriver ?? null));
      }
      return { record };
    },

    recordKeys: hostdevAddresses,

    async release(def: Domain, record: Record<string, string>) {
      const errors: string[] = [];
      for (const [addr, orig] of Object.entries(record)) {
        try {
          await reattachDevice(root, addr, orig === '' ? null : orig);
        } catch (e) {
          errors.push(`${addr}: ${(e as Error).message}`);
        }
      }
      for (const a of hostdevAddresses(def)) if (claims.get(a) === def.name) claims.delete(a);
      if (errors.length) throw new TsvirtError('operation-failed', `domain '${def.name}': could not give back host devices: ${errors.join('; ')}`);
    },
  };
}
