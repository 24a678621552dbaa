// Disk post-parse defaults of libvirt 9.0 beyond driver name/format and bus (which
// domain-defaults.ts fills): CD-ROMs are read-only (virDomainDiskDefPostParse), an NVMe source
// is managed unless told otherwise, a vhost-user disk has snapshot='no', a disk naming only an
// iotune group takes that group's limits, and encryption without an engine uses QEMU's
// (qemuDomainDeviceDiskDefPostParse, for the whole backing chain).
import type { BackingStore, Disk, DiskSource } from './domain-types.js';

/** `all`: the domain's disks (a disk naming only an iotune group_name takes the group's limits). */
export function applyDiskDefaults(disk: Disk, all: Disk[] = []): void {
  if (disk.device === 'cdrom') disk.readonly = true;
  // vhost-user disks cannot be snapshotted (virDomainDiskDefPostParse)
  if (disk.type === 'vhostuser') disk.snapshot ??= 'no';
  const io = disk.iotune;
  const hasLimits = (d: Disk) => Object.entries(d.iotune ?? {}).some(([k, v]) => k !== 'group_name' && v);
  if (io?.group_name !== undefined && !hasLimits(disk)) {
    const from = all.find((o) => o.iotune?.group_name === io.group_name && hasLimits(o));
    if (from) disk.iotune = structuredClone(from.iotune);
  }
  if (disk.source?.nvme) disk.source.nvme.managed ??= true;
  if (disk.encryption) disk.encryption.engine ??= 'qemu';
  const chain: Array<DiskSource | undefined> = [disk.source];
  for (let b: BackingStore | undefined = disk.backingStore; b; b = b.backingStore) chain.push(b.source);
  for (const s of chain) if (s?.encryption) s.encryption.engine ??= 'qemu';
}
