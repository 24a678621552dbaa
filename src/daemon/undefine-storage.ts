// undefine --remove-all-storage / --storage LIST, as virsh: the volumes behind a stopped
// domain's disks (CD-ROMs are left alone) are chosen before the definition goes, then each
// is deleted through the storage service, so its checks (in use by another running domain,
// busy) still hold. A disk tsvirt does not manage as a volume is reported, not removed.
import { diskSource } from '../conf/device-xml.js';
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError, toTsvirtError } from '../util/errors.js';
import type { DomainService } from './domain-service.js';
import type { StorageService } from './storage-service.js';

export interface VolumeToRemove { target: string; source: string; vol: string; pool?: string }
export interface RemovedVolume { target: string; source: string; removed: boolean; error?: string }

/** The disks to remove storage of: all, or those named by target or source; throws on a name that is none of them. */
export function volumesToRemove(def: Domain, wanted: 'all' | string[]): VolumeToRemove[] {
  const out: VolumeToRemove[] = [];
  for (const d of def.devices.disks) {
    if (d.device === 'cdrom') continue;
    const source = diskSource(d);
    if (!source) continue;
    const volume = d.source?.volume;
    if (wanted !== 'all' && !wanted.includes(d.target.dev) && !wanted.includes(source)) continue;
    out.push({ target: d.target.dev, source, vol: volume ?? source, pool: volume ? d.source!.pool : undefined });
  }
  for (const w of wanted === 'all' ? [] : wanted) {
    if (!out.some((t) => t.target === w || t.source === w)) throw new TsvirtError('invalid-arg', `Volume '${w}' was not found in domain's definition.`);
  }
  return out;
}

export async function removeVolumes(storage: StorageService, list: VolumeToRemove[]): Promise<RemovedVolume[]> {
  const out: RemovedVolume[] = [];
  for (const t of list) {
    const one = { target: t.target, source: t.source };
    try {
      await storage.lookupVolume(t.vol, t.pool);
    } catch {
      out.push({ ...one, removed: false, error: `Storage volume '${t.target}'(${t.source}) is not managed by tsvirt. Remove it manually.` });
      continue;
    }
    try {
      await storage.deleteVolume(t.vol, t.pool);
      out.push({ ...one, removed: true });
    } catch (e) {
      out.push({ ...one, removed: false, error: `Failed to remove storage volume '${t.target}'(${t.source}): ${toTsvirtError(e).message}` });
    }
  }
  return out;
}

export interface UndefineParams { domain: string; nvram?: boolean; keepNvram?: boolean; tpm?: boolean; keepTpm?: boolean; removeAllStorage?: boolean; storage?: string[] }

/** domain.undefine: the definition goes; with removeAllStorage or storage, the chosen volumes after it. */
export async function undefineDomain(service: DomainService, storage: StorageService, p: UndefineParams): Promise<{ volumes?: RemovedVolume[] }> {
  if (p.removeAllStorage && p.storage) throw new TsvirtError('invalid-arg', 'Options --remove-all-storage and --storage are mutually exclusive');
  const wanted = p.removeAllStorage ? 'all' : p.storage;
  if (!wanted) return (await service.undefine(p.domain, p), {});
  const entry = service.registry.lookup(p.domain);
  if (entry.vm) throw new TsvirtError('operation-invalid', 'Storage volume deletion is supported only on stopped domains');
  // chosen (and checked) before anything changes
  const list = volumesToRemove(entry.config, wanted);
  await service.undefine(p.domain, p);
  return { volumes: await removeVolumes(storage, list) };
}
