// The host's IPv4 neighbour (ARP) table, as libvirt's virArpTableGet reads it for
// `domifaddr --source arp`: the kernel's table of the network namespace tsvirtd runs in.
import { promises as fs } from 'node:fs';

export interface ArpEntry {
  ip: string;
  /** lower case, as tsvirt stores MACs */
  mac: string;
  /** the host interface the neighbour is on (a bridge, for a guest on a virtual network) */
  dev: string;
}

/** ATF_COM: the entry is resolved (an incomplete one has no MAC yet) */
const ATF_COM = 0x2;

/** /proc/net/arp: "IP address  HW type  Flags  HW address  Mask  Device", header first */
export function parseArpTable(text: string): ArpEntry[] {
  const out: ArpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    if ((parseInt(f[2]!, 16) & ATF_COM) === 0) continue;
    out.push({ ip: f[0]!, mac: f[3]!.toLowerCase(), dev: f[5]! });
  }
  return out;
}

export async function readArpTable(file = '/proc/net/arp'): Promise<ArpEntry[]> {
  return parseArpTable(await fs.readFile(file, 'utf8'));
}
