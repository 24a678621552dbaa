// Host NUMA nodes a definition names (<numatune> nodesets, memory device <nodemask>) must exist,
// checked at start as libvirt's virDomainNumatuneNodesetIsAvailable does. The host root is
// injectable so tests can use a fake /sys.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import { parseBitmap } from '../conf/bitmap.js';

/** Online host NUMA nodes; a host without NUMA information has node 0 only (as libvirt without libnuma). */
export async function hostNumaNodes(root = '/'): Promise<number[]> {
  try {
    return parseBitmap((await fs.readFile(join(root, 'sys/devices/system/node/online'), 'utf8')).trim());
  } catch {
    return [0];
  }
}

/** Throws libvirt's "NUMA node N is unavailable" for the first host node the domain names that is not online. */
export async function checkHostNumaNodes(dom: Domain, root = '/'): Promise<void> {
  const sets = [
    dom.numatune?.memory?.nodeset,
    ...(dom.numatune?.memnodes ?? []).map((n) => n.nodeset),
    ...(dom.devices.memories ?? []).map((m) => m.source?.nodemask),
  ].filter((s): s is string => s !== undefined);
  if (!sets.length) return;
  const online = new Set(await hostNumaNodes(root));
  for (const s of sets) {
    for (const bit of parseBitmap(s)) {
      if (!online.has(bit)) throw new TsvirtError('config-unsupported', `NUMA node ${bit} is unavailable`);
    }
  }
}
