// domain.attachCloudInit (tsvirt cloud-init, virt-install --cloud-init): the seed ISO is made in
// a scratch folder, stored as the pool volume '<domain>-cidata.iso' (replacing an older seed),
// and put in the persistent definition as a read-only CD-ROM through define (whose defaults add
// the implicit IDE/SATA controller, as libvirt's attach-device --config does). Bad input fails
// before anything is written; a failed define removes a seed this call made.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Domain } from '../conf/domain-types.js';
import { buildDiskXml, parseDeviceXml, withDeviceAdded } from '../conf/device-xml.js';
import { formatDomainXml } from '../conf/domain-xml.js';
import type { ParamsOf, ResultOf } from '../protocol/methods.js';
import { generatePassword, seedFiles, writeSeedIso } from '../storage/cloud-init-seed.js';
import { TsvirtError } from '../util/errors.js';
import type { DomainService } from './domain-service.js';
import type { StorageService } from './storage-service.js';

type Params = ParamsOf<'domain.attachCloudInit'>;
type Result = ResultOf<'domain.attachCloudInit'>;

/** virt-install's CD-ROM bus: sata on q35, ide on the i440fx 'pc' machines. */
export function cdromBus(machine: string | undefined): 'sata' | 'ide' {
  if (machine?.includes('q35')) return 'sata';
  if (machine === undefined || /^pc($|-)/.test(machine)) return 'ide';
  throw new TsvirtError('config-unsupported', `cannot attach a cloud-init seed CD-ROM to machine type '${machine}': only q35 (sata) and pc (ide) are supported`);
}

/** The first free target name of the bus (hda..hdd on the two IDE buses, sda..sdz on sata). */
export function freeCdromTarget(def: Domain, bus: 'sata' | 'ide'): string {
  const used = new Set(def.devices.disks.map((d) => d.target.dev));
  const letters = bus === 'ide' ? 'abcd' : 'abcdefghijklmnopqrstuvwxyz';
  for (const l of letters) {
    const dev = `${bus === 'ide' ? 'hd' : 'sd'}${l}`;
    if (!used.has(dev)) return dev;
  }
  throw new TsvirtError('operation-invalid', `domain '${def.name}' has no free ${bus} target left for a cloud-init seed CD-ROM`);
}

export async function attachCloudInit(domains: DomainService, storage: StorageService, p: Params): Promise<Result> {
  const entry = domains.registry.lookup(p.domain);
  const def = entry.config;
  if (!entry.persistent) throw new TsvirtError('operation-invalid', 'cannot change the persistent configuration of a transient domain');
  if (p.password !== undefined && p.passwordGenerate) throw new TsvirtError('invalid-arg', 'a password and a generated password are mutually exclusive');
  const pool = storage.lookupPool(p.pool ?? 'default').def.name;
  const volName = `${def.name}-cidata.iso`;
  const password = p.passwordGenerate ? generatePassword() : p.password;
  const files = seedFiles({
    instanceId: def.uuid, hostname: p.hostname, password, passwordExpire: p.passwordGenerate, sshKeys: p.sshKeys,
    userData: p.userData, metaData: p.metaData, networkConfig: p.networkConfig,
  });
  // a definition that has this seed already keeps its CD-ROM: only the volume is made anew
  const existing = def.devices.disks.find((d) => d.source?.pool === pool && d.source.volume === volName);
  const bus = existing ? undefined : cdromBus(def.os.machine);
  const target = existing?.target.dev ?? freeCdromTarget(def, bus!);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsvirt-seed-'));
  let made: Awaited<ReturnType<StorageService['importVolume']>>;
  try {
    const iso = path.join(dir, volName);
    await writeSeedIso(files, iso);
    made = await storage.importVolume(pool, volName, iso);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  if (!existing) {
    const xml = buildDiskXml({
      sourceType: 'volume', source: `${pool}/${volName}`, target, bus: bus!, device: 'cdrom',
      driver: { name: 'qemu', type: 'raw' }, mode: 'readonly',
    });
    try {
      // the definition as it is now (not as it was before the seed was made), with the CD-ROM added
      const now = domains.registry.lookup(def.uuid).config;
      await domains.define(formatDomainXml(withDeviceAdded(now, parseDeviceXml(xml)), { inactive: true }));
    } catch (e) {
      // a seed this call made is not left behind by a failed attach
      if (!made.replaced) await storage.deleteVolume(volName, pool).catch(() => undefined);
      throw e;
    }
  }
  return { volume: made.volume, target, attached: !existing, ...(p.passwordGenerate ? { password } : {}) };
}
