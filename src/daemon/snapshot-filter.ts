// libvirt's snapshot list filters (virDomainSnapshotListFlags): which snapshots a list, a
// count or a children listing returns, and in which order.
import type { DomainSnapshot } from '../conf/snapshot-xml.js';
import { snapshotLocation } from '../conf/snapshot-xml.js';
import type { SnapshotTree } from '../conf/snapshot-tree.js';

export interface SnapshotFilter {
  /** of the whole list: roots only; of a snapshot's: all descendants, not only children */
  roots?: boolean;
  descendants?: boolean;
  leaves?: boolean;
  noLeaves?: boolean;
  metadata?: boolean;
  noMetadata?: boolean;
  inactive?: boolean;
  active?: boolean;
  diskOnly?: boolean;
  internal?: boolean;
  external?: boolean;
  topological?: boolean;
}

/** The snapshots of the domain (`of` undefined) or below snapshot `of`, filtered. */
export function filterSnapshots(tree: SnapshotTree<DomainSnapshot>, of: string | undefined, f: SnapshotFilter): DomainSnapshot[] {
  let list: DomainSnapshot[];
  if (of === undefined) list = f.roots ? tree.roots() : f.topological ? tree.topological() : tree.all();
  else list = f.descendants ? tree.descendants(of) : tree.children(of);
  // every snapshot here has metadata: --no-metadata alone lists none
  if (f.noMetadata && !f.metadata) return [];
  if (f.leaves !== f.noLeaves) list = list.filter((s) => tree.isLeaf(s.name!) === (f.leaves === true));
  if (f.inactive || f.active || f.diskOnly) {
    list = list.filter((s) =>
      (f.inactive && s.state === 'shutoff') ||
      (f.diskOnly && s.state === 'disk-snapshot') ||
      (f.active && s.state !== 'shutoff' && s.state !== 'disk-snapshot'));
  }
  if (f.internal !== f.external) list = list.filter((s) => (snapshotLocation(s) === 'internal') === (f.internal === true));
  return list;
}
