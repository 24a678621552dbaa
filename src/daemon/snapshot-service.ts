// Domain snapshots as libvirt's QEMU driver makes them: create (internal qcow2 snapshots of
// memory and disks, or external disk-only overlays), list, revert, delete. Each runs under the
// domain's job lock as a DomainJob, so domjobinfo sees it; the metadata lives in SnapshotStore.
import type { Disk, Domain } from '../conf/domain-types.js';
import { parseSnapshotXml, formatSnapshotXml, snapshotLocation, type DomainSnapshot, type SnapshotDisk } from '../conf/snapshot-xml.js';
import { SnapshotTree } from '../conf/snapshot-tree.js';
import { TsvirtError } from '../util/errors.js';
import * as internal from '../qemu/snapshot-internal.js';
import * as external from '../qemu/snapshot-external.js';
import { agentFsFreeze, agentFsThaw } from '../qemu/agent-commands.js';
import type { DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';
import { DomainJob, runDomainJob } from './domain-job.js';
import { SnapshotStore } from './snapshot-store.js';
import { saveMemory } from './snapshot-memory.js';
import { promises as fs } from 'node:fs';
import { filterSnapshots, type SnapshotFilter } from './snapshot-filter.js';

export interface CreateOptions {
  xml?: string;
  redefine?: boolean;
  current?: boolean;
  noMetadata?: boolean;
  halt?: boolean;
  diskOnly?: boolean;
  reuseExternal?: boolean;
  quiesce?: boolean;
  atomic?: boolean;
  live?: boolean;
}

export interface SnapshotInfo {
  name: string;
  parent?: string;
  description?: string;
  creationTime: number;
  state: string;
  location: 'internal' | 'external';
  current: boolean;
  children: number;
  descendants: number;
}

const clone = <T>(v: T): T => structuredClone(v);

export class SnapshotService {
  private readonly trees = new Map<string, SnapshotTree<DomainSnapshot>>();
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly service: DomainService, private readonly store: SnapshotStore) {}

  /** Reads every domain's snapshots (at daemon start). */
  init(): Promise<void> {
    this.ready = (async () => {
      for (const s of this.service.list()) {
        const e = this.service.registry.byUuidOrNull(s.uuid);
        if (e) await this.loadTree(e);
      }
    })();
    return this.ready;
  }

  private async loadTree(e: DomainEntry): Promise<SnapshotTree<DomainSnapshot>> {
    let t = this.trees.get(e.config.uuid);
    if (!t) {
      t = await this.store.load(e.config.name);
      this.trees.set(e.config.uuid, t);
      e.snapshotCount = t.size;
    }
    return t;
  }

  private async tree(ref: string): Promise<{ entry: DomainEntry; tree: SnapshotTree<DomainSnapshot> }> {
    await this.ready;
    const entry = this.service.registry.lookup(ref);
    return { entry, tree: await this.loadTree(entry) };
  }

  /** The metadata of a domain that is undefined with --snapshots-metadata goes with it. */
  async discardAll(entry: DomainEntry): Promise<void> {
    await this.store.removeAll(entry.config.name);
    this.trees.delete(entry.config.uuid);
    entry.snapshotCount = 0;
  }

  private async setCurrent(entry: DomainEntry, tree: SnapshotTree<DomainSnapshot>, name: string | undefined): Promise<void> {
    const old = tree.current;
    tree.current = name;
    if (old && old !== name && tree.byName.has(old)) await this.store.save(entry.config.name, tree.get(old), false);
    if (name) await this.store.save(entry.config.name, tree.get(name), true);
  }

  // ---- queries -------------------------------------------------------------

  private info(tree: SnapshotTree<DomainSnapshot>, s: DomainSnapshot): SnapshotInfo {
    return {
      name: s.name!, ...(s.parent ? { parent: s.parent } : {}), ...(s.description !== undefined ? { description: s.description } : {}),
      creationTime: s.creationTime ?? 0, state: s.state ?? 'nostate', location: snapshotLocation(s),
      current: tree.current === s.name, children: tree.children(s.name).length, descendants: tree.descendants(s.name!).length,
    };
  }

  async list(ref: string, of: string | undefined, f: SnapshotFilter): Promise<SnapshotInfo[]> {
    const { tree } = await this.tree(ref);
    if (of !== undefined) tree.get(of);
    return filterSnapshots(tree, of, f).map((s) => this.info(tree, s));
  }

  async lookup(ref: string, name: string): Promise<SnapshotInfo> {
    const { tree } = await this.tree(ref);
    return this.info(tree, tree.get(name));
  }

  async getXml(ref: string, name: string): Promise<string> {
    const { tree } = await this.tree(ref);
    return formatSnapshotXml(tree.get(name));
  }

  async current(ref: string): Promise<string | undefined> {
    return (await this.tree(ref)).tree.current;
  }

  // ---- create --------------------------------------------------------------

  async create(ref: string, o: CreateOptions): Promise<SnapshotInfo> {
    const { tree } = await this.tree(ref);
    if (o.live && o.redefine) throw new TsvirtError('invalid-arg', "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_LIVE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' are mutually exclusive");
    if (o.quiesce && !o.diskOnly) throw new TsvirtError('invalid-arg', "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE' requires flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY'");
    const def = parseSnapshotXml(o.xml?.trim() ? o.xml : '<domainsnapshot/>');
    return this.service.runJob(ref, async (entry) => {
      if (!entry.persistent && o.halt) throw new TsvirtError('operation-invalid', 'cannot halt after transient domain snapshot');
      if (o.redefine) return this.redefine(entry, tree, def, o);
      return runDomainJob(this.service.jobsOf(entry), new DomainJob('snapshot', false), async (job) => {
        const snap = await this.make(entry, tree, def, o, job);
        if (o.noMetadata) return this.info(new SnapshotTree([snap]), snap);
        tree.add(snap);
        entry.snapshotCount = tree.size;
        await this.setCurrent(entry, tree, snap.name);
        if (o.halt && entry.vm) {
          await entry.vm.destroy(false, { reason: 'from-snapshot', detail: 'from-snapshot' });
          await entry.stopping;
        }
        return this.info(tree, snap);
      });
    });
  }

  private async redefine(entry: DomainEntry, tree: SnapshotTree<DomainSnapshot>, def: DomainSnapshot, o: CreateOptions): Promise<SnapshotInfo> {
    if (!def.name) throw new TsvirtError('xml-error', 'a redefined snapshot must have a name');
    if (def.domain && def.domain.uuid !== entry.config.uuid) {
      throw new TsvirtError('invalid-arg', `definition for snapshot ${def.name} must use uuid ${entry.config.uuid}`);
    }
    if (def.parent && !tree.byName.has(def.parent)) throw new TsvirtError('invalid-arg', `parent ${def.parent} for snapshot ${def.name} not found`);
    const old = tree.byName.get(def.name);
    const snap: DomainSnapshot = { ...def, creationTime: def.creationTime ?? old?.creationTime ?? Math.floor(Date.now() / 1000), active: undefined };
    snap.state ??= old?.state ?? 'shutoff';
    tree.add(snap);
    entry.snapshotCount = tree.size;
    if (o.current || tree.current === snap.name) await this.setCurrent(entry, tree, snap.name);
    else await this.store.save(entry.config.name, snap, false);
    return this.info(tree, snap);
  }

  /** The snapshot itself: align the disks with the domain's, check, then take it. */
  private async make(entry: DomainEntry, tree: SnapshotTree<DomainSnapshot>, def: DomainSnapshot, o: CreateOptions, job: DomainJob): Promise<DomainSnapshot> {
    const vm = entry.vm;
    const now = Math.floor(Date.now() / 1000);
    const name = def.name ?? String(now);
    if (tree.byName.has(name)) throw new TsvirtError('operation-failed', `domain moment ${name} already exists`);
    if (name.startsWith('.')) throw new TsvirtError('xml-error', `invalid snapshot name '${name}': name can't start with '.'`);
    const dom: Domain = clone(vm ? vm.live : entry.config);
    const memExternal = def.memory?.snapshot === 'external';
    const running = vm?.running ?? false;
    if (memExternal && (o.diskOnly || !running)) throw new TsvirtError('config-unsupported', 'memory state cannot be saved with offline or disk-only snapshot');
    if (memExternal && !def.memory?.file) throw new TsvirtError('config-unsupported', 'absolute path for the memory snapshot file is required');
    if (memExternal && (await fs.stat(def.memory!.file!).catch(() => undefined))) {
      throw new TsvirtError('operation-unsupported', `external snapshot file for memory already exists: ${def.memory!.file}`);
    }
    const diskOnly = !memExternal && (o.diskOnly || def.disks.some((d) => d.snapshot === 'external'));
    if (def.memory?.snapshot === 'internal' && diskOnly) throw new TsvirtError('config-unsupported', 'disk-only snapshot requested but memory snapshot is not disabled');
    const disks = alignDisks(dom, def.disks, diskOnly || memExternal ? 'external' : 'internal', name);
    const exts = disks.filter((d) => d.mode.snapshot === 'external');
    const ints = disks.filter((d) => d.mode.snapshot === 'internal');
    if (exts.length && ints.length) throw new TsvirtError('config-unsupported', 'mixing internal and external targets for a snapshot is not yet supported');
    if (!exts.length && !ints.length) throw new TsvirtError('config-unsupported', 'nothing selected for snapshot');
    for (const d of ints) internal.checkInternalDisk(d.disk);
    if (memExternal && ints.length) throw new TsvirtError('config-unsupported', 'mixing internal and external targets for a snapshot is not yet supported');
    const snap: DomainSnapshot = {
      name, description: def.description, creationTime: now, parent: tree.current,
      state: diskOnly ? 'disk-snapshot' : running ? (vm!.state === 'paused' ? 'paused' : 'running') : 'shutoff',
      memory: memExternal ? { snapshot: 'external', file: def.memory!.file } : { snapshot: running && !diskOnly ? 'internal' : 'no' },
      disks: disks.map((d) => d.mode), domain: dom,
    };
    if (exts.length) {
      const plans = exts.map((d) => ({ disk: d.disk, file: d.mode.sourceFile!, reuse: o.reuseExternal ?? false }));
      await external.checkOverlays(plans);
      await this.external(entry, plans, o.quiesce ?? false, memExternal ? { file: def.memory!.file!, def: dom, job } : undefined);
    } else if (vm && running) {
      await internal.saveRunning(vm, name, ints.map((d) => d.disk));
    } else {
      await internal.offline('create', name, ints.map((d) => d.disk));
    }
    return snap;
  }

  /**
   * Overlays for `plans`; with `memory`, the guest is paused, the disks switch, the memory goes
   * to the file (so both are of the same instant), and it runs on.
   */
  private async external(entry: DomainEntry, plans: external.OverlayPlan[], quiesce: boolean, memory?: { file: string; def: Domain; job: DomainJob }): Promise<void> {
    const vm = entry.vm;
    if (quiesce && !vm?.running) throw new TsvirtError('operation-invalid', 'domain is not running');
    // libvirt's error when there is no agent to freeze with, before any file is made
    const agent = quiesce ? vm!.requireAgent() : undefined;
    await external.createOverlayFiles(plans);
    if (vm?.running) {
      let frozen = false;
      const wasRunning = vm.state === 'running';
      let switched = false;
      try {
        if (agent) frozen = (await agentFsFreeze(agent), true);
        if (memory && wasRunning) await vm.suspend();
        await external.switchRunning(vm, plans);
        switched = true;
        if (memory) await saveMemory(vm, memory.file, memory.def, wasRunning, memory.job);
      } catch (e) {
        // disks already on their overlays stay there (libvirt does too); files not in use go
        if (!switched) await external.removeFiles(plans.filter((p) => !p.reuse).map((p) => p.file));
        if (!switched || !memory) throw e;
        await this.pointAtOverlays(entry, plans);
        throw e;
      } finally {
        if (agent && frozen) await agentFsThaw(agent).catch(() => undefined);
        if (memory && wasRunning && vm.state === 'paused') await vm.resume().catch(() => undefined);
      }
    }
    await this.pointAtOverlays(entry, plans);
  }

  /** The live definition and the persistent one use the overlays from now on (libvirt does). */
  private async pointAtOverlays(entry: DomainEntry, plans: external.OverlayPlan[]): Promise<void> {
    if (entry.vm?.running) {
      for (const p of plans) replaceDisk(entry.vm.live, p.disk.target.dev, (d) => external.overlayDisk(d, p.file));
      await this.service.persistStatus(entry);
    }
    if (entry.persistent) {
      const def = clone(entry.config);
      for (const p of plans) replaceDisk(def, p.disk.target.dev, (d) => external.overlayDisk(d, p.file));
      await this.service.saveDefinition(entry, def);
    }
  }

  // ---- revert --------------------------------------------------------------

  async revert(ref: string, name: string, o: { running?: boolean; paused?: boolean; force?: boolean }): Promise<void> {
    const { entry, tree } = await this.tree(ref);
    const snap = tree.get(name);
    if (o.running && o.paused) throw new TsvirtError('invalid-arg', "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive");
    const withMemory = snap.state === 'running' || snap.state === 'paused';
    if (!entry.persistent && !withMemory && !o.running && !o.paused) {
      throw new TsvirtError('operation-invalid', 'transient domain needs to request run or pause to revert to inactive snapshot');
    }
    if (snapshotLocation(snap) === 'external') throw new TsvirtError('config-unsupported', 'revert to external snapshot not supported yet');
    if (!snap.domain) throw new TsvirtError('snapshot-revert-risky', `snapshot '${name}' lacks domain '${entry.config.name}' rollback info`);
    const disks = (d: Domain) => internalDisksOf(d, snap);
    // the memory state needs a QEMU to load into: start one paused first (start takes the lock itself)
    if (withMemory && !entry.vm) await this.service.start(ref, true);
    await this.service.runJob(ref, (e) => runDomainJob(this.service.jobsOf(e), new DomainJob('snapshot-revert', false), async () => {
      const vm = e.vm;
      if (withMemory) {
        if (!vm) throw new TsvirtError('operation-failed', 'guest unexpectedly quit');
        const wantPaused = !o.running && (snap.state === 'paused' || o.paused === true);
        if (wantPaused && vm.state === 'running') await vm.suspend();
        if (vm.state === 'running') vm.expectStopFor('snapshot', 'paused');
        try {
          await internal.loadRunning(vm, name, disks(vm.live));
        } finally {
          vm.clearExpectedStop();
        }
        if (!wantPaused && vm.state === 'paused') await vm.resume();
      } else {
        if (vm) {
          await vm.destroy(false, { reason: 'from-snapshot', detail: 'from-snapshot' });
          await e.stopping;
        }
        await internal.offline('apply', name, disks(e.config));
      }
      await this.setCurrent(e, tree, name);
    }));
    if (!withMemory && (o.running || o.paused)) await this.service.start(ref, o.paused ?? false);
  }

  // ---- delete --------------------------------------------------------------

  async delete(ref: string, name: string, o: { children?: boolean; childrenOnly?: boolean; metadata?: boolean }): Promise<void> {
    const { tree } = await this.tree(ref);
    const snap = tree.get(name);
    await this.service.runJob(ref, (entry) => runDomainJob(this.service.jobsOf(entry), new DomainJob('snapshot-delete', false), async () => {
      const below = o.children || o.childrenOnly ? tree.descendants(name) : [];
      const doomed = [...below.reverse(), ...(o.childrenOnly ? [] : [snap])];
      if (!o.metadata) {
        const ext = doomed.filter((s) => snapshotLocation(s) === 'external').length;
        if (ext) throw new TsvirtError('config-unsupported', `deletion of ${ext} external disk snapshots not supported yet`);
      }
      // libvirt: deleting the current one's subtree makes the deleted snapshot's parent (or it, for --children-only) current
      const currentGoes = tree.current !== undefined && doomed.some((s) => s.name === tree.current);
      for (const s of doomed) {
        if (!o.metadata) await this.discardData(entry, s);
        const moved = tree.remove(s.name!);
        await this.store.remove(entry.config.name, s.name!);
        for (const c of moved) await this.store.save(entry.config.name, c, tree.current === c.name);
      }
      entry.snapshotCount = tree.size;
      if (currentGoes) await this.setCurrent(entry, tree, o.childrenOnly ? name : snap.parent && tree.byName.has(snap.parent) ? snap.parent : undefined);
      else if (tree.current) await this.store.save(entry.config.name, tree.get(tree.current), true);
    }));
  }

  /** The qcow2 internal snapshot of each disk goes (QMP when running, qemu-img when not). */
  private async discardData(entry: DomainEntry, s: DomainSnapshot): Promise<void> {
    const def = entry.vm?.live ?? entry.config;
    const disks = internalDisksOf(def, s);
    if (!disks.length) return;
    if (entry.vm?.running) await internal.deleteRunning(entry.vm, s.name!, disks);
    else await internal.offline('delete', s.name!, disks);
  }
}

/** libvirt's virDomainSnapshotAlignDisks: one entry per domain disk, in the domain's order. */
function alignDisks(dom: Domain, asked: SnapshotDisk[], dflt: 'internal' | 'external', snapName: string): Array<{ disk: Disk; mode: SnapshotDisk }> {
  const byName = new Map(asked.map((a) => [a.name, a]));
  const used = new Set<string>();
  const candidates = new Set(internal.snapshotDisks(dom));
  const out = dom.devices.disks.map((disk) => {
    const a = byName.get(disk.target.dev) ?? (internal.diskPath(disk) ? byName.get(internal.diskPath(disk)!) : undefined);
    if (a) used.add(a.name);
    const mode: SnapshotDisk = { name: disk.target.dev, snapshot: a?.snapshot ?? (candidates.has(disk) ? disk.snapshot ?? dflt : 'no') };
    if (mode.snapshot === 'manual') mode.snapshot = 'no';
    if (mode.snapshot === 'external') {
      mode.type = 'file';
      mode.driverType = a?.driverType ?? 'qcow2';
      if (mode.driverType !== 'qcow2') throw new TsvirtError('config-unsupported', `external snapshot format for disk ${disk.target.dev} is unsupported: ${mode.driverType}`);
      const base = internal.diskPath(disk);
      mode.sourceFile = a?.sourceFile ?? (base ? external.defaultOverlayPath(base, snapName) : undefined);
    }
    return { disk, mode };
  });
  for (const a of asked) if (!used.has(a.name)) throw new TsvirtError('invalid-arg', `no disk named '${a.name}'`);
  return out;
}

/** The disks of `def` that hold internal snapshot `s` (by target, as the snapshot lists them). */
function internalDisksOf(def: Domain, s: DomainSnapshot): Disk[] {
  const wanted = new Set(s.disks.filter((d) => d.snapshot === 'internal').map((d) => d.name));
  return def.devices.disks.filter((d) => wanted.has(d.target.dev));
}

function replaceDisk(def: Domain, dev: string, fn: (d: Disk) => Disk): void {
  const i = def.devices.disks.findIndex((d) => d.target.dev === dev);
  if (i >= 0) def.devices.disks[i] = fn(def.devices.disks[i]);
}
