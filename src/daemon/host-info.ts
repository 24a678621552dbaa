// Facts about the host for nodeinfo, hostname and capabilities.
import * as os from 'node:os';
import { readFileSync } from 'node:fs';

export interface NodeInfo {
  model: string;
  memoryKiB: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

/**
 * The first processor's "cpu MHz" in /proc/cpuinfo, truncated, as libvirt reads it: Node's
 * os.cpus() takes the speed from cpufreq in sysfs, which virtual machines usually lack (0).
 */
export function cpuinfoMhz(text: string): number | undefined {
  const m = /^cpu MHz\s*:\s*(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Counts sockets, cores and threads from /proc/cpuinfo, as libvirt's nodeinfo does. */
export function nodeInfo(): NodeInfo {
  const cpus = os.cpus();
  let sockets = new Set<string>();
  let cores = new Set<string>();
  let mhz: number | undefined;
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    mhz = cpuinfoMhz(text);
    for (const block of text.split('\n\n')) {
      const phys = /physical id\s*:\s*(\d+)/.exec(block)?.[1] ?? '0';
      const core = /core id\s*:\s*(\d+)/.exec(block)?.[1];
      if (!/processor\s*:/.test(block)) continue;
      sockets.add(phys);
      cores.add(`${phys}/${core ?? cores.size}`);
    }
  } catch {
    sockets = new Set(['0']);
    cores = new Set(cpus.map((_, i) => String(i)));
  }
  const nSockets = Math.max(1, sockets.size);
  const coresPerSocket = Math.max(1, Math.round(cores.size / nSockets));
  return {
    model: os.arch() === 'x64' ? 'x86_64' : os.arch(),
    memoryKiB: Math.floor(os.totalmem() / 1024),
    cpus: cpus.length,
    mhz: mhz ?? cpus[0]?.speed ?? 0,
    nodes: 1,
    sockets: nSockets,
    cores: coresPerSocket,
    threads: Math.max(1, Math.round(cpus.length / (nSockets * coresPerSocket))),
  };
}

export function cpuModelName(): string | undefined {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** The machine's stable id for <host><uuid> (systemd's machine-id as a UUID). */
export function hostUuid(): string {
  try {
    const id = readFileSync('/etc/machine-id', 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(id)) return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  } catch {
    // fall through
  }
  return '00000000-0000-0000-0000-000000000000';
}

/** virsh sysinfo: the host's SMBIOS facts (from /sys/class/dmi/id; the CPU from /proc/cpuinfo) as libvirt's <sysinfo> */
export function sysinfoXml(dmiDir = '/sys/class/dmi/id'): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
  const read = (f: string) => {
    try {
      return readFileSync(`${dmiDir}/${f}`, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const block = (tag: string, entries: Array<[string, string | undefined]>) => {
    const lines = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `    <entry name='${k}'>${esc(v!)}</entry>\n`);
    return lines.length ? `  <${tag}>\n${lines.join('')}  </${tag}>\n` : '';
  };
  let out = "<sysinfo type='smbios'>\n";
  out += block('bios', [['vendor', read('bios_vendor')], ['version', read('bios_version')], ['date', read('bios_date')]]);
  out += block('system', [
    ['manufacturer', read('sys_vendor')], ['product', read('product_name')], ['version', read('product_version')],
    ['uuid', read('product_uuid') ?? hostUuid()], ['family', read('product_family')],
  ]);
  const model = cpuModelName();
  const sockets = nodeInfo().sockets;
  for (let i = 0; i < sockets; i++) {
    out += block('processor', [['socket_destination', `CPU ${i}`], ['type', 'Central Processor'], ['version', model]]);
  }
  return `${out}</sysinfo>\n`;
}
