// Storage pools and volumes: what each pool-* / vol-* API call does, once. Pool state
// lives in StorageStore; host work is done by the pool type's backend (src/storage/).
// Calls on one pool run one at a time (JobLocks); long volume work reports progress.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parsePoolXml, type StoragePool } from '../conf/pool-xml.js';
import { formatPoolXml } from '../conf/pool-xml.js';
import { formatVolumeXml, parseVolumeXml, type StorageVolume } from '../conf/volume-xml.js';
import { checkStorageName } from '../conf/storage-common-xml.js';
import { TsvirtError } from '../util/errors.js';
import type { PoolSummary, VolSummary } from '../protocol/methods-storage.js';
import type { PoolEvent } from '../protocol/types.js';
import type { EventBus } from './event-bus.js';
import type { PoolBackend } from '../storage/backend.js';
import { dirPoolBackend } from '../storage/dir-pool.js';
import { logicalPoolBackend } from '../storage/logical-pool.js';
import type { Logger } from './log.js';
import { JobLocks } from './jobs.js';
import type { StorageStore, StoredPool } from './storage-store.js';

const BACKENDS: Record<StoragePool['type'], PoolBackend> = { dir: dirPoolBackend, logical: logicalPoolBackend };

/** Names the running domain that uses a volume path, if any (wired to the domain service). */
export type VolumeUser = (volPath: string) => string | undefined;

export interface Progress {
  op: string;
  pool: string;
  vol: string;
  done: number;
  total: number;
}

export interface LocatedVolume {
  pool: StoredPool;
  vol: StorageVolume;
}

export class StorageService {
  private readonly pools = new Map<string, StoredPool>();
  private readonly locks = new JobLocks();
  readonly progress = new Map<string, Progress>();
  volumeUser: VolumeUser = () => undefined;

  constructor(private readonly store: StorageStore, private readonly log: Logger, private readonly imagesDir: string, private readonly events?: EventBus) {}

  /** libvirt's storage pool lifecycle event, once per change */
  private emit(p: StoredPool, event: PoolEvent['event'] | 'refresh'): void {
    const pool = { name: p.def.name, uuid: p.def.uuid };
    this.events?.emit(event === 'refresh' ? { type: 'pool-refresh', pool, time: Date.now() } : { type: 'pool', pool, event, time: Date.now() });
  }

  /** Loads pools, re-checks active ones, autostarts, and on first start makes the default pool. */
  async init(): Promise<void> {
    const fresh = await this.store.init();
    for (const p of await this.store.loadAll((m) => this.log.warn(m))) {
      this.pools.set(p.def.name, p);
      if (p.active) await this.backend(p).start(p.def).catch((e) => this.markInactive(p, e));
    }
    if (fresh && !this.pools.has('default')) {
      const xml = `<pool type='dir'><name>default</name><target><path>${this.imagesDir}</path></target></pool>`;
      await this.define(xml);
      await this.build('default', false);
      await this.setAutostart('default', true);
    }
    for (const p of this.pools.values()) {
      if (p.autostart && !p.active) await this.start(p.def.name).catch((e) => this.log.warn(`cannot autostart pool '${p.def.name}': ${e.message}`));
    }
  }

  private async markInactive(p: StoredPool, e: Error): Promise<void> {
    this.log.warn(`pool '${p.def.name}' is no longer usable: ${e.message}`);
    p.active = false;
    await this.store.removeState(p.def.name);
    if (!p.persistent) this.pools.delete(p.def.name);
    this.emit(p, 'stopped');
  }

  /** Where a volume of `p` named `name` lives (whether or not it exists). */
  volumePathOf(p: StoredPool, name: string): string {
    return this.backend(p).volumePath(p.def, name);
  }

  private backend(p: StoredPool): PoolBackend {
    return BACKENDS[p.def.type];
  }

  // ---- pools -------------------------------------------------------------

  lookupPool(ref: string): StoredPool {
    const p = this.pools.get(ref) ?? [...this.pools.values()].find((x) => x.def.uuid === ref.toLowerCase());
    if (!p) throw new TsvirtError('no-storage-pool', `Storage pool not found: no storage pool with matching name or uuid '${ref}'`);
    return p;
  }

  private activePool(ref: string): StoredPool {
    const p = this.lookupPool(ref);
    if (!p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is not active`);
    return p;
  }

  private withPool<T>(ref: string, job: (p: StoredPool) => Promise<T>): Promise<T> {
    const p = this.lookupPool(ref);
    return this.locks.run(`pool:${p.def.name}`, () => job(p));
  }

  async summary(p: StoredPool): Promise<PoolSummary> {
    const sizes = p.active ? await this.backend(p).stats(p.def).catch(() => undefined) : undefined;
    return {
      name: p.def.name, uuid: p.def.uuid, type: p.def.type, path: p.def.target.path,
      active: p.active, persistent: p.persistent, autostart: p.autostart,
      capacity: sizes?.capacity ?? 0, allocation: sizes?.allocation ?? 0, available: sizes?.available ?? 0,
    };
  }

  async list(): Promise<PoolSummary[]> {
    const all = [...this.pools.values()].sort((a, b) => a.def.name.localeCompare(b.def.name));
    return Promise.all(all.map((p) => this.summary(p)));
  }

  private checkIdentity(def: StoragePool): void {
    const byName = this.pools.get(def.name);
    const byUuid = [...this.pools.values()].find((x) => x.def.uuid === def.uuid);
    if (byName && byName.def.uuid !== def.uuid) throw new TsvirtError('operation-invalid', `pool '${def.name}' already exists with uuid ${byName.def.uuid}`);
    if (byUuid && byUuid.def.name !== def.name) throw new TsvirtError('operation-invalid', `pool '${byUuid.def.name}' already exists with uuid ${def.uuid}`);
    const samePath = [...this.pools.values()].find((x) => x.def.name !== def.name && x.def.target.path === def.target.path);
    if (samePath) throw new TsvirtError('operation-invalid', `Storage source conflict with pool: '${samePath.def.name}'`);
  }

  async define(xml: string): Promise<PoolSummary> {
    const def = parsePoolXml(xml);
    return this.locks.run(`pool:${def.name}`, async () => {
      const existing = this.pools.get(def.name);
      if (existing && !/<uuid>/.test(xml)) def.uuid = existing.def.uuid;
      this.checkIdentity(def);
      if (existing?.active && existing.def.target.path !== def.target.path) {
        throw new TsvirtError('operation-invalid', `cannot change the target path of active pool '${def.name}'`);
      }
      await this.store.saveConfig(def);
      const p = existing ?? { def, persistent: true, active: false, autostart: false };
      p.def = def;
      p.persistent = true;
      this.pools.set(def.name, p);
      this.emit(p, 'defined');
      return this.summary(p);
    });
  }

  async create(xml: string, build = false): Promise<PoolSummary> {
    const def = parsePoolXml(xml);
    return this.locks.run(`pool:${def.name}`, async () => {
      if (this.pools.has(def.name)) throw new TsvirtError('operation-invalid', `pool '${def.name}' already exists`);
      this.checkIdentity(def);
      const backend = BACKENDS[def.type];
      if (build) await backend.build(def, false);
      await backend.start(def);
      await this.store.saveState(def);
      const p: StoredPool = { def, persistent: false, active: true, autostart: false };
      this.pools.set(def.name, p);
      this.emit(p, 'started');
      return this.summary(p);
    });
  }

  build(ref: string, overwrite: boolean): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is already active`);
      await this.backend(p).build(p.def, overwrite);
      this.emit(p, 'created');
    });
  }

  start(ref: string, build = false): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is already active`);
      if (build) await this.backend(p).build(p.def, false);
      await this.backend(p).start(p.def);
      await this.store.saveState(p.def);
      p.active = true;
      this.emit(p, 'started');
    });
  }

  destroy(ref: string): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (!p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is not active`);
      const busy = [...this.progress.values()].find((j) => j.pool === p.def.name);
      if (busy) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' has a ${busy.op} of volume '${busy.vol}' in progress`);
      await this.backend(p).stop(p.def);
      await this.store.removeState(p.def.name);
      p.active = false;
      if (!p.persistent) this.pools.delete(p.def.name);
      this.emit(p, 'stopped');
    });
  }

  delete(ref: string): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is still active`);
      await this.backend(p).delete(p.def);
      this.emit(p, 'deleted');
    });
  }

  undefine(ref: string): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (!p.persistent) throw new TsvirtError('operation-invalid', `cannot undefine transient storage pool '${p.def.name}'`);
      if (p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is still active`);
      await this.store.removeConfig(p.def.name);
      this.pools.delete(p.def.name);
      this.emit(p, 'undefined');
    });
  }

  refresh(ref: string): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (!p.active) throw new TsvirtError('operation-invalid', `storage pool '${p.def.name}' is not active`);
      await this.backend(p).start(p.def).catch((e) => this.markInactive(p, e).then(() => { throw e; }));
      this.emit(p, 'refresh');
    });
  }

  setAutostart(ref: string, on: boolean): Promise<void> {
    return this.withPool(ref, async (p) => {
      if (!p.persistent) throw new TsvirtError('operation-invalid', `cannot set autostart for transient storage pool '${p.def.name}'`);
      await this.store.setAutostart(p.def.name, on);
      p.autostart = on;
    });
  }

  async getXml(ref: string, inactive = false): Promise<string> {
    const p = this.lookupPool(ref);
    if (inactive || !p.active) return formatPoolXml(p.def, { inactive });
    return formatPoolXml({ ...p.def, ...(await this.backend(p).stats(p.def)) });
  }

  // ---- volumes -----------------------------------------------------------

  async listVolumes(ref: string): Promise<VolSummary[]> {
    const p = this.activePool(ref);
    return (await this.backend(p).listVolumes(p.def)).map((v) => volSummary(p, v));
  }

  /** A volume by name in `poolRef`, or by path/key in any active pool. */
  async findVolume(ref: string, poolRef?: string): Promise<LocatedVolume> {
    const byPath = ref.startsWith('/');
    const pools = poolRef ? [this.activePool(poolRef)] : [...this.pools.values()].filter((p) => p.active);
    for (const p of pools) {
      let name = ref;
      if (byPath) {
        // a path names a volume of the pool whose folder (or volume group) holds it
        if (path.dirname(ref) !== this.backend(p).volumePath(p.def, 'x').replace(/\/x$/, '')) continue;
        name = path.basename(ref);
      } else if (!poolRef) continue;
      if (!checkNameQuietly(name)) continue;
      const v = await this.backend(p).getVolume(p.def, name);
      if (v) return { pool: p, vol: v };
    }
    const where = poolRef ? ` in pool '${poolRef}'` : '';
    throw new TsvirtError('no-storage-vol', `Storage volume not found: no storage vol with matching ${byPath ? 'path' : 'name'} '${ref}'${where}`);
  }

  async lookupVolume(ref: string, poolRef?: string): Promise<VolSummary> {
    const { pool, vol } = await this.findVolume(ref, poolRef);
    return volSummary(pool, vol);
  }

  async volumeXml(ref: string, poolRef?: string): Promise<string> {
    return formatVolumeXml((await this.findVolume(ref, poolRef)).vol);
  }

  /** Runs long volume work with a progress entry visible through vol.getProgress. */
  async tracked<T>(op: string, pool: string, vol: string, total: number, job: (report: (done: number, total: number) => void) => Promise<T>): Promise<T> {
    const key = `${pool}/${vol}`;
    if (this.progress.has(key)) throw new TsvirtError('operation-invalid', `volume '${vol}' in pool '${pool}' is busy with ${this.progress.get(key)!.op}`);
    const entry: Progress = { op, pool, vol, done: 0, total };
    this.progress.set(key, entry);
    try {
      return await job((done, t) => {
        entry.done = done;
        entry.total = t;
      });
    } finally {
      this.progress.delete(key);
    }
  }

  private async checkNewVolume(p: StoredPool, vol: StorageVolume): Promise<void> {
    checkStorageName(vol.name, 'volume');
    vol.type = p.def.type === 'logical' ? 'block' : 'file';
    if (p.def.type === 'dir') vol.target.format ??= 'raw';
    if (vol.backingStore && !path.isAbsolute(vol.backingStore.path)) {
      vol.backingStore.path = (await this.findVolume(vol.backingStore.path, p.def.name)).vol.target.path!;
    }
  }

  createVolume(poolRef: string, xml: string): Promise<VolSummary> {
    const vol = parseVolumeXml(xml);
    const p = this.activePool(poolRef);
    return this.locks.run(`pool:${p.def.name}`, async () => {
      await this.checkNewVolume(p, vol);
      if (vol.backingStore && vol.target.format === 'raw') throw new TsvirtError('config-unsupported', `a raw volume cannot have a backing store: use format qcow2`);
      await this.backend(p).createVolume(p.def, vol);
      return this.lookupVolume(vol.name, p.def.name);
    });
  }

  async createVolumeFrom(poolRef: string, xml: string, from: { vol: string; pool?: string }): Promise<VolSummary> {
    const vol = parseVolumeXml(xml);
    const p = this.activePool(poolRef);
    // like a volume name given with no pool: the input is looked for in the target pool
    const src = await this.findVolume(from.vol, from.pool ?? (from.vol.startsWith('/') ? undefined : p.def.name));
    await this.checkNewVolume(p, vol);
    vol.backingStore = undefined;
    const user = this.volumeUser(src.vol.target.path!);
    if (user && src.vol.target.format !== 'raw') this.log.info(`copying volume '${src.vol.name}' in use by running domain '${user}'`);
    return this.tracked('copy', p.def.name, vol.name, src.vol.capacity, async (report) => {
      const source = { path: src.vol.target.path!, format: src.vol.target.format ?? 'raw', capacity: src.vol.capacity };
      vol.capacity = Math.max(vol.capacity, source.capacity);
      await this.backend(p).createVolume(p.def, vol, source, report);
      return this.lookupVolume(vol.name, p.def.name);
    });
  }

  async cloneVolume(ref: string, poolRef: string | undefined, newName: string): Promise<VolSummary> {
    const { pool, vol } = await this.findVolume(ref, poolRef);
    const xml = formatVolumeXml({ type: vol.type, name: checkStorageName(newName, 'volume'), capacity: vol.capacity, target: { format: vol.target.format } });
    return this.createVolumeFrom(pool.def.name, xml, { vol: vol.target.path! });
  }

  private notInUse(vol: StorageVolume, what: string): void {
    const user = this.volumeUser(vol.target.path!);
    if (user) throw new TsvirtError('operation-invalid', `cannot ${what} volume '${vol.name}': it is in use by running domain '${user}'`);
  }

  async deleteVolume(ref: string, poolRef?: string): Promise<void> {
    const { pool, vol } = await this.findVolume(ref, poolRef);
    this.notInUse(vol, 'delete');
    if (this.progress.has(`${pool.def.name}/${vol.name}`)) throw new TsvirtError('operation-invalid', `volume '${vol.name}' is busy`);
    await this.locks.run(`pool:${pool.def.name}`, () => this.backend(pool).deleteVolume(pool.def, vol));
  }

  /**
   * Volume `name` of `poolRef` as a raw copy of the host file `file` (a cloud-init seed the daemon made):
   * written under a hidden temporary name, then renamed over `name`, so a failure leaves no half-written
   * volume. An existing volume is replaced, unless a running domain uses it.
   */
  async importVolume(poolRef: string, name: string, file: string): Promise<{ volume: VolSummary; replaced: boolean }> {
    checkStorageName(name, 'volume');
    const p = this.activePool(poolRef);
    const capacity = (await fs.stat(file)).size;
    return this.locks.run(`pool:${p.def.name}`, async () => {
      const b = this.backend(p);
      if (this.progress.has(`${p.def.name}/${name}`)) throw new TsvirtError('operation-invalid', `volume '${name}' is busy`);
      const old = await b.getVolume(p.def, name);
      if (old) this.notInUse(old, 'replace');
      const tmp = `.${name}.part`;
      const stale = await b.getVolume(p.def, tmp);
      if (stale) await b.deleteVolume(p.def, stale);
      await b.createVolume(p.def, { type: p.def.type === 'logical' ? 'block' : 'file', name: tmp, capacity, target: { format: 'raw' } }, { path: file, format: 'raw', capacity });
      try {
        await b.renameVolume(p.def, tmp, name);
      } catch (e) {
        const left = await b.getVolume(p.def, tmp).catch(() => undefined);
        if (left) await b.deleteVolume(p.def, left).catch(() => undefined);
        throw e;
      }
      return { volume: await this.lookupVolume(name, p.def.name), replaced: !!old };
    });
  }

  async wipeVolume(ref: string, poolRef?: string): Promise<void> {
    const { pool, vol } = await this.findVolume(ref, poolRef);
    this.notInUse(vol, 'wipe');
    await this.tracked('wipe', pool.def.name, vol.name, vol.capacity, (report) => this.backend(pool).wipeVolume(pool.def, vol, report));
  }

  async resizeVolume(ref: string, poolRef: string | undefined, capacity: number, o: { delta?: boolean; shrink?: boolean }): Promise<VolSummary> {
    const { pool, vol } = await this.findVolume(ref, poolRef);
    const target = o.delta ? vol.capacity + (o.shrink ? -capacity : capacity) : capacity;
    if (target <= 0) throw new TsvirtError('invalid-arg', `cannot resize volume '${vol.name}' to ${target} bytes`);
    if (target < vol.capacity && !o.shrink) {
      throw new TsvirtError('invalid-arg', `can't shrink capacity below current capacity of volume '${vol.name}' (${vol.capacity} bytes) unless shrink is requested`);
    }
    if (target < vol.capacity) this.notInUse(vol, 'shrink');
    await this.locks.run(`pool:${pool.def.name}`, () => this.backend(pool).resizeVolume(pool.def, vol, target, target < vol.capacity));
    return this.lookupVolume(vol.target.path!);
  }

  /** A volume's file for a data stream, with the byte range checked against its size. */
  async streamTarget(ref: string, poolRef: string | undefined, op: 'upload' | 'download', offset: number, length?: number): Promise<LocatedVolume & { limit: number }> {
    const loc = await this.findVolume(ref, poolRef);
    const limit = op === 'upload' ? Math.max(loc.vol.capacity, loc.vol.physical ?? 0) : (loc.vol.physical ?? loc.vol.capacity);
    if (op === 'upload') this.notInUse(loc.vol, 'upload to');
    if (offset > limit || (length !== undefined && offset + length > limit)) {
      throw new TsvirtError('invalid-arg', `${op} of ${length ?? '?'} bytes at offset ${offset} does not fit volume '${loc.vol.name}' of ${limit} bytes`);
    }
    return { ...loc, limit };
  }
}

function checkNameQuietly(name: string): boolean {
  try {
    checkStorageName(name, 'volume');
    return true;
  } catch {
    return false;
  }
}

export function volSummary(p: StoredPool, v: StorageVolume): VolSummary {
  return {
    name: v.name, pool: p.def.name, key: v.key ?? v.target.path ?? '', path: v.target.path ?? '',
    type: v.type, format: v.target.format ?? (v.type === 'block' ? 'raw' : 'raw'),
    capacity: v.capacity, allocation: v.allocation ?? 0, physical: v.physical ?? v.capacity,
  };
}
