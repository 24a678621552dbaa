// virsh capabilities / domcapabilities: host facts plus what the QEMU driver offers.
import { formatCapabilitiesXml, formatDomainCapabilitiesXml } from '../conf/capabilities-xml.js';
import type { QemuCaps } from '../qemu/caps-types.js';
import { domainCapsOf, guestCapsOf } from '../qemu/domain-caps.js';
import { existsSync } from 'node:fs';
import { cpuModelName, hostUuid, nodeInfo } from './host-info.js';

export function capabilitiesXml(caps: QemuCaps): string {
  const n = nodeInfo();
  return formatCapabilitiesXml(
    {
      uuid: hostUuid(),
      arch: caps.arch,
      cpuModel: cpuModelName(),
      topology: { sockets: n.sockets, dies: 1, cores: n.cores, threads: n.threads },
      memoryKiB: n.memoryKiB,
      cpus: n.cpus,
      iommu: existsSync('/sys/kernel/iommu_groups/0'),
    },
    [guestCapsOf(caps)],
  );
}

export function domainCapabilitiesXml(caps: QemuCaps, opts: { arch?: string; machine?: string; virttype?: string }): string {
  return formatDomainCapabilitiesXml(domainCapsOf(caps, opts));
}
