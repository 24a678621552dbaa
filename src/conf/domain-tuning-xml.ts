// Resource tuning: <vcpus>, <cputune>, <numatune>, <memtune>, <blkiotune>, <resource>, parsed,
// defaulted and written as libvirt 9.0 does (virDomainDefTunablesParse, virDomainCputuneDefFormat,
// numa_conf.c). tsvirt does not run guests in cgroups, so the QEMU driver refuses to START a
// domain that needs these (argv-numa.ts); define keeps them.
import type { Domain, DomainBlkiotune, DomainCputune, DomainMemtune, DomainNumatune, DomainResource, NumatuneMode, ThreadSched } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { parseSizeKiB } from '../util/units.js';
import { isTsvirtError, TsvirtError } from '../util/errors.js';
import { canonicalBitmap, formatBitmap, parseBitmap } from './bitmap.js';
import { numaMemory, validateNuma } from './domain-numa-xml.js';
import { memoryDevicesDefaults, validateMemoryDevices } from './domain-memory-devices-xml.js';
import { formatSysinfo, parseSysinfo, validateSysinfo } from './domain-sysinfo-xml.js';
import { cpuCheckError } from './domain-cpu-xml.js';

/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (KiB): a limit this large means none. */
const UNLIMITED_KIB = 9007199254740991;
const MODES = ['strict', 'preferred', 'interleave', 'restrictive'] as const;

function bitmap(x: XmlElement, attr: string, emptyMsg?: (v: string) => string): string {
  const v = x.attr(attr);
  if (v === undefined) throw x.error(`missing ${attr} for ${x.name}`);
  let bits: number[];
  try {
    bits = parseBitmap(v);
  } catch (e) {
    throw x.error(`${(e as Error).message} in attribute '${attr}' on <${x.name}>`);
  }
  if (bits.length === 0) throw x.error(emptyMsg ? emptyMsg(v) : `Invalid value of '${attr}': ${v}`);
  return formatBitmap(bits);
}

function uintText(x: XmlElement, min = 0): number {
  return x.toInt(x.text(), `<${x.name}>`, { min });
}

function childInt(x: XmlElement, name: string, min = 0): number | undefined {
  const c = x.child(name);
  return c ? uintText(c, min) : undefined;
}

/** The top-level tuning elements and <sysinfo>; called by parseDomainElement after <vcpu>. */
export function parseTuningElements(x: XmlElement, dom: Domain): void {
  const vcpus = x.child('vcpus');
  if (vcpus) parseVcpus(vcpus, dom);
  const ct = x.child('cputune');
  if (ct) dom.cputune = parseCputune(ct, dom.vcpu.count);
  const nt = x.children('numatune');
  if (nt.length > 1) throw nt[1].error('only one numatune is supported');
  const placementStatic = dom.vcpu.placement !== 'auto';
  if (nt[0] || !placementStatic) dom.numatune = nt[0] ? parseNumatune(nt[0], placementStatic) : { memory: { mode: 'strict', placement: 'auto' }, memnodes: [] };
  const mt = x.child('memtune');
  if (mt) dom.memtune = parseMemtune(mt);
  const bt = x.child('blkiotune');
  if (bt) dom.blkiotune = parseBlkiotune(bt);
  const res = x.children('resource');
  if (res.length > 1) throw res[1].error('only one resource element is supported');
  if (res[0]) {
    const r = parseResource(res[0]);
    if (r) dom.resource = r;
  }
  const si = x.children('sysinfo');
  if (si.length) dom.sysinfo = si.map((e) => parseSysinfo(e, dom.uuid));
}

/** <cputune> <numatune> <resource> <sysinfo>: written between <vcpu>/<iothreads> and <os>. */
export function formatTuningTail(dom: Domain): XmlChild[] {
  return [formatCputune(dom.cputune), formatNumatune(dom.numatune), formatResource(dom.resource), ...(dom.sysinfo ?? []).map(formatSysinfo)];
}

// ------------------------------------------------------------------ <vcpus>

/** <vcpus><vcpu id enabled hotpluggable order/></vcpus> into dom.vcpu (after <vcpu> is parsed). */
export function parseVcpus(x: XmlElement, dom: Domain): void {
  const list = x.children('vcpu');
  if (list.length === 0) return;
  const max = dom.vcpu.count;
  const byId = new Map<number, NonNullable<Domain['vcpu']['vcpus']>[number]>();
  for (let i = 0; i < max; i++) byId.set(i, { id: i, enabled: false });
  for (const v of list) {
    const id = v.reqIntAttr('id', { min: 0 });
    if (id >= max) throw v.error(`vcpu id '${id}' is out of range of maximum vcpu count`);
    const e = byId.get(id)!;
    e.enabled = v.reqEnumAttr('enabled', ['yes', 'no'] as const) === 'yes';
    const hp = v.enumAttr('hotpluggable', ['yes', 'no'] as const);
    if (hp) e.hotpluggable = hp === 'yes';
    const order = v.intAttr('order', { min: 0 });
    if (order) e.order = order;
  }
  dom.vcpu.vcpus = [...byId.values()];
}

export function formatVcpus(dom: Domain): XmlNode | undefined {
  const list = dom.vcpu.vcpus;
  if (!list) return undefined;
  return el('vcpus', {}, list.map((v) => el('vcpu', {
    id: v.id, enabled: v.enabled ? 'yes' : 'no', hotpluggable: v.hotpluggable === undefined ? undefined : v.hotpluggable ? 'yes' : 'no', order: v.order,
  })));
}

// ------------------------------------------------------------------ <cputune>

function sched(x: XmlElement): ThreadSched {
  const scheduler = x.reqEnumAttr('scheduler', ['batch', 'idle', 'fifo', 'rr'] as const);
  const s: ThreadSched = { scheduler };
  if (scheduler === 'fifo' || scheduler === 'rr') s.priority = x.reqIntAttr('priority');
  return s;
}

/** Per-thread schedulers: a range of ids becomes one entry per id, overlaps are an error. */
function threadScheds(list: XmlElement[], attr: string): Array<ThreadSched & { id: number }> {
  const out = new Map<number, ThreadSched & { id: number }>();
  for (const x of list) {
    if (!x.hasAttr(attr)) throw x.error(`Missing attribute '${attr}' in element '${x.name}'`);
    const ids = parseBitmap(bitmap(x, attr, (v) => `'${attr}' scheduler bitmap '${v}' is empty`));
    const s = sched(x);
    for (const id of ids) {
      if (out.has(id)) throw x.error(`'${x.name}' attributes '${attr}' must not overlap`);
      out.set(id, { id, ...s });
    }
  }
  return [...out.values()].sort((a, b) => a.id - b.id);
}

export function parseCputune(x: XmlElement, maxVcpus: number): DomainCputune {
  const t: DomainCputune = { vcpupins: [], iothreadpins: [], vcpuscheds: [], iothreadscheds: [] };
  const num = (name: string, signed = false): number | undefined => {
    const c = x.child(name);
    if (!c) return undefined;
    return c.toInt(c.text(), `<${name}>`, signed ? {} : { min: 0 });
  };
  const shares = num('shares');
  if (shares !== undefined) t.shares = shares;
  const fields: Array<[keyof DomainCputune, string, boolean]> = [
    ['period', 'period', false], ['quota', 'quota', true], ['globalPeriod', 'global_period', false], ['globalQuota', 'global_quota', true],
    ['emulatorPeriod', 'emulator_period', false], ['emulatorQuota', 'emulator_quota', true],
    ['iothreadPeriod', 'iothread_period', false], ['iothreadQuota', 'iothread_quota', true],
  ];
  for (const [key, name, signed] of fields) {
    const v = num(name, signed);
    if (v) (t as unknown as Record<string, number>)[key] = v;
  }
  for (const p of x.children('vcpupin')) {
    const vcpu = p.reqIntAttr('vcpu', { min: 0 });
    const cpuset = bitmap(p, 'cpuset');
    if (vcpu >= maxVcpus) continue; // libvirt: "Ignoring vcpupin for missing vcpus"
    if (t.vcpupins.some((o) => o.vcpu === vcpu)) throw p.error(`duplicate vcpupin for vcpu '${vcpu}'`);
    t.vcpupins.push({ vcpu, cpuset });
  }
  t.vcpupins.sort((a, b) => a.vcpu - b.vcpu);
  const ep = x.children('emulatorpin');
  if (ep.length > 1) throw ep[1].error('only one emulatorpin is supported');
  if (ep[0]) t.emulatorpin = bitmap(ep[0], 'cpuset');
  for (const p of x.children('iothreadpin')) {
    const iothread = p.reqIntAttr('iothread', { min: 1 });
    const cpuset = bitmap(p, 'cpuset');
    if (t.iothreadpins.some((o) => o.iothread === iothread)) throw p.error(`duplicate iothreadpin for same iothread '${iothread}'`);
    t.iothreadpins.push({ iothread, cpuset });
  }
  t.iothreadpins.sort((a, b) => a.iothread - b.iothread);
  t.vcpuscheds = threadScheds(x.children('vcpusched'), 'vcpus').filter((s) => s.id < maxVcpus);
  t.iothreadscheds = threadScheds(x.children('iothreadsched'), 'iothreads');
  const es = x.children('emulatorsched');
  if (es.length > 1) throw es[1].error('only one emulatorsched is supported');
  if (es[0]) t.emulatorsched = sched(es[0]);
  return t;
}

function schedEl(name: string, s: ThreadSched, ids?: [string, number]): XmlNode {
  return el(`${name}sched`, { ...(ids ? { [ids[0]]: ids[1] } : {}), scheduler: s.scheduler, priority: s.priority });
}

export function formatCputune(t: DomainCputune | undefined): XmlNode | undefined {
  if (!t) return undefined;
  const kids: XmlChild[] = [
    textEl('shares', t.shares), textEl('period', t.period), textEl('quota', t.quota),
    textEl('global_period', t.globalPeriod), textEl('global_quota', t.globalQuota),
    textEl('emulator_period', t.emulatorPeriod), textEl('emulator_quota', t.emulatorQuota),
    textEl('iothread_period', t.iothreadPeriod), textEl('iothread_quota', t.iothreadQuota),
    ...t.vcpupins.map((p) => el('vcpupin', { vcpu: p.vcpu, cpuset: p.cpuset })),
    t.emulatorpin !== undefined && el('emulatorpin', { cpuset: t.emulatorpin }),
    ...t.iothreadpins.map((p) => el('iothreadpin', { iothread: p.iothread, cpuset: p.cpuset })),
    t.emulatorsched && schedEl('emulator', t.emulatorsched),
    ...t.vcpuscheds.map((s) => schedEl('vcpu', s, ['vcpus', s.id])),
    ...t.iothreadscheds.map((s) => schedEl('iothread', s, ['iothreads', s.id])),
  ];
  return kids.some(Boolean) ? el('cputune', {}, kids) : undefined;
}

// ------------------------------------------------------------------ <numatune>

export function parseNumatune(x: XmlElement, placementStatic: boolean): DomainNumatune {
  const nt: DomainNumatune = { memnodes: [] };
  const m = x.child('memory');
  if (m) {
    const mode = m.enumAttr('mode', MODES);
    let placement = m.enumAttr('placement', ['static', 'auto'] as const);
    const nodeset = m.hasAttr('nodeset') ? bitmap(m, 'nodeset') : (m.attr('nodeset'), undefined);
    if (nodeset !== undefined && placement === undefined) placement = 'static';
    placement ??= nodeset !== undefined || placementStatic ? 'static' : 'auto';
    if (placement === 'static' && nodeset === undefined) throw m.error("nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
    nt.memory = { mode: mode ?? 'strict', placement };
    if (placement === 'static') nt.memory.nodeset = nodeset;
  } else if (!placementStatic) nt.memory = { mode: 'strict', placement: 'auto' };
  for (const n of x.children('memnode')) {
    if (nt.memory?.placement === 'auto') throw n.error('Per-node binding is not compatible with automatic NUMA placement.');
    const cellid = n.reqIntAttr('cellid', { min: 0 });
    const mode = n.enumAttr('mode', MODES) ?? 'strict';
    if (nt.memory?.mode === 'restrictive' && mode !== 'restrictive') throw n.error("'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element");
    if (!n.hasAttr('nodeset')) throw n.error('Missing required nodeset attribute in memnode element');
    if (nt.memnodes.some((o) => o.cellid === cellid)) throw n.error(`Multiple memnode elements with cellid ${cellid}`);
    nt.memnodes.push({ cellid, mode, nodeset: bitmap(n, 'nodeset') });
  }
  nt.memnodes.sort((a, b) => a.cellid - b.cellid);
  return nt;
}

export function formatNumatune(nt: DomainNumatune | undefined): XmlNode | undefined {
  if (!nt || (!nt.memory && nt.memnodes.length === 0)) return undefined;
  const m = nt.memory;
  return el('numatune', {}, [
    m && el('memory', m.placement === 'static' ? { mode: m.mode, nodeset: m.nodeset } : { mode: m.mode, placement: m.placement }),
    ...nt.memnodes.map((n) => el('memnode', { cellid: n.cellid, mode: n.mode, nodeset: n.nodeset })),
  ]);
}

// ------------------------------------------------------------------ <memtune>, <blkiotune>, <resource>

export function parseMemtune(x: XmlElement): DomainMemtune {
  const mt: DomainMemtune = {};
  const size = (name: string): number | undefined => {
    const c = x.child(name);
    if (!c) return undefined;
    try {
      return parseSizeKiB(c.text(), c.attr('unit'), `<${name}>`);
    } catch (e) {
      throw isTsvirtError(e) ? c.error(e.message) : e;
    }
  };
  const limit = (name: string): number | undefined => {
    const v = size(name);
    return v === undefined || v >= UNLIMITED_KIB ? undefined : v;
  };
  const hard = limit('hard_limit');
  const soft = limit('soft_limit');
  const minG = size('min_guarantee');
  const swap = limit('swap_hard_limit');
  if (hard !== undefined) mt.hardLimit = hard;
  if (soft !== undefined) mt.softLimit = soft;
  if (minG) mt.minGuarantee = minG;
  if (swap !== undefined) mt.swapHardLimit = swap;
  return mt;
}

export function formatMemtune(mt: DomainMemtune | undefined): XmlNode | undefined {
  if (!mt) return undefined;
  const kib = (name: string, v: number | undefined) => textEl(name, v, { unit: 'KiB' });
  const kids = [kib('hard_limit', mt.hardLimit), kib('soft_limit', mt.softLimit), kib('min_guarantee', mt.minGuarantee), kib('swap_hard_limit', mt.swapHardLimit)];
  return kids.some(Boolean) ? el('memtune', {}, kids) : undefined;
}

export function parseBlkiotune(x: XmlElement): DomainBlkiotune {
  const bt: DomainBlkiotune = { devices: [] };
  const w = childInt(x, 'weight');
  if (w) bt.weight = w;
  for (const d of x.children('device')) {
    const path = d.childText('path');
    if (path === undefined) throw d.error('missing per-device path');
    const dev: DomainBlkiotune['devices'][number] = { path };
    const set = (key: Exclude<keyof typeof dev, 'path'>, name: string) => {
      const v = childInt(d, name);
      if (v) dev[key] = v;
    };
    set('weight', 'weight');
    set('readIopsSec', 'read_iops_sec');
    set('writeIopsSec', 'write_iops_sec');
    set('readBytesSec', 'read_bytes_sec');
    set('writeBytesSec', 'write_bytes_sec');
    bt.devices.push(dev);
  }
  return bt;
}

export function formatBlkiotune(bt: DomainBlkiotune | undefined): XmlNode | undefined {
  if (!bt) return undefined;
  const devs = bt.devices.filter((d) => d.weight || d.readIopsSec || d.writeIopsSec || d.readBytesSec || d.writeBytesSec);
  const kids = [
    textEl('weight', bt.weight),
    ...devs.map((d) => el('device', {}, [
      textEl('path', d.path), textEl('weight', d.weight), textEl('read_iops_sec', d.readIopsSec), textEl('write_iops_sec', d.writeIopsSec),
      textEl('read_bytes_sec', d.readBytesSec), textEl('write_bytes_sec', d.writeBytesSec),
    ])),
  ];
  return kids.some(Boolean) ? el('blkiotune', {}, kids) : undefined;
}

export function parseResource(x: XmlElement): DomainResource | undefined {
  const r: DomainResource = {};
  const partition = x.childText('partition');
  const fc = x.child('fibrechannel');
  const appid = fc?.reqAttr('appid');
  if (partition !== undefined) r.partition = partition;
  if (appid !== undefined) r.fibrechannelAppid = appid;
  return partition === undefined && appid === undefined ? undefined : r;
}

export function formatResource(r: DomainResource | undefined): XmlNode | undefined {
  if (!r) return undefined;
  return el('resource', {}, [textEl('partition', r.partition), r.fibrechannelAppid !== undefined && el('fibrechannel', { appid: r.fibrechannelAppid })]);
}

// ------------------------------------------------------------------ defaults and checks

/**
 * Post-parse steps of libvirt for vCPUs, NUMA and memory: individual vCPU states decide the
 * online count and hotpluggable default (virDomainVcpuDefPostParse), cell 0 takes the vCPUs no
 * cell names (qemuDomainDefNumaCPUsRectify), <memory> is the NUMA total plus memory devices
 * (virDomainDefPostParseMemory, define runs with ABI update), placement='auto' follows numatune.
 */
export function tuningDefaults(dom: Domain): void {
  const v = dom.vcpu;
  if (v.cpuset !== undefined) {
    if (v.placement === 'auto') delete v.cpuset;
    else v.cpuset = canonicalCpuset(v.cpuset);
  }
  if (v.vcpus) {
    checkVcpuOrder(v.vcpus);
    const online = v.vcpus.filter((x) => x.enabled).length;
    v.current = online;
    for (const x of v.vcpus) {
      if (x.hotpluggable === undefined) x.hotpluggable = !x.enabled;
      else if (!x.hotpluggable && !x.enabled) throw new TsvirtError('config-unsupported', `vcpu '${x.id}' is both offline and not hotpluggable`);
    }
  }
  if (v.current !== undefined && v.current === v.count) delete v.current;
  const numa = dom.cpu?.numa;
  if (numa) {
    const used = new Set(numa.cells.flatMap((c) => (c.cpus ? parseBitmap(c.cpus) : [])));
    if (used.size < v.count) {
      const mine: number[] = [];
      for (let i = 0; i < v.count; i++) if (!numa.cells.slice(1).some((c) => c.cpus && parseBitmap(c.cpus).includes(i))) mine.push(i);
      numa.cells[0].cpus = formatBitmap(mine);
    }
  }
  memoryDevicesDefaults(dom, numaMemory(numa));
  const nt = dom.numatune;
  if (nt?.memory?.placement === 'auto' && v.cpuset === undefined && !dom.cputune?.vcpupins.length && dom.cputune?.emulatorpin === undefined && !dom.cputune?.iothreadpins.length) {
    v.placement = 'auto';
  }
}

/** qemuDomainDefVcpusPostParse: vCPU 0 first and fixed, orders all set or all unset, fixed vCPUs first. */
function checkVcpuOrder(list: NonNullable<Domain['vcpu']['vcpus']>): void {
  const err = (m: string) => new TsvirtError('config-unsupported', m);
  const v0 = list[0];
  if (!v0) return;
  if (!v0.enabled) throw err("vcpu 0 can't be offline");
  if (v0.hotpluggable === true) throw err("vcpu0 can't be hotpluggable");
  if ((v0.order ?? 0) !== 0 && v0.order !== 1) throw err('vcpu0 must be enabled first');
  const hasOrder = (v0.order ?? 0) !== 0;
  let prev = v0;
  for (const v of list.slice(1)) {
    if (v.enabled && ((v.order ?? 0) !== 0) !== hasOrder) throw err('all vcpus must have either set or unset order');
    if (v.hotpluggable === false) {
      if (prev.hotpluggable === true) throw err('online non-hotpluggable vcpus need to be ordered prior to hotplugable vcpus');
      if ((prev.order ?? 0) > (v.order ?? 0)) throw err('online non-hotpluggable vcpus must be ordered in ascending order');
    }
    prev = v;
  }
}

function canonicalCpuset(s: string): string {
  try {
    return canonicalBitmap(s);
  } catch (e) {
    throw new TsvirtError('xml-error', `${(e as Error).message} in attribute 'cpuset' on <vcpu>`);
  }
}

/** Checks across the tuning elements (parse-time checks of libvirt that need the whole domain). */
export function validateTuning(dom: Domain): void {
  const xmlErr = (m: string) => new TsvirtError('xml-error', m);
  const numa = dom.cpu?.numa;
  const cpuErr = dom.cpu && cpuCheckError(dom.cpu);
  if (cpuErr) throw new TsvirtError('config-unsupported', cpuErr);
  const numaErr = numa && validateNuma(numa);
  if (numaErr) throw xmlErr(numaErr);
  validateMemoryDevices(dom);
  validateSysinfo(dom.sysinfo);
  const cells = numa?.cells.length ?? 0;
  if (numa) {
    const all = numa.cells.flatMap((c) => (c.cpus ? parseBitmap(c.cpus) : []));
    if (all.length > dom.vcpu.count) throw new TsvirtError('internal-error', 'Number of CPUs in <numa> exceeds the <vcpu> count');
    if (all.some((b) => b >= dom.vcpu.count)) throw new TsvirtError('internal-error', 'CPU IDs in <numa> exceed the <vcpu> count');
  }
  for (const n of dom.numatune?.memnodes ?? []) {
    if (cells === 0) throw xmlErr("Element 'memnode' is invalid without any guest NUMA cells");
    if (n.cellid >= cells) throw xmlErr("Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell");
  }
  if (dom.memtune?.minGuarantee) throw new TsvirtError('config-unsupported', "Parameter 'min_guarantee' not supported by QEMU.");
  const ct = dom.cputune;
  if (ct) {
    // virDomainDefCputuneValidate, with the cgroup ranges of vircgroup.h
    if (ct.shares && (ct.shares < 2 || ct.shares > 262144)) throw new TsvirtError('config-unsupported', "Value of cputune 'shares' must be in range [2, 262144]");
    const ranges: Array<[string, number | undefined, number, number]> = [
      ['period', ct.period, 1000, 1000000], ['global_period', ct.globalPeriod, 1000, 1000000],
      ['emulator_period', ct.emulatorPeriod, 1000, 1000000], ['iothread_period', ct.iothreadPeriod, 1000, 1000000],
      ['quota', ct.quota, 1000, 17592186044415], ['global_quota', ct.globalQuota, 1000, 17592186044415],
      ['emulator_quota', ct.emulatorQuota, 1000, 17592186044415], ['iothread_quota', ct.iothreadQuota, 1000, 17592186044415],
    ];
    for (const [name, v, min, max] of ranges) {
      if (v !== undefined && v > 0 && (v < min || v > max)) throw new TsvirtError('config-unsupported', `Value of cputune '${name}' must be in range [${min}, ${max}]`);
    }
  }
  for (const id of [...(ct?.iothreadpins ?? []).map((p) => p.iothread), ...(ct?.iothreadscheds ?? []).map((x) => x.id)]) {
    if (!dom.iothreadids?.some((t) => t.id === id)) throw new TsvirtError('config-unsupported', `Cannot find 'iothread' : ${id}`);
  }
  const paths = new Set<string>();
  for (const d of dom.blkiotune?.devices ?? []) {
    if (paths.has(d.path)) throw new TsvirtError('config-unsupported', `duplicate blkio device path '${d.path}'`);
    paths.add(d.path);
  }
}

/** Names of the elements that need host cgroups / scheduler control, which tsvirt does not apply at start. */
export function tuningNeedingHost(dom: Domain): string[] {
  const out: string[] = [];
  // vcpupin / emulatorpin / <vcpu cpuset> are applied as thread affinity (qemu/cpu-pinning.ts)
  const ct = dom.cputune;
  if (ct && (ct.shares !== undefined || ct.period || ct.quota || ct.globalPeriod || ct.globalQuota || ct.emulatorPeriod || ct.emulatorQuota ||
    ct.iothreadPeriod || ct.iothreadQuota || ct.iothreadpins.length || ct.emulatorsched || ct.vcpuscheds.length || ct.iothreadscheds.length)) out.push('<cputune>');
  if (dom.numatune && (dom.numatune.memory || dom.numatune.memnodes.length)) out.push('<numatune>');
  if (dom.memtune && Object.keys(dom.memtune).length) out.push('<memtune>');
  if (dom.blkiotune && (dom.blkiotune.weight || dom.blkiotune.devices.length)) out.push('<blkiotune>');
  if (dom.vcpu.placement === 'auto') out.push("<vcpu placement='auto'>");
  return out;
}

export type { NumatuneMode };
