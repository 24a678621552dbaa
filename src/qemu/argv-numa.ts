// Guest NUMA and memory devices on the QEMU command line, as libvirt 9.0's qemuBuildNumaCommandLine
// and qemuBuildMemoryDeviceCommandLine: one RAM backend per cell (memdev=ram-nodeN), -numa dist for
// every pair once any distance is set, and pc-dimm / nvdimm / virtio-pmem-pci / virtio-mem-pci
// devices each with a mem<alias> backend, HMAT (-numa hmat-lb/hmat-cache). Tuning that needs host
// cgroups is refused at start.
import { TsvirtError } from '../util/errors.js';
import type { Domain, MemoryDevice } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, jsonArg, pciProps } from './argv-common.js';
import { parseBitmap } from '../conf/bitmap.js';
import { tuningNeedingHost } from '../conf/domain-tuning-xml.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** Start-time refusal of what tsvirt cannot apply (no cgroups, no CPU/memory pinning here). */
export function checkTuningRunnable(dom: Domain): void {
  const need = tuningNeedingHost(dom);
  if (need.length) throw unsupported(`${need.join(', ')} need host cgroups / CPU and memory pinning, which tsvirt does not apply; remove them to start the domain`);
}

/** virDomainNumaHasHMAT: interconnects or memory-side caches, which need -machine hmat=on. */
export function numaHasHmat(dom: Domain): boolean {
  const numa = dom.cpu?.numa;
  return !!numa && (numa.interconnects.length > 0 || numa.cells.some((c) => c.caches.length > 0));
}

/** virDomainNumaGetNodeInitiator: a cell with CPUs is its own; else the best-latency (then bandwidth) one. */
function initiatorOf(numa: NonNullable<NonNullable<Domain['cpu']>['numa']>, node: number): number {
  if (numa.cells[node].cpus) return node;
  let lat: [number, number] | undefined;
  let bw: [number, number] | undefined;
  for (const l of numa.interconnects) {
    if (l.target !== node) continue;
    if (l.kind === 'latency' && (!lat || l.value < lat[0])) lat = [l.value, l.initiator];
    if (l.kind === 'bandwidth' && (!bw || l.value > bw[0])) bw = [l.value, l.initiator];
  }
  return lat?.[1] ?? bw?.[1] ?? -1;
}

const HIERARCHY = ['memory', 'first-level', 'second-level', 'third-level'];
const ASSOC: Record<string, string> = { none: 'none', direct: 'direct', full: 'complex' };
const POLICY: Record<string, string> = { none: 'none', writeback: 'write-back', writethrough: 'write-through' };

/** -numa hmat-lb for each interconnect, then hmat-cache for each cell cache (QEMU wants that order). */
function hmatArgs(numa: NonNullable<NonNullable<Domain['cpu']>['numa']>): ArgPair[] {
  const out: ArgPair[] = numa.interconnects.map((l) => ['-numa',
    `hmat-lb,initiator=${l.initiator},target=${l.target},hierarchy=${HIERARCHY[l.cache ?? 0]},data-type=${l.type}-` +
    (l.kind === 'latency' ? `latency,latency=${l.value}` : `bandwidth,bandwidth=${l.value}K`)]);
  numa.cells.forEach((c, i) => {
    for (const k of c.caches) {
      out.push(['-numa', `hmat-cache,node-id=${i},size=${k.size}K,level=${k.level},associativity=${ASSOC[k.associativity ?? 'none']},policy=${POLICY[k.policy ?? 'none']}${k.line ? `,line=${k.line}` : ''}`]);
    }
  });
  return out;
}

/** qemuBuildNumaCPUs: one cpus= per range. */
function cpusProps(cpus: string | undefined): string {
  if (!cpus) return '';
  return cpus.split(',').map((r) => `,cpus=${r}`).join('');
}

/**
 * One cell's RAM backend, following <memoryBacking> like libvirt's qemuBuildMemoryBackendProps:
 * memfd for <source type='memfd'/>; a file (an unlinked one in the domain's run folder) when
 * the cell or the domain sets an access mode or <source type='file'/>; plain RAM otherwise.
 */
function ramBackend(dom: Domain, ctx: ArgvContext, id: string, kib: number, access: 'shared' | 'private' | undefined, discard: boolean | undefined, extra: Props = {}): Props {
  const mb = dom.memoryBacking ?? {};
  if (mb.hugepages) throw unsupported('huge pages together with guest NUMA cells or memory devices are not supported by tsvirt yet');
  const share = access === undefined ? {} : { share: access === 'shared' };
  const prealloc = mb.allocation?.mode === 'immediate'
    ? { prealloc: true, ...(mb.allocation.threads ? { 'prealloc-threads': mb.allocation.threads } : {}) } : {};
  const size = kib * 1024;
  if (mb.source === 'memfd') return { 'qom-type': 'memory-backend-memfd', id, ...share, ...extra, ...prealloc, size };
  if (access !== undefined || mb.source === 'file') {
    return { 'qom-type': 'memory-backend-file', id, 'mem-path': ctx.channelDir, ...(discard ? { 'discard-data': true } : {}), ...share, ...extra, ...prealloc, size };
  }
  return { 'qom-type': 'memory-backend-ram', id, ...extra, ...prealloc, size };
}

/**
 * One cell's RAM backend, following <memoryBacking> like libvirt's qemuBuildMemoryBackendProps:
 * memfd for <source type='memfd'/>; a file (an unlinked one in the domain's run folder) when
 * the cell or the domain sets an access mode or <source type='file'/>; plain RAM otherwise.
 */
function cellBackend(dom: Domain, ctx: ArgvContext, i: number): Props {
  const cell = dom.cpu!.numa!.cells[i];
  return ramBackend(dom, ctx, `ram-node${i}`, cell.memory, cell.memAccess ?? dom.memoryBacking?.access, cell.discard ?? dom.memoryBacking?.discard);
}

/** -object + -numa node per cell, then -numa dist; empty without guest NUMA. */
export function numaArgs(dom: Domain, ctx: ArgvContext): ArgPair[] {
  const numa = dom.cpu?.numa;
  if (!numa?.cells.length) return [];
  if (!numa.cells.some((c) => c.cpus)) throw unsupported('At least one NUMA node has to have CPUs');
  const out: ArgPair[] = [];
  const hmat = numaHasHmat(dom);
  const master = numa.cells.findIndex((c) => c.cpus);
  numa.cells.forEach((c, i) => {
    out.push(jsonArg('-object', cellBackend(dom, ctx, i)));
    const ini = hmat ? initiatorOf(numa, i) : -1;
    out.push(['-numa', `node,nodeid=${i}${cpusProps(c.cpus)}${hmat ? `,initiator=${ini < 0 ? master : ini}` : ''},memdev=ram-node${i}`]);
  });
  if (numa.cells.some((c) => c.distances?.length)) {
    numa.cells.forEach((c, i) => numa.cells.forEach((_, j) => {
      const v = c.distances?.find((d) => d.id === j)?.value ?? (i === j ? 10 : 20);
      out.push(['-numa', `dist,src=${i},dst=${j},val=${v}`]);
    }));
  }
  if (hmat) out.push(...hmatArgs(numa));
  return out;
}

const PREFIX: Record<MemoryDevice['model'], string> = { dimm: 'dimm', nvdimm: 'nvdimm', 'virtio-pmem': 'virtiopmem', 'virtio-mem': 'virtiomem' };
const DRIVER: Record<MemoryDevice['model'], string> = { dimm: 'pc-dimm', nvdimm: 'nvdimm', 'virtio-pmem': 'virtio-pmem-pci', 'virtio-mem': 'virtio-mem-pci' };

/** Device ids as libvirt gives them: DIMM slot for dimm/nvdimm, a running index otherwise. */
export function memoryDeviceAliases(dom: Domain): string[] {
  const next: Record<string, number> = {};
  return (dom.devices.memories ?? []).map((m) => {
    if (m.alias) return m.alias;
    const p = PREFIX[m.model];
    if (m.dimm) return `${p}${m.dimm.slot}`;
    const n = next[p] ?? 0;
    next[p] = n + 1;
    return `${p}${n}`;
  });
}

function backend(m: MemoryDevice, id: string, dom: Domain, ctx: ArgvContext): Props {
  const access = m.access ?? dom.memoryBacking?.access;
  if (m.model === 'nvdimm' || m.model === 'virtio-pmem') {
    return {
      'qom-type': 'memory-backend-file', id, 'mem-path': m.source!.path!, share: access === 'shared',
      ...(m.source?.alignsize ? { align: m.source.alignsize * 1024 } : {}), ...(m.source?.pmem ? { pmem: true } : {}), size: m.target.size * 1024,
    };
  }
  if (m.source?.pagesize && m.source.pagesize !== 4) throw unsupported(`hugepages (pagesize ${m.source.pagesize} KiB) for memory devices are not supported by tsvirt`);
  return ramBackend(dom, ctx, id, m.target.size, access, m.discard ?? dom.memoryBacking?.discard, m.model === 'virtio-mem' ? { reserve: false } : {});
}

/** pc-dimm / nvdimm / virtio-*-pci devices with their backends (after the controllers). */
export function memoryDeviceArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  const mems = dom.devices.memories ?? [];
  if (!mems.length) return [];
  // QEMU's memory hotplug goes through the ACPI device, which libvirt only enables with <acpi/>
  if (!dom.features.acpi && mems.some((m) => m.model === 'dimm' || m.model === 'nvdimm')) {
    throw unsupported("memory hotplug is not enabled: dimm and nvdimm devices need <features><acpi/></features>");
  }
  const aliases = memoryDeviceAliases(dom);
  const out: ArgPair[] = [];
  mems.forEach((m, i) => {
    const driver = DRIVER[m.model];
    if (!caps.devices.includes(driver)) throw unsupported(`memory device model '${m.model}' needs QEMU device '${driver}', which ${caps.binary} does not have`);
    if (m.source?.nodemask) throw unsupported('<nodemask> on memory devices binds to host NUMA nodes, which tsvirt does not apply');
    const id = aliases[i];
    const memdev = `mem${id}`;
    out.push(jsonArg('-object', backend(m, memdev, dom, ctx)));
    const dev: Props = {
      driver,
      ...(m.target.node !== undefined ? { node: m.target.node } : {}),
      ...(m.target.labelSize ? { 'label-size': m.target.labelSize * 1024 } : {}),
      ...(m.target.block ? { 'block-size': m.target.block * 1024 } : {}),
      ...(m.target.block ? { 'requested-size': (m.target.requested ?? 0) * 1024 } : {}),
      ...(m.target.readonly ? { unarmed: true } : {}),
      memdev,
      id,
      ...(m.dimm ? { slot: m.dimm.slot } : {}),
      ...(m.dimm?.base ? { addr: m.dimm.base } : {}),
      ...(m.address ? pciProps(dom, m.address, `memory device ${id}`) : {}),
    };
    out.push(jsonArg('-device', dev));
  });
  return out;
}
