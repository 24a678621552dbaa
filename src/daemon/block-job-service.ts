// Block jobs of running domains (virsh blockcopy, blockcommit, blockpull, blockjob): one job
// per disk at a time, as in libvirt. A job starts under the domain's job lock and then runs in
// QEMU on its own; a watcher follows it (ready / completed / failed / canceled), updates the
// live XML and the status file when the disk's image chain changed, and raises libvirt's
// BLOCK_JOB events. blockjob --abort [--pivot] ends a two-phase job (copy, active commit).
import type { Disk } from '../conf/domain-types.js';
import type { BlockJobEvent } from '../protocol/types.js';
import * as bj from '../qemu/block-jobs.js';
import * as flows from '../qemu/block-job-flows.js';
import { runOk } from '../util/spawn.js';
import type { QemuVm } from '../qemu/vm.js';
import { TsvirtError } from '../util/errors.js';
import type { DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';
import type { EventBus } from './event-bus.js';

export type BlockJobKind = BlockJobEvent['job'];

interface ActiveJob {
  id: string;
  kind: BlockJobKind;
  dev: string;
  /** the disk's source when the job started (the BLOCK_JOB event's path) */
  path: string;
  vm: QemuVm;
  phase: 'running' | 'ready';
  /** set once blockjob --abort (or the end of the job) took over from the watcher */
  ending: boolean;
  /** copy: the destination's nodes (dropped on abort) and what the disk becomes on pivot */
  target?: { nodes: string[]; path: string; format: string; blockdev: boolean };
  /** nodes the disk no longer uses after a pivot / commit (deleted, errors ignored) */
  oldNodes: string[];
  /** copy --transient-job: a pivot leaves the persistent definition alone */
  transientJob?: boolean;
}

export interface CopyOptions { dest: string; format?: string; blockdev?: boolean; shallow?: boolean; reuseExternal?: boolean; bandwidth?: number; transientJob?: boolean; granularity?: number; bufSize?: number }
export interface CommitOptions { base?: string; top?: string; active?: boolean; shallow?: boolean; bandwidth?: number; delete?: boolean }

export class BlockJobService {
  private readonly jobs = new Map<string, Map<string, ActiveJob>>();

  constructor(private readonly domains: DomainService, private readonly events: EventBus) {}

  private running(entry: DomainEntry): QemuVm {
    if (!entry.vm || !entry.vm.running) throw new TsvirtError('operation-invalid', 'domain is not running');
    return entry.vm;
  }

  /** libvirt's virDomainDiskByName: a target (vdb) or a source path */
  private disk(vm: QemuVm, name: string): Disk {
    const d = vm.live.devices.disks.find((x) => x.target.dev === name) ?? vm.live.devices.disks.find((x) => sourcePath(x) === name);
    if (!d) throw new TsvirtError('invalid-arg', `disk '${name}' not found in domain`);
    return d;
  }

  private jobsOf(entry: DomainEntry): Map<string, ActiveJob> {
    let m = this.jobs.get(entry.config.uuid);
    if (!m) this.jobs.set(entry.config.uuid, (m = new Map()));
    // jobs of an earlier run of the domain are gone with its QEMU
    for (const [k, j] of m) if (j.vm !== entry.vm) m.delete(k);
    return m;
  }

  private checkFree(entry: DomainEntry, d: Disk): void {
    if (this.jobsOf(entry).has(d.target.dev)) throw new TsvirtError('block-copy-active', `disk '${d.target.dev}' already in active block job`);
  }

  copy(ref: string, diskName: string, o: CopyOptions): Promise<void> {
    return this.domains.runJob(ref, async (entry) => {
      const vm = this.running(entry);
      const d = this.disk(vm, diskName);
      this.checkFree(entry, d);
      const mon = vm.monitor;
      const node = await flows.diskFormatNodeOf(mon, d);
      const chain = await flows.imageChain(mon, node);
      const format = o.format ?? (o.reuseExternal ? await probeFormat(o.dest) : d.driver?.type ?? chain[0]?.format ?? 'raw');
      const t = { path: o.dest, format, blockdev: !!o.blockdev };
      if (!o.reuseExternal) await flows.createCopyTarget(t, chain, !!o.shallow && chain.length > 1);
      const backingNode = o.shallow && chain.length > 1 ? await flows.nodeOfImage(mon, chain[1].path) ?? null : null;
      const index = await flows.nextNodeIndex(mon, vm.live.devices.disks.length);
      const nodes = await flows.openCopyTarget(mon, index, t, backingNode);
      const id = `copy-${d.target.dev}`;
      // a job an earlier tsvirtd left concluded in QEMU would hold the id
      await bj.dismissIfConcluded(mon, id);
      try {
        await bj.startMirror(mon, { jobId: id, device: node, target: nodes[0], sync: o.shallow ? 'top' : 'full', speed: o.bandwidth, granularity: o.granularity, bufSize: o.bufSize });
      } catch (e) {
        await flows.dropNodes(mon, nodes);
        throw e;
      }
      this.track(entry, { id, kind: 'copy', dev: d.target.dev, path: sourcePath(d) ?? '', vm, phase: 'running', ending: false, target: { nodes, ...t }, oldNodes: [node], transientJob: o.transientJob });
    });
  }

  commit(ref: string, diskName: string, o: CommitOptions): Promise<void> {
    return this.domains.runJob(ref, async (entry) => {
      const vm = this.running(entry);
      const d = this.disk(vm, diskName);
      this.checkFree(entry, d);
      if (o.delete) throw new TsvirtError('argument-unsupported', 'deleting committed images (--delete) is not supported');
      const mon = vm.monitor;
      const node = await flows.diskFormatNodeOf(mon, d);
      const chain = await flows.imageChain(mon, node);
      const at = (p: string | undefined, what: string) => {
        if (p === undefined) return undefined;
        const i = chain.findIndex((c) => c.path === p);
        if (i < 0) throw new TsvirtError('invalid-arg', `could not find image '${p}' beneath disk '${d.target.dev}' (${what})`);
        return i;
      };
      const topIdx = at(o.top, 'top') ?? 0;
      if (topIdx + 1 >= chain.length) throw new TsvirtError('invalid-arg', `top '${chain[topIdx]?.path ?? ''}' in chain for '${d.target.dev}' has no backing file`);
      const active = topIdx === 0;
      if (active && !o.active) throw new TsvirtError('invalid-arg', `commit of '${d.target.dev}' active layer requires active flag`);
      const baseIdx = o.shallow ? topIdx + 1 : at(o.base, 'base') ?? chain.length - 1;
      if (baseIdx <= topIdx) throw new TsvirtError('invalid-arg', `base '${chain[baseIdx].path}' is not below top '${chain[topIdx].path}'`);
      const base = await flows.nodeOfImage(mon, chain[baseIdx].path);
      const top = active ? undefined : await flows.nodeOfImage(mon, chain[topIdx].path);
      if (!base || (!active && !top)) throw new TsvirtError('internal-error', `the images of disk '${d.target.dev}' are not open as block nodes`);
      const id = `commit-${d.target.dev}`;
      // a job an earlier tsvirtd left concluded in QEMU would hold the id
      await bj.dismissIfConcluded(mon, id);
      // the images that leave the chain, looked up before the job adds its filter node above them
      const above = await Promise.all(chain.slice(topIdx, baseIdx).map((c) => flows.nodeOfImage(mon, c.path)));
      await bj.startCommit(mon, { jobId: id, device: node, top, base, speed: o.bandwidth });
      this.track(entry, {
        id, kind: active ? 'active-commit' : 'commit', dev: d.target.dev, path: sourcePath(d) ?? '', vm, phase: 'running', ending: false,
        oldNodes: above.filter((n): n is string => !!n),
      });
    });
  }

  pull(ref: string, diskName: string, o: { base?: string; bandwidth?: number }): Promise<void> {
    return this.domains.runJob(ref, async (entry) => {
      const vm = this.running(entry);
      const d = this.disk(vm, diskName);
      this.checkFree(entry, d);
      const mon = vm.monitor;
      const node = await flows.diskFormatNodeOf(mon, d);
      let base: string | undefined;
      if (o.base !== undefined) {
        const chain = await flows.imageChain(mon, node);
        if (!chain.slice(1).some((c) => c.path === o.base)) throw new TsvirtError('invalid-arg', `could not find image '${o.base}' beneath disk '${d.target.dev}'`);
        base = await flows.nodeOfImage(mon, o.base);
      }
      const id = `pull-${d.target.dev}`;
      // a job an earlier tsvirtd left concluded in QEMU would hold the id
      await bj.dismissIfConcluded(mon, id);
      await bj.startStream(mon, { jobId: id, device: node, base, speed: o.bandwidth });
      this.track(entry, { id, kind: 'pull', dev: d.target.dev, path: sourcePath(d) ?? '', vm, phase: 'running', ending: false, oldNodes: [] });
    });
  }

  /** virsh blockjob --info: undefined when the disk has no job ("No current block job for vdb") */
  async info(ref: string, diskName: string): Promise<{ type: BlockJobKind; bandwidth: number; cur: number; end: number; ready: boolean } | undefined> {
    const entry = this.domains.registry.lookup(ref);
    const vm = this.running(entry);
    const d = this.disk(vm, diskName);
    const job = this.jobsOf(entry).get(d.target.dev);
    if (!job) return undefined;
    const q = (await bj.queryBlockJobs(vm.monitor)).find((j) => j.id === job.id);
    if (!q) return undefined;
    // a ready job's counters still move with the guest's writes: libvirt shows it at 100 %
    const ready = job.phase === 'ready' || q.ready;
    return { type: job.kind, bandwidth: q.speed, cur: ready ? q.len : q.offset, end: q.len, ready };
  }

  setSpeed(ref: string, diskName: string, bytesPerSecond: number): Promise<void> {
    return this.domains.runJob(ref, async (entry) => {
      const vm = this.running(entry);
      const d = this.disk(vm, diskName);
      const job = this.jobsOf(entry).get(d.target.dev);
      if (!job) throw new TsvirtError('invalid-arg', `disk ${d.target.dev} does not have an active block job`);
      await bj.setJobSpeed(vm.monitor, job.id, bytesPerSecond);
    });
  }

  /** blockjob --abort: cancel (a copy stays on its source), or with pivot switch to the copy / the commit's base. */
  async abort(ref: string, diskName: string, o: { pivot?: boolean; async?: boolean }): Promise<void> {
    const ending = await this.domains.runJob(ref, async (entry) => {
      const vm = this.running(entry);
      const d = this.disk(vm, diskName);
      const job = this.jobsOf(entry).get(d.target.dev);
      if (!job || job.ending) throw new TsvirtError('invalid-arg', `disk ${d.target.dev} does not have an active block job`);
      if (o.pivot) {
        if (job.kind !== 'copy' && job.kind !== 'active-commit') throw new TsvirtError('operation-invalid', `pivot of disk '${d.target.dev}' requires an active copy job`);
        if (job.phase !== 'ready') throw new TsvirtError('block-copy-active', `disk '${d.target.dev}' not ready for pivot yet`);
        job.ending = true;
        await bj.completeJob(vm.monitor, job.id);
        // pivot is synchronous in libvirt too (unless async): wait for QEMU to switch
        return { entry, job, done: this.conclude(entry, job, 'pivot') };
      }
      job.ending = true;
      await bj.cancelJob(vm.monitor, job.id);
      return { entry, job, done: this.conclude(entry, job, 'cancel') };
    });
    if (!o.async) await ending.done;
    else ending.done.catch(() => undefined);
  }

  private track(entry: DomainEntry, job: ActiveJob): void {
    this.jobsOf(entry).set(job.dev, job);
    const twoPhase = job.kind === 'copy' || job.kind === 'active-commit';
    void bj.waitForJob(job.vm.monitor, job.id, twoPhase ? 'ready' : 'concluded').then(
      () => {
        if (job.ending) return;
        if (twoPhase) {
          job.phase = 'ready';
          this.emit(entry, job, 'ready');
        } else {
          job.ending = true;
          void this.conclude(entry, job, 'finish').catch(() => undefined);
        }
      },
      (e: unknown) => {
        if (job.ending) return;
        job.ending = true;
        const status = e instanceof TsvirtError && e.code === 'operation-aborted' ? 'canceled' : 'failed';
        void this.conclude(entry, job, status).catch(() => undefined);
      },
    );
  }

  /**
   * The end of a job: waits for QEMU to conclude it, updates the live XML (pivot, commit,
   * pull changed the chain), drops unused nodes, dismisses the job, raises the event.
   */
  private async conclude(entry: DomainEntry, job: ActiveJob, how: 'pivot' | 'cancel' | 'finish' | 'failed' | 'canceled'): Promise<void> {
    const mon = job.vm.monitor;
    let status: BlockJobEvent['status'] = how === 'failed' ? 'failed' : how === 'cancel' || how === 'canceled' ? 'canceled' : 'completed';
    let failure: unknown;
    try {
      if (how === 'pivot' || how === 'cancel') {
        await bj.waitForJob(mon, job.id, 'concluded').catch((e: unknown) => {
          if (how === 'pivot') { status = 'failed'; failure = e; }
        });
      }
      if (!mon.closed) {
        await bj.dismissIfConcluded(mon, job.id);
        await this.domains.runJob(entry.config.uuid, async () => {
          if (entry.vm !== job.vm) return;
          const changed = status === 'completed' && (how === 'pivot' || job.kind === 'commit' || job.kind === 'pull');
          if (changed) await this.updateDisk(job);
          if (job.kind === 'copy') await flows.dropNodes(mon, changed ? job.oldNodes.flatMap(flows.nodePair) : job.target!.nodes);
          else if (changed) await flows.dropNodes(mon, job.oldNodes.flatMap(flows.nodePair));
          if (changed) await this.domains.persistStatus(entry);
          if (changed && how === 'pivot' && entry.persistent && !job.transientJob) await this.rewriteConfig(entry, job);
        });
      }
    } finally {
      if (this.jobsOf(entry).get(job.dev) === job) this.jobsOf(entry).delete(job.dev);
      if (!mon.closed) this.emit(entry, job, status);
    }
    if (failure) throw failure;
  }

  /** The live XML's disk after the chain changed: its source (pivot) and <backingStore>. */
  private async updateDisk(job: ActiveJob): Promise<void> {
    const vm = job.vm;
    const disk = vm.live.devices.disks.find((x) => x.target.dev === job.dev);
    if (!disk) return;
    if (job.kind === 'copy' && job.target) {
      const t = job.target;
      disk.type = t.blockdev ? 'block' : 'file';
      disk.source = t.blockdev ? { dev: t.path } : { file: t.path };
      disk.driver = { ...disk.driver, type: t.format };
    }
    const node = await flows.diskFormatNodeOf(vm.monitor, disk);
    const chain = await flows.imageChain(vm.monitor, node);
    if (job.kind === 'active-commit' && chain[0]) {
      disk.source = disk.type === 'block' ? { ...disk.source, dev: chain[0].path } : { ...disk.source, file: chain[0].path };
      disk.driver = { ...disk.driver, type: chain[0].format };
    }
    disk.backingStore = flows.backingStoreOf(chain);
  }

  /**
   * libvirt's qemuBlockJobRewriteConfigDiskSource: after a pivot the persistent definition's
   * disk names the new image too (without a chain: it is read from the image at the next start).
   */
  private async rewriteConfig(entry: DomainEntry, job: ActiveJob): Promise<void> {
    const live = job.vm.live.devices.disks.find((x) => x.target.dev === job.dev);
    const config = structuredClone(entry.config);
    const disk = config.devices.disks.find((x) => x.target.dev === job.dev);
    if (!live || !disk || sourcePath(disk) !== job.path) return;
    disk.type = live.type;
    disk.source = { ...disk.source, file: live.source?.file, dev: live.source?.dev };
    if (!disk.source.file) delete disk.source.file;
    if (!disk.source.dev) delete disk.source.dev;
    disk.driver = { ...disk.driver, type: live.driver?.type };
    delete disk.backingStore;
    await this.domains.saveDefinition(entry, config);
  }

  private emit(entry: DomainEntry, job: ActiveJob, status: BlockJobEvent['status']): void {
    this.events.emit({
      type: 'block-job', domain: { name: entry.config.name, uuid: entry.config.uuid, id: entry.id },
      disk: job.dev, path: job.path, job: job.kind, status, time: Date.now(),
    });
  }
}

function sourcePath(d: Disk): string | undefined {
  return d.source?.file ?? d.source?.dev;
}

/** the format of an existing image (reuse-external without --format) */
async function probeFormat(path: string): Promise<string> {
  try {
    const info = JSON.parse(await runOk('qemu-img', ['info', '-U', '--output=json', path])) as { format?: string };
    return info.format ?? 'raw';
  } catch {
    throw new TsvirtError('system-error', `cannot access storage file '${path}': No such file or directory`);
  }
}
