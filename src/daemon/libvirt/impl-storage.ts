// Storage pool and volume procedures, each turned into the pool.* / vol.* API calls that
// tsvirt's own CLI makes for the same virsh command. Volume upload and download are
// streams: their bytes go through volume-stream.ts, as for the HTTP transport.
import type { PoolSummary, VolSummary } from '../../protocol/methods-storage.js';
import type { NonnullStoragePool, NonnullStorageVol } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import type { StorageService } from '../storage-service.js';
import { openVolumeDownload, openVolumeUpload } from '../volume-stream.js';
import { checkFlags } from './rpc-errors.js';
import { apiName } from './rpc-errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { uuidBytes, uuidString } from './rpc-ids.js';
import { openStream } from './rpc-stream.js';

// virConnectListAllStoragePoolsFlags: state groups, then one bit per pool type
const L = { INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32 };
const TYPE_BITS: Record<string, number> = { dir: 1 << 6, logical: 1 << 9 };
const TYPE_MASK = ((1 << 20) - 1) & ~63;
const POOL_RUNNING = 2; // VIR_STORAGE_POOL_RUNNING (INACTIVE is 0)
const XML_INACTIVE = 1;
const VALIDATE = 1; // VIR_STORAGE_POOL_DEFINE_VALIDATE: tsvirt's parser always checks
const BUILD = { NO_OVERWRITE: 4, OVERWRITE: 8 };
const CREATE = { WITH_BUILD: 1, OVERWRITE: 2, NO_OVERWRITE: 4 };
const VOL_CREATE = { PREALLOC_METADATA: 1, REFLINK: 2, VALIDATE: 4 };
const VOL_DELETE_ZEROED = 1;
const RESIZE = { ALLOCATE: 1, DELTA: 2, SHRINK: 4 };
const GET_PHYSICAL = 1;
const SPARSE_STREAM = 1; // VIR_STORAGE_VOL_UPLOAD/DOWNLOAD_SPARSE_STREAM

export function poolFilter(flags: number): (p: PoolSummary) => boolean {
  const group = (a: number, b: number, isA: (p: PoolSummary) => boolean) => (p: PoolSummary) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && isA(p)) || ((flags & b) !== 0 && !isA(p));
  const checks = [
    group(L.ACTIVE, L.INACTIVE, (p) => p.active),
    group(L.PERSISTENT, L.TRANSIENT, (p) => p.persistent),
    group(L.AUTOSTART, L.NO_AUTOSTART, (p) => p.autostart),
  ];
  const types = flags & TYPE_MASK;
  return (p) => checks.every((c) => c(p)) && (!types || (types & (TYPE_BITS[p.type] ?? 0)) !== 0);
}

const wirePool = (p: Pick<PoolSummary, 'name' | 'uuid'>): NonnullStoragePool => ({ name: p.name, uuid: uuidBytes(p.uuid) });
const wireVol = (v: Pick<VolSummary, 'pool' | 'name' | 'key'>): NonnullStorageVol => ({ pool: v.pool, name: v.name, key: v.key });

async function pools(ctx: RpcContext): Promise<PoolSummary[]> {
  return (await ctx.call('pool.list', {})).pools;
}

async function findPool(ctx: RpcContext, ok: (p: PoolSummary) => boolean, what: string): Promise<PoolSummary> {
  const p = (await pools(ctx)).find(ok);
  if (!p) throw new TsvirtError('no-storage-pool', `no storage pool with matching ${what}`);
  return p;
}

/** Runs an API call on the pool the client holds, by its UUID; a pool gone since reads as libvirt says it. */
async function onPool<T>(pool: NonnullStoragePool, fn: (ref: string) => Promise<T>): Promise<T> {
  const ref = uuidString(pool.uuid);
  try {
    return await fn(ref);
  } catch (e) {
    if (e instanceof TsvirtError && e.code === 'no-storage-pool') throw new TsvirtError('no-storage-pool', `no storage pool with matching uuid '${ref}' (${pool.name})`);
    throw e;
  }
}

/** Runs an API call on the volume the client holds (by pool and name), with libvirt's not-found texts. */
async function onVol<T>(vol: NonnullStorageVol, fn: (ref: { vol: string; pool: string }) => Promise<T>): Promise<T> {
  try {
    return await fn({ vol: vol.name, pool: vol.pool });
  } catch (e) {
    if (e instanceof TsvirtError && e.code === 'no-storage-vol') throw new TsvirtError('no-storage-vol', `no storage vol with matching name '${vol.name}'`);
    if (e instanceof TsvirtError && e.code === 'no-storage-pool') throw new TsvirtError('no-storage-pool', `no storage pool with matching name '${vol.pool}'`);
    throw e;
  }
}

/** a volume by absolute path (its key is its path too); anything else is not found */
async function volByPath(ctx: RpcContext, p: string, what: 'key' | 'path'): Promise<VolSummary> {
  const missing = () => new TsvirtError('no-storage-vol', what === 'key' ? `no storage vol with matching key ${p}` : `no storage vol with matching path '${p}'`);
  if (!p.startsWith('/')) throw missing();
  try {
    return await ctx.call('vol.lookup', { vol: p });
  } catch (e) {
    if (e instanceof TsvirtError && e.code === 'no-storage-vol') throw missing();
    throw e;
  }
}

const volSummary = (ctx: RpcContext, vol: NonnullStorageVol) => onVol(vol, (r) => ctx.call('vol.lookup', r));
const poolSummary = (ctx: RpcContext, pool: NonnullStoragePool) => onPool(pool, (ref) => ctx.call('pool.lookup', { pool: ref }));

function exclusive(flags: number, a: number, b: number, names: [string, string]): void {
  if ((flags & a) && (flags & b)) throw new TsvirtError('invalid-arg', `Flags '${names[0]}' and '${names[1]}' are mutually exclusive`);
}

/** bytes on the wire (unsigned hyper) as a number the API takes */
function bytes(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TsvirtError('invalid-arg', `${what} ${v} is too large`);
  return Number(v);
}

/** streams bypass the API's dispatch: the read-only rule is applied here, as libvirtd's API does */
function writable(ctx: RpcContext, proc: string): void {
  if (ctx.conn.readonly) throw new TsvirtError('operation-denied', `read only access prevents ${apiName(proc)}`);
}

const storageOf = (ctx: RpcContext) => ctx.conn.deps.extras.storage as StorageService;

export const storageImpls: Impls = {
  CONNECT_LIST_ALL_STORAGE_POOLS: async ({ need_results, flags }, ctx) => {
    checkFlags(flags, (1 << 20) - 1, 'virConnectListAllStoragePools');
    const list = (await pools(ctx)).filter(poolFilter(flags));
    return { pools: need_results ? list.map(wirePool) : [], ret: list.length };
  },
  CONNECT_NUM_OF_STORAGE_POOLS: async (_a, ctx) => ({ num: (await pools(ctx)).filter((p) => p.active).length }),
  CONNECT_LIST_STORAGE_POOLS: async ({ maxnames }, ctx) => ({
    names: (await pools(ctx)).filter((p) => p.active).map((p) => p.name).slice(0, Math.max(0, maxnames)),
  }),
  CONNECT_NUM_OF_DEFINED_STORAGE_POOLS: async (_a, ctx) => ({ num: (await pools(ctx)).filter((p) => !p.active).length }),
  CONNECT_LIST_DEFINED_STORAGE_POOLS: async ({ maxnames }, ctx) => ({
    names: (await pools(ctx)).filter((p) => !p.active).map((p) => p.name).slice(0, Math.max(0, maxnames)),
  }),

  STORAGE_POOL_LOOKUP_BY_NAME: async ({ name }, ctx) => ({ pool: wirePool(await findPool(ctx, (p) => p.name === name, `name '${name}'`)) }),
  STORAGE_POOL_LOOKUP_BY_UUID: async ({ uuid }, ctx) => {
    const u = uuidString(uuid);
    return { pool: wirePool(await findPool(ctx, (p) => p.uuid === u, `uuid '${u}'`)) };
  },
  STORAGE_POOL_LOOKUP_BY_VOLUME: async ({ vol }, ctx) => ({ pool: wirePool(await findPool(ctx, (p) => p.name === vol.pool, `name '${vol.pool}'`)) }),
  STORAGE_POOL_LOOKUP_BY_TARGET_PATH: async ({ path }, ctx) => {
    const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
    return { pool: wirePool(await findPool(ctx, (p) => p.active && p.path === clean, `target path '${path}'`)) };
  },

  STORAGE_POOL_DEFINE_XML: async ({ xml, flags }, ctx) => {
    checkFlags(flags, VALIDATE, 'virStoragePoolDefineXML');
    return { pool: wirePool(await ctx.call('pool.define', { xml })) };
  },
  STORAGE_POOL_CREATE_XML: async ({ xml, flags }, ctx) => {
    checkFlags(flags, CREATE.WITH_BUILD | CREATE.OVERWRITE | CREATE.NO_OVERWRITE, 'virStoragePoolCreateXML');
    exclusive(flags, CREATE.OVERWRITE, CREATE.NO_OVERWRITE, ['VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE', 'VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE']);
    if (flags & CREATE.OVERWRITE) {
      throw new TsvirtError('operation-unsupported', 'building a transient pool with overwrite: define it, build it with overwrite, then start it');
    }
    return { pool: wirePool(await ctx.call('pool.create', { xml, build: flags !== 0 || undefined })) };
  },
  STORAGE_POOL_CREATE: async ({ pool, flags }, ctx) => {
    checkFlags(flags, CREATE.WITH_BUILD | CREATE.OVERWRITE | CREATE.NO_OVERWRITE, 'virStoragePoolCreate');
    exclusive(flags, CREATE.OVERWRITE, CREATE.NO_OVERWRITE, ['VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE', 'VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE']);
    await onPool(pool, async (ref) => {
      // the API's start builds without overwriting; overwrite is a build of its own first
      if (flags & CREATE.OVERWRITE) await ctx.call('pool.build', { pool: ref, overwrite: true });
      await ctx.call('pool.start', { pool: ref, build: (flags & (CREATE.WITH_BUILD | CREATE.NO_OVERWRITE)) !== 0 || undefined });
    });
  },
  STORAGE_POOL_BUILD: async ({ pool, flags }, ctx) => {
    checkFlags(flags, BUILD.NO_OVERWRITE | BUILD.OVERWRITE, 'virStoragePoolBuild');
    exclusive(flags, BUILD.OVERWRITE, BUILD.NO_OVERWRITE, ['VIR_STORAGE_POOL_BUILD_OVERWRITE', 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE']);
    await onPool(pool, (ref) => ctx.call('pool.build', { pool: ref, overwrite: (flags & BUILD.OVERWRITE) !== 0 || undefined }));
  },
  STORAGE_POOL_DESTROY: async ({ pool }, ctx) => void (await onPool(pool, (ref) => ctx.call('pool.destroy', { pool: ref }))),
  STORAGE_POOL_DELETE: async ({ pool, flags }, ctx) => {
    checkFlags(flags, 0, 'virStoragePoolDelete');
    await onPool(pool, (ref) => ctx.call('pool.delete', { pool: ref }));
  },
  STORAGE_POOL_UNDEFINE: async ({ pool }, ctx) => void (await onPool(pool, (ref) => ctx.call('pool.undefine', { pool: ref }))),
  STORAGE_POOL_REFRESH: async ({ pool, flags }, ctx) => {
    checkFlags(flags, 0, 'virStoragePoolRefresh');
    await onPool(pool, (ref) => ctx.call('pool.refresh', { pool: ref }));
  },

  STORAGE_POOL_GET_INFO: async ({ pool }, ctx) => {
    const p = await poolSummary(ctx, pool);
    return { state: p.active ? POOL_RUNNING : 0, capacity: BigInt(p.capacity), allocation: BigInt(p.allocation), available: BigInt(p.available) };
  },
  STORAGE_POOL_GET_XML_DESC: async ({ pool, flags }, ctx) => {
    checkFlags(flags, XML_INACTIVE, 'virStoragePoolGetXMLDesc');
    return { xml: (await onPool(pool, (ref) => ctx.call('pool.getXml', { pool: ref, inactive: (flags & XML_INACTIVE) !== 0 || undefined }))).xml };
  },
  STORAGE_POOL_GET_AUTOSTART: async ({ pool }, ctx) => ({ autostart: (await poolSummary(ctx, pool)).autostart ? 1 : 0 }),
  STORAGE_POOL_SET_AUTOSTART: async ({ pool, autostart }, ctx) =>
    void (await onPool(pool, (ref) => ctx.call('pool.setAutostart', { pool: ref, autostart: autostart !== 0 }))),
  STORAGE_POOL_IS_ACTIVE: async ({ pool }, ctx) => ({ active: (await poolSummary(ctx, pool)).active ? 1 : 0 }),
  STORAGE_POOL_IS_PERSISTENT: async ({ pool }, ctx) => ({ persistent: (await poolSummary(ctx, pool)).persistent ? 1 : 0 }),

  STORAGE_POOL_NUM_OF_VOLUMES: async ({ pool }, ctx) => ({ num: (await onPool(pool, (ref) => ctx.call('vol.list', { pool: ref }))).volumes.length }),
  STORAGE_POOL_LIST_VOLUMES: async ({ pool, maxnames }, ctx) => ({
    names: (await onPool(pool, (ref) => ctx.call('vol.list', { pool: ref }))).volumes.map((v) => v.name).slice(0, Math.max(0, maxnames)),
  }),
  STORAGE_POOL_LIST_ALL_VOLUMES: async ({ pool, need_results, flags }, ctx) => {
    checkFlags(flags, 0, 'virStoragePoolListAllVolumes');
    const { volumes } = await onPool(pool, (ref) => ctx.call('vol.list', { pool: ref }));
    return { vols: need_results ? volumes.map(wireVol) : [], ret: volumes.length };
  },

  STORAGE_VOL_LOOKUP_BY_NAME: async ({ pool, name }, ctx) => {
    // a name never holds '/': the API would read it as a path
    if (name.includes('/')) throw new TsvirtError('no-storage-vol', `no storage vol with matching name '${name}'`);
    return { vol: wireVol(await onPool(pool, (ref) => onVol({ pool: ref, name, key: '' }, (r) => ctx.call('vol.lookup', r)))) };
  },
  STORAGE_VOL_LOOKUP_BY_KEY: async ({ key }, ctx) => ({ vol: wireVol(await volByPath(ctx, key, 'key')) }),
  STORAGE_VOL_LOOKUP_BY_PATH: async ({ path }, ctx) => ({ vol: wireVol(await volByPath(ctx, path, 'path')) }),

  STORAGE_VOL_CREATE_XML: async ({ pool, xml, flags }, ctx) => {
    // metadata preallocation is a hint tsvirt does not need (as with its own vol-create)
    checkFlags(flags, VOL_CREATE.PREALLOC_METADATA | VOL_CREATE.VALIDATE, 'virStorageVolCreateXML');
    return { vol: wireVol(await onPool(pool, (ref) => ctx.call('vol.create', { pool: ref, xml }))) };
  },
  STORAGE_VOL_CREATE_XML_FROM: async ({ pool, xml, clonevol, flags }, ctx) => {
    checkFlags(flags, VOL_CREATE.PREALLOC_METADATA | VOL_CREATE.REFLINK | VOL_CREATE.VALIDATE, 'virStorageVolCreateXMLFrom');
    const from = await volSummary(ctx, clonevol);
    return { vol: wireVol(await onPool(pool, (ref) => ctx.call('vol.createFrom', { pool: ref, xml, from: { vol: from.path } }))) };
  },
  STORAGE_VOL_DELETE: async ({ vol, flags }, ctx) => {
    checkFlags(flags, VOL_DELETE_ZEROED, 'virStorageVolDelete');
    await onVol(vol, async (r) => {
      if (flags & VOL_DELETE_ZEROED) await ctx.call('vol.wipe', r);
      await ctx.call('vol.delete', r);
    });
  },
  STORAGE_VOL_WIPE: async ({ vol, flags }, ctx) => {
    checkFlags(flags, 0, 'virStorageVolWipe');
    await onVol(vol, (r) => ctx.call('vol.wipe', r));
  },
  STORAGE_VOL_WIPE_PATTERN: async ({ vol, algorithm, flags }, ctx) => {
    checkFlags(flags, 0, 'virStorageVolWipePattern');
    if (algorithm !== 0) throw new TsvirtError('operation-unsupported', `wiping algorithm ${algorithm}: only zero (0) is implemented`);
    await onVol(vol, (r) => ctx.call('vol.wipe', r));
  },
  STORAGE_VOL_RESIZE: async ({ vol, capacity, flags }, ctx) => {
    // ALLOCATE is accepted as by tsvirt's own vol-resize: the new space is left sparse
    checkFlags(flags, RESIZE.ALLOCATE | RESIZE.DELTA | RESIZE.SHRINK, 'virStorageVolResize');
    const bytesWanted = bytes(capacity, 'capacity');
    await onVol(vol, (r) => ctx.call('vol.resize', {
      ...r, capacity: bytesWanted, delta: (flags & RESIZE.DELTA) !== 0 || undefined, shrink: (flags & RESIZE.SHRINK) !== 0 || undefined,
    }));
  },

  STORAGE_VOL_GET_INFO: async ({ vol }, ctx) => {
    const v = await volSummary(ctx, vol);
    return { type: v.type === 'block' ? 1 : 0, capacity: BigInt(v.capacity), allocation: BigInt(v.allocation) };
  },
  STORAGE_VOL_GET_INFO_FLAGS: async ({ vol, flags }, ctx) => {
    checkFlags(flags, GET_PHYSICAL, 'virStorageVolGetInfoFlags');
    const v = await volSummary(ctx, vol);
    return { type: v.type === 'block' ? 1 : 0, capacity: BigInt(v.capacity), allocation: BigInt(flags & GET_PHYSICAL ? v.physical : v.allocation) };
  },
  STORAGE_VOL_GET_XML_DESC: async ({ vol, flags }, ctx) => {
    checkFlags(flags, 0, 'virStorageVolGetXMLDesc');
    return { xml: (await onVol(vol, (r) => ctx.call('vol.getXml', r))).xml };
  },
  STORAGE_VOL_GET_PATH: async ({ vol }, ctx) => ({ name: (await volSummary(ctx, vol)).path }),

  STORAGE_VOL_UPLOAD: async ({ vol, offset, length, flags }, ctx) => {
    checkFlags(flags, SPARSE_STREAM, 'virStorageVolUpload');
    writable(ctx, 'STORAGE_VOL_UPLOAD');
    const at = bytes(offset, 'offset');
    const len = length === 0n ? undefined : bytes(length, 'length');
    const up = await onVol(vol, (r) => openVolumeUpload(storageOf(ctx), r.vol, r.pool, at, len));
    const st = openStream(ctx, { holes: (flags & SPARSE_STREAM) !== 0 });
    st.handler = { data: (b) => up.write(b), hole: (n) => up.zero(n), finish: () => up.finish(), abort: () => up.abort() };
  },
  STORAGE_VOL_DOWNLOAD: async ({ vol, offset, length, flags }, ctx) => {
    checkFlags(flags, SPARSE_STREAM, 'virStorageVolDownload');
    writable(ctx, 'STORAGE_VOL_DOWNLOAD');
    const at = bytes(offset, 'offset');
    const len = length === 0n ? undefined : bytes(length, 'length');
    const down = await onVol(vol, (r) => openVolumeDownload(storageOf(ctx), r.vol, r.pool, at, len));
    // a sparse download may hold holes; tsvirt sends every byte as data, which such a client takes too
    const st = openStream(ctx, { holes: (flags & SPARSE_STREAM) !== 0 });
    st.handler = { finish: () => down.close(), abort: () => down.close() };
    ctx.afterReply(() => void (async () => {
      try {
        for (let b = await down.read(); b && !st.isClosed; b = await down.read()) await st.send(b);
        down.close();
        st.sendEof();
      } catch (e) {
        down.close();
        st.fail(e);
      }
    })());
  },
};
