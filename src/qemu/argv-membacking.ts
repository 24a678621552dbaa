// RAM backends (-object memory-backend-*) from <memoryBacking>, as libvirt 9.0's
// qemuBuildMemoryBackendProps builds them: memfd when <source type='memfd'/>, a file when huge
// pages, <source type='file'/> or an access mode is set, plain RAM otherwise. Shared RAM
// (share=true) is what vhost-user devices such as virtiofs need: the external process maps
// guest memory. Used for main RAM (pc.ram) and usable for guest NUMA cells (ram-nodeN).
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';
import type { Props } from './argv-common.js';
import { parseNodeset } from '../conf/domain-membacking-xml.js';

/** The system page size in KiB: a "huge" page of this size means no huge pages (as libvirt). */
const SYSTEM_PAGE_KIB = 4;

/**
 * The huge page size (KiB) RAM of guest NUMA node `node` (or main RAM, node undefined) uses, or
 * undefined for normal pages: the <page> whose nodeset holds the node, else the one without a nodeset.
 */
export function ramPageSize(dom: Domain, ctx: Pick<ArgvContext, 'hugepages'>, node?: number): number | undefined {
  const pages = dom.memoryBacking?.hugepages;
  if (!pages) return undefined;
  const page = pages.length === 0 ? { size: 0 }
    : (node !== undefined ? pages.find((p) => p.nodeset !== undefined && (parseNodeset(p.nodeset) ?? []).includes(node)) : undefined)
      ?? pages.find((p) => p.nodeset === undefined);
  if (!page || page.size === SYSTEM_PAGE_KIB) return undefined;
  if (page.size !== 0) return page.size;
  if (!ctx.hugepages) throw new TsvirtError('config-unsupported', 'hugetlbfs filesystem is not mounted or disabled by administrator config');
  return ctx.hugepages.defaultSize;
}

/** Main RAM's huge page size (KiB), or undefined. */
export function mainRamPageSize(dom: Domain, ctx: Pick<ArgvContext, 'hugepages'>): number | undefined {
  return ramPageSize(dom, ctx);
}

export interface RamBackendOptions {
  id: string;
  sizeKiB: number;
  /** a NUMA cell's own memAccess / discard (they win over <memoryBacking>'s) */
  access?: 'shared' | 'private';
  discard?: boolean;
  /** the guest NUMA node, for per-node huge pages */
  node?: number;
  /** main RAM (libvirt then sets x-use-canonical-path-for-ramblock-id=false, for migration) */
  system?: boolean;
}

export function ramBackendProps(dom: Domain, ctx: ArgvContext, o: RamBackendOptions): Props {
  const mb = dom.memoryBacking ?? {};
  const access = o.access ?? mb.access;
  const discard = o.discard ?? mb.discard;
  const pageSize = ramPageSize(dom, ctx, o.node);
  const share = access === undefined ? {} : { share: access === 'shared' };
  const prealloc = pageSize !== undefined || mb.allocation?.mode === 'immediate';
  const canonical = o.system ? { 'x-use-canonical-path-for-ramblock-id': false } : {};
  const tail: Props = {
    ...(prealloc ? { prealloc: true } : {}),
    ...(prealloc && mb.allocation?.threads ? { 'prealloc-threads': mb.allocation.threads } : {}),
    size: o.sizeKiB * 1024,
  };
  if (mb.source === 'memfd') {
    const huge = pageSize !== undefined ? { hugetlb: true, hugetlbsize: pageSize * 1024 } : {};
    return { 'qom-type': 'memory-backend-memfd', id: o.id, ...huge, ...share, ...canonical, ...tail };
  }
  if (pageSize !== undefined || access !== undefined || mb.source === 'file') {
    let memPath: string;
    if (pageSize !== undefined) {
      const p = ctx.hugepages?.paths[pageSize];
      if (!p) throw new TsvirtError('config-unsupported', `unable to find any usable hugetlbfs mount for ${pageSize} KiB`);
      memPath = p;
    } else {
      // the domain's run folder: QEMU makes an unlinked file there, gone with the process
      memPath = ctx.channelDir;
    }
    return { 'qom-type': 'memory-backend-file', id: o.id, 'mem-path': memPath, ...(discard ? { 'discard-data': true } : {}), ...share, ...canonical, ...tail };
  }
  return { 'qom-type': 'memory-backend-ram', id: o.id, ...tail };
}

/** The main RAM backend (pc.ram) of a domain without guest NUMA. */
export function mainRamBackend(dom: Domain, ctx: ArgvContext): Props {
  return ramBackendProps(dom, ctx, { id: 'pc.ram', sizeKiB: dom.memory, system: true });
}
