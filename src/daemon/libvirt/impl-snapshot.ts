// The snapshot procedures (procs-snapshot.ts), each one call of src/protocol/methods-snapshot.ts;
// flags as libvirt's QEMU driver checks them (virDomainSnapshotCreateFlags, ListFlags, ...).
import type { NonnullDomain } from '../../protocol/libvirt/remote-types.js';
import type { SnapshotInfo } from '../../protocol/methods-snapshot.js';
import { TsvirtError } from '../../util/errors.js';
import { checkFlags } from './rpc-errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { domRef } from './rpc-ids.js';

const CREATE = { REDEFINE: 1, CURRENT: 2, NO_METADATA: 4, HALT: 8, DISK_ONLY: 16, REUSE_EXT: 32, QUIESCE: 64, ATOMIC: 128, LIVE: 256, VALIDATE: 512 };
const LIST = { ROOTS: 1, METADATA: 2, LEAVES: 4, NO_LEAVES: 8, NO_METADATA: 16, INACTIVE: 32, ACTIVE: 64, DISK_ONLY: 128, INTERNAL: 256, EXTERNAL: 512, TOPOLOGICAL: 1024 };
const LIST_ALL = 2047;
const REVERT = { RUNNING: 1, PAUSED: 2, FORCE: 4, RESET_NVRAM: 8 };
const DELETE = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 };
const XML_SECURE = 1;

const has = (flags: number, bit: number) => (flags & bit) !== 0;

function filter(flags: number, children: boolean) {
  return {
    ...(children ? { descendants: has(flags, LIST.ROOTS) } : { roots: has(flags, LIST.ROOTS) }),
    metadata: has(flags, LIST.METADATA), noMetadata: has(flags, LIST.NO_METADATA),
    leaves: has(flags, LIST.LEAVES), noLeaves: has(flags, LIST.NO_LEAVES),
    inactive: has(flags, LIST.INACTIVE), active: has(flags, LIST.ACTIVE), diskOnly: has(flags, LIST.DISK_ONLY),
    internal: has(flags, LIST.INTERNAL), external: has(flags, LIST.EXTERNAL), topological: has(flags, LIST.TOPOLOGICAL),
  };
}

async function list(ctx: RpcContext, dom: NonnullDomain, of: string | undefined, flags: number, api: string): Promise<SnapshotInfo[]> {
  checkFlags(flags, LIST_ALL, api);
  return (await ctx.call('snapshot.list', { domain: domRef(dom), of, filter: filter(flags, of !== undefined) })).snapshots;
}

const limit = (names: string[], max: number) => {
  if (max < 0) throw new TsvirtError('invalid-arg', 'maxnames in virDomainSnapshotListNames must be greater than or equal to 0');
  return names.slice(0, max);
};

export const snapshotImpls: Impls = {
  DOMAIN_SNAPSHOT_CREATE_XML: async ({ dom, xml_desc, flags }, ctx) => {
    checkFlags(flags, 1023, 'qemuSnapshotCreateXML');
    const f = (b: number) => has(flags, b) || undefined;
    const r = await ctx.call('snapshot.create', {
      domain: domRef(dom), xml: xml_desc, redefine: f(CREATE.REDEFINE), current: f(CREATE.CURRENT), noMetadata: f(CREATE.NO_METADATA),
      halt: f(CREATE.HALT), diskOnly: f(CREATE.DISK_ONLY), reuseExternal: f(CREATE.REUSE_EXT), quiesce: f(CREATE.QUIESCE),
      atomic: f(CREATE.ATOMIC), live: f(CREATE.LIVE),
    });
    return { snap: { name: r.name, dom } };
  },
  DOMAIN_SNAPSHOT_GET_XML_DESC: async ({ snap, flags }, ctx) => {
    checkFlags(flags, XML_SECURE, 'qemuDomainSnapshotGetXMLDesc');
    return ctx.call('snapshot.getXml', { domain: domRef(snap.dom), name: snap.name });
  },
  DOMAIN_SNAPSHOT_NUM: async ({ dom, flags }, ctx) => ({ num: (await list(ctx, dom, undefined, flags, 'qemuDomainSnapshotNum')).length }),
  DOMAIN_SNAPSHOT_LIST_NAMES: async ({ dom, maxnames, flags }, ctx) =>
    ({ names: limit((await list(ctx, dom, undefined, flags, 'qemuDomainSnapshotListNames')).map((s) => s.name), maxnames) }),
  DOMAIN_LIST_ALL_SNAPSHOTS: async ({ dom, need_results, flags }, ctx) => {
    const l = await list(ctx, dom, undefined, flags, 'qemuDomainListAllSnapshots');
    return { snapshots: need_results ? l.map((s) => ({ name: s.name, dom })) : [], ret: l.length };
  },
  DOMAIN_SNAPSHOT_NUM_CHILDREN: async ({ snap, flags }, ctx) => ({ num: (await list(ctx, snap.dom, snap.name, flags, 'qemuDomainSnapshotNumChildren')).length }),
  DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES: async ({ snap, maxnames, flags }, ctx) =>
    ({ names: limit((await list(ctx, snap.dom, snap.name, flags, 'qemuDomainSnapshotListChildrenNames')).map((s) => s.name), maxnames) }),
  DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN: async ({ snapshot, need_results, flags }, ctx) => {
    const l = await list(ctx, snapshot.dom, snapshot.name, flags, 'qemuDomainSnapshotListAllChildren');
    return { snapshots: need_results ? l.map((s) => ({ name: s.name, dom: snapshot.dom })) : [], ret: l.length };
  },
  DOMAIN_SNAPSHOT_LOOKUP_BY_NAME: async ({ dom, name, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainSnapshotLookupByName');
    const r = await ctx.call('snapshot.lookup', { domain: domRef(dom), name });
    return { snap: { name: r.name, dom } };
  },
  DOMAIN_HAS_CURRENT_SNAPSHOT: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainHasCurrentSnapshot');
    return { result: (await ctx.call('snapshot.current', { domain: domRef(dom) })).name ? 1 : 0 };
  },
  DOMAIN_SNAPSHOT_CURRENT: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainSnapshotCurrent');
    const { name } = await ctx.call('snapshot.current', { domain: domRef(dom) });
    if (!name) throw new TsvirtError('no-domain-snapshot', 'the domain does not have a current snapshot');
    return { snap: { name, dom } };
  },
  DOMAIN_SNAPSHOT_GET_PARENT: async ({ snap, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainSnapshotGetParent');
    const r = await ctx.call('snapshot.lookup', { domain: domRef(snap.dom), name: snap.name });
    if (!r.parent) throw new TsvirtError('no-domain-snapshot', `snapshot '${snap.name}' does not have a parent`);
    return { snap: { name: r.parent, dom: snap.dom } };
  },
  DOMAIN_SNAPSHOT_IS_CURRENT: async ({ snap, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainSnapshotIsCurrent');
    return { current: (await ctx.call('snapshot.lookup', { domain: domRef(snap.dom), name: snap.name })).current ? 1 : 0 };
  },
  DOMAIN_SNAPSHOT_HAS_METADATA: async ({ snap, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainSnapshotHasMetadata');
    await ctx.call('snapshot.lookup', { domain: domRef(snap.dom), name: snap.name });
    return { metadata: 1 };
  },
  DOMAIN_REVERT_TO_SNAPSHOT: async ({ snap, flags }, ctx) => {
    checkFlags(flags, REVERT.RUNNING | REVERT.PAUSED | REVERT.FORCE | REVERT.RESET_NVRAM, 'qemuSnapshotRevert');
    await ctx.call('snapshot.revert', {
      domain: domRef(snap.dom), name: snap.name,
      running: has(flags, REVERT.RUNNING) || undefined, paused: has(flags, REVERT.PAUSED) || undefined, force: has(flags, REVERT.FORCE) || undefined,
    });
  },
  DOMAIN_SNAPSHOT_DELETE: async ({ snap, flags }, ctx) => {
    checkFlags(flags, DELETE.CHILDREN | DELETE.METADATA_ONLY | DELETE.CHILDREN_ONLY, 'qemuSnapshotDelete');
    await ctx.call('snapshot.delete', {
      domain: domRef(snap.dom), name: snap.name,
      children: has(flags, DELETE.CHILDREN) || undefined, childrenOnly: has(flags, DELETE.CHILDREN_ONLY) || undefined, metadata: has(flags, DELETE.METADATA_ONLY) || undefined,
    });
  },
};
