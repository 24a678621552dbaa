// The snapshot tree of one domain, from the parent names the snapshots hold: children,
// descendants, roots, leaves, topological order, and what deleting one does to the tree.
import { TsvirtError } from '../util/errors.js';

/** what the tree needs of a snapshot (a DomainSnapshot, or a list entry of the API) */
export interface SnapshotNode {
  name?: string;
  parent?: string;
  creationTime?: number;
}

export class SnapshotTree<DomainSnapshot extends SnapshotNode = SnapshotNode> {
  readonly byName = new Map<string, DomainSnapshot>();
  current?: string;

  constructor(snaps: DomainSnapshot[] = [], current?: string) {
    // creation order: the order lists print in (libvirt lists in hash order; virsh sorts by name)
    for (const s of [...snaps].sort((a, b) => (a.creationTime ?? 0) - (b.creationTime ?? 0))) this.byName.set(s.name!, s);
    this.current = current && this.byName.has(current) ? current : undefined;
  }

  get size(): number {
    return this.byName.size;
  }

  all(): DomainSnapshot[] {
    return [...this.byName.values()];
  }

  get(name: string): DomainSnapshot {
    const s = this.byName.get(name);
    if (!s) throw new TsvirtError('no-domain-snapshot', `Domain snapshot not found: no domain snapshot with matching name '${name}'`);
    return s;
  }

  children(name: string | undefined): DomainSnapshot[] {
    return this.all().filter((s) => (s.parent ?? undefined) === name);
  }

  roots(): DomainSnapshot[] {
    return this.all().filter((s) => !s.parent || !this.byName.has(s.parent));
  }

  descendants(name: string): DomainSnapshot[] {
    const out: DomainSnapshot[] = [];
    const walk = (n: string) => {
      for (const c of this.children(n)) {
        out.push(c);
        walk(c.name!);
      }
    };
    walk(name);
    return out;
  }

  isLeaf(name: string): boolean {
    return this.children(name).length === 0;
  }

  /** every snapshot after its parent (virsh --topological) */
  topological(): DomainSnapshot[] {
    const out: DomainSnapshot[] = [];
    for (const r of this.roots()) out.push(r, ...this.descendants(r.name!));
    return out;
  }

  add(s: DomainSnapshot): void {
    this.byName.set(s.name!, s);
  }

  /**
   * Removes `name` from the tree: its children get its parent (libvirt's re-parenting); if it was
   * current, its parent becomes current. Returns the snapshots whose parent changed.
   */
  remove(name: string): DomainSnapshot[] {
    const s = this.byName.get(name);
    if (!s) return [];
    const moved = this.children(name);
    for (const c of moved) c.parent = s.parent;
    this.byName.delete(name);
    if (this.current === name) this.current = s.parent && this.byName.has(s.parent) ? s.parent : undefined;
    return moved;
  }
}
