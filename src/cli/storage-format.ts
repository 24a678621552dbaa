// Text virsh prints for pools and volumes: sizes ("100.00 GiB"), pool-info, vol-info,
// and the "failed to get pool/vol" lines of a failed lookup.
import type { PoolSummary, VolSummary } from '../protocol/methods-storage.js';
import { TsvirtError } from '../protocol/errors.js';
import { libvirtMessage } from '../protocol/errors.js';
import { field } from './format.js';
import { CliError } from './types.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** vshPrettyCapacity with "%.2lf %s". */
export function prettyCapacity(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${UNITS[i]}`;
}

const size = (bytes: number, raw: boolean) => (raw ? `${bytes} bytes` : prettyCapacity(bytes));

export function formatPoolInfo(p: PoolSummary, bytes = false): string {
  let s = field('Name:', p.name) + field('UUID:', p.uuid) + field('State:', p.active ? 'running' : 'inactive')
    + field('Persistent:', p.persistent ? 'yes' : 'no') + field('Autostart:', p.autostart ? 'yes' : 'no');
  // virsh's pool-info --bytes prints the bare number (vol-info --bytes adds "bytes")
  const psize = (n: number) => (bytes ? String(n) : prettyCapacity(n));
  if (p.active) s += field('Capacity:', psize(p.capacity)) + field('Allocation:', psize(p.allocation)) + field('Available:', psize(p.available));
  return s;
}

export function formatVolInfo(v: VolSummary, o: { bytes?: boolean; physical?: boolean } = {}): string {
  return field('Name:', v.name) + field('Type:', v.type) + field('Capacity:', size(v.capacity, !!o.bytes))
    + (o.physical ? field('Physical:', size(v.physical, !!o.bytes)) : field('Allocation:', size(v.allocation, !!o.bytes)));
}

/** Runs a call; a missing pool/volume reads "failed to get pool 'x'" then libvirt's text, as virsh. */
export async function lookupContext<T>(what: { pool?: string; vol?: string }, action: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof TsvirtError)) throw e;
    if (e.code === 'no-storage-pool' && what.pool !== undefined) throw new CliError(`failed to get pool '${what.pool}'`, libvirtMessage(e));
    if (e.code === 'no-storage-vol' && what.vol !== undefined) throw new CliError(`failed to get vol '${what.vol}'`, libvirtMessage(e));
    if (e.code === 'no-connect') throw e;
    throw new CliError(...(action ? [action] : []), libvirtMessage(e));
  }
}
