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
import { findUsbDevice, usbNotFoundMessage } from '../host/usb-devices.js';
import { SWTPM_RECORD_PREFIX, hostSwtpmDirs, startSwtpms, stopSwtpms, type SwtpmDirs } from './swtpm.js';

export interface HostdevProviderOptions {
  root: HostRoot;
  /** PCI address -> name of the running domain that has it (from the live definitions) */
  runningUsers?: () => Map<string, string>;
  /** the instance's swtpm folders (default: libvirt's layout under the host root) */
  swtpm?: SwtpmDirs;
}

export interface HostdevResourceProvider extends DomainResourceProvider {
  /** address -> domain name, for devices taken by a start in progress or a running domain */
  readonly claims: Map<string, string>;
  /** who uses `address` now (running or starting), or undefined */
  userOf(address: string): string | undefined;
}

/**
 * Finds each USB hostdev on the host (libvirt's qemuPrepareHostUSBDevices): the live definition
 * gets its bus/device; a missing device fails the start, unless startupPolicy='optional', which
 * leaves it out of QEMU (marked missing, as libvirt does).
 */
export async function resolveUsbHostdevs(root: HostRoot, def: Domain): Promise<void> {
  for (const h of def.devices.hostdevs) {
    if (h.type !== 'usb' || !h.source.usb) continue;
    const want = h.source.usb;
    const dev = await findUsbDevice(root, want);
    if (!dev) {
      if (h.source.startupPolicy === 'optional') {
        h.missing = true;
        continue;
      }
      throw new TsvirtError('operation-failed', usbNotFoundMessage(want));
    }
    delete h.missing;
    want.bus = dev.bus;
    want.device = dev.device;
  }
}

/**
 * The host nodes other devices open at start (TPM passthrough, vhost-vsock, vhost-scsi, mdev):
 * checked before QEMU runs, so the start fails with a message naming the device, not QEMU's.
 */
export async function requireHostNodes(root: HostRoot, def: Domain): Promise<void> {
  const need = async (path: string, what: string) => {
    if (!(await root.exists(path))) throw new TsvirtError('operation-failed', `${what}: '${path}' does not exist on this host`);
  };
  const d = def.devices;
  for (const t of d.tpms ?? []) {
    if (t.backend.type === 'passthrough') await need(t.backend.devicePath ?? '/dev/tpm0', 'TPM passthrough device');
  }
  if (d.vsocks?.length) await need('/dev/vhost-vsock', 'vsock needs the vhost-vsock device (modprobe vhost_vsock)');
  for (const h of d.hostdevs) {
    if (h.type === 'scsi_host') await need('/dev/vhost-scsi', `vhost-scsi hostdev ${h.source.wwpn} needs the vhost-scsi device (modprobe vhost_scsi)`);
    if (h.type === 'mdev') await need(`/sys/bus/mdev/devices/${h.source.uuid}`, `mediated device ${h.source.uuid}`);
  }
}

export function hostdevAddresses(def: Domain): string[] {
  return def.devices.hostdevs.flatMap((h) => (h.type === 'pci' && h.source.address ? [formatPciAddress(h.source.address)] : []));
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
      await resolveUsbHostdevs(root, def);
      await requireHostNodes(root, def);
      const swtpm = await startSwtpms(opts.swtpm ?? hostSwtpmDirs(root), def, undo);
      const hostdevs = def.devices.hostdevs.filter((h) => h.type === 'pci');
      if (hostdevs.length === 0) return Object.keys(swtpm).length ? { record: swtpm } : {};
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
      return { record: { ...swtpm, ...record } };
    },

    recordKeys: hostdevAddresses,

    async release(def: Domain, record: Record<string, string>) {
      const errors: string[] = [];
      await stopSwtpms(record);
      for (const [addr, orig] of Object.entries(record)) {
        if (addr.startsWith(SWTPM_RECORD_PREFIX)) continue;
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
