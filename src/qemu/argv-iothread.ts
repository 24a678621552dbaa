// <iothreads>/<iothreadids>: one QEMU iothread object per id (libvirt's alias iothreadN), which
// virtio-blk disks (and virtio-scsi controllers) name in their iothread property.
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import { type ArgPair, jsonArg } from './argv-common.js';

export const iothreadAlias = (id: number) => `iothread${id}`;

/** The object id of iothread `id`, which the domain must define. */
export function iothreadId(dom: Domain, id: number, where: string): string {
  if (!dom.iothreadids?.some((t) => t.id === id)) throw new TsvirtError('config-unsupported', `${where}: Disk iothread '${id}' not defined in iothreadid`);
  return iothreadAlias(id);
}

const pool = (p: { threadPoolMin?: number; threadPoolMax?: number }) => ({
  ...(p.threadPoolMin !== undefined ? { 'thread-pool-min': p.threadPoolMin } : {}),
  ...(p.threadPoolMax !== undefined ? { 'thread-pool-max': p.threadPoolMax } : {}),
});

/** -object iothread for each of the domain's iothreads, and the main loop's pool (<defaultiothread>). */
export function iothreadArgs(dom: Domain): ArgPair[] {
  const out = (dom.iothreadids ?? []).map((t) => jsonArg('-object', { 'qom-type': 'iothread', id: iothreadAlias(t.id), ...pool(t) }));
  if (dom.defaultIOThread) out.push(jsonArg('-object', { 'qom-type': 'main-loop', id: 'main-loop', ...pool(dom.defaultIOThread) }));
  return out;
}
