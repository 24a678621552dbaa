// The daemon's in-memory view of every domain: looked up by name, UUID or live id.
// Lists and lookups are served from here, never from disk.
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import type { QemuVm } from '../qemu/vm.js';
import type { DomainState, DomainSummary } from '../protocol/types.js';
import type { DomainJobs } from './domain-job.js';

export interface DomainEntry {
  /** the persistent definition, or for a transient domain the one it was created from */
  config: Domain;
  /** definition to use at the next start when redefined while running */
  persistent: boolean;
  autostart: boolean;
  vm?: QemuVm;
  id: number | null;
  state: DomainState;
  reason: string;
  /** cleanup after the last stop (host resources, status file), while it runs */
  stopping?: Promise<void>;
  /** the long job running (save, migration, snapshot, block copy) and the last one ended (domain-job.ts) */
  jobs?: DomainJobs;
  /** a managed save image exists (save-service.ts): start resumes from it */
  hasManagedSave?: boolean;
  /** how many snapshots it has (snapshot-service.ts keeps it; undefine and list --with-snapshot read it) */
  snapshotCount?: number;
}

export class DomainRegistry {
  private readonly byName = new Map<string, DomainEntry>();
  private readonly byUuid = new Map<string, DomainEntry>();
  private readonly byId = new Map<number, DomainEntry>();
  private lastId = 0;

  add(entry: DomainEntry): void {
    this.byName.set(entry.config.name, entry);
    this.byUuid.set(entry.config.uuid, entry);
    if (entry.id !== null) {
      this.byId.set(entry.id, entry);
      this.lastId = Math.max(this.lastId, entry.id);
    }
  }

  /** Removes this entry only: a name, UUID or id another entry holds by now stays. */
  remove(entry: DomainEntry): void {
    if (this.byName.get(entry.config.name) === entry) this.byName.delete(entry.config.name);
    if (this.byUuid.get(entry.config.uuid) === entry) this.byUuid.delete(entry.config.uuid);
    if (entry.id !== null && this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
  }

  /** Replaces the definition (name and UUID stay the same; the caller checked). */
  setConfig(entry: DomainEntry, config: Domain): void {
    entry.config = config;
  }

  nextId(): number {
    return ++this.lastId;
  }

  setId(entry: DomainEntry, id: number | null): void {
    if (entry.id !== null) this.byId.delete(entry.id);
    entry.id = id;
    if (id !== null) {
      this.byId.set(id, entry);
      this.lastId = Math.max(this.lastId, id);
    }
  }

  byNameOrNull(name: string): DomainEntry | undefined {
    return this.byName.get(name);
  }
  byUuidOrNull(uuid: string): DomainEntry | undefined {
    return this.byUuid.get(normaliseUuid(uuid));
  }

  /** Name, id or UUID, in virsh's order. */
  lookup(ref: string): DomainEntry {
    const found = this.find(ref);
    if (!found) throw new TsvirtError('no-domain', `Domain not found: no domain with matching name, id or uuid '${ref}'`);
    return found;
  }

  find(ref: string): DomainEntry | undefined {
    if (/^\d+$/.test(ref)) {
      const e = this.byId.get(Number(ref));
      if (e) return e;
    }
    return this.byName.get(ref) ?? this.byUuid.get(normaliseUuid(ref));
  }

  all(): DomainEntry[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }
}

export function normaliseUuid(text: string): string {
  const hex = text.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return text;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function summaryOf(e: DomainEntry): DomainSummary {
  const s: DomainSummary = {
    id: e.id,
    name: e.config.name,
    uuid: e.config.uuid,
    state: e.state,
    reason: e.reason,
    persistent: e.persistent,
    autostart: e.autostart,
  };
  if (e.config.title !== undefined) s.title = e.config.title;
  if (e.hasManagedSave) s.managedSave = true;
  if (e.snapshotCount) s.hasSnapshot = true;
  return s;
}
