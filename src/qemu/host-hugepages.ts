// Host huge pages for <memoryBacking><hugepages>: found at start (the argv builder does no
// I/O), so a host without pages of the wanted size fails before QEMU runs, with a message
// naming the size and the sysfs file to fix.
import { promises as fs } from 'node:fs';
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';
import { mainRamPageSize } from './argv-membacking.js';

const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

async function read(file: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch(() => '');
}

/** hugetlbfs mount points by page size (KiB); a mount without pagesize= has the default size. */
export function hugetlbfsMounts(mounts: string, defaultSize: number): Record<number, string> {
  const out: Record<number, string> = {};
  for (const line of mounts.split('\n')) {
    const [, dir, type, opts] = line.split(' ');
    if (type !== 'hugetlbfs') continue;
    const m = /(?:^|,)pagesize=([0-9]+)([KMG])/.exec(opts ?? '');
    const size = m ? Number(m[1]) * { K: 1, M: 1024, G: 1024 * 1024 }[m[2] as 'K' | 'M' | 'G'] : defaultSize;
    out[size] ??= dir.replace(/\\040/g, ' ');
  }
  return out;
}

/** What ctx.hugepages needs, or undefined when main RAM uses no huge pages. `root` is for tests. */
export async function hostHugepages(def: Domain, root = ''): Promise<ArgvContext['hugepages']> {
  if (!def.memoryBacking?.hugepages) return undefined;
  const meminfo = await read(`${root}/proc/meminfo`);
  const defaultSize = Number(/^Hugepagesize:\s+([0-9]+) kB/m.exec(meminfo)?.[1] ?? 2048);
  const ctx = { defaultSize, paths: hugetlbfsMounts(await read(`${root}/proc/mounts`), defaultSize) };
  const size = mainRamPageSize(def, { hugepages: ctx });
  if (size === undefined) return ctx;
  const sys = `${root}/sys/kernel/mm/hugepages/hugepages-${size}kB/nr_hugepages`;
  const nr = (await read(sys)).trim();
  if (nr === '') throw unsupported(`domain '${def.name}' wants huge pages of ${size} KiB, which this host does not support (no ${sys})`);
  if (Number(nr) === 0) throw unsupported(`domain '${def.name}' wants huge pages of ${size} KiB, but the host has none reserved (${sys} is 0)`);
  if (def.memoryBacking.source !== 'memfd' && !ctx.paths[size]) {
    throw unsupported(`unable to find any usable hugetlbfs mount for ${size} KiB (mount -t hugetlbfs -o pagesize=${size}K none /dev/hugepages)`);
  }
  return ctx;
}
