// virsh save / restore / managedsave, as libvirt's qemuDomainSaveInternal and
// qemuDomainRestoreFlags: the guest is paused, its inactive XML and QEMU's migration
// stream go into a save image (save-image.ts), then QEMU is stopped (shutoff, saved).
// Restore starts QEMU with -incoming defer and feeds the stream back in.
// A failure at any step removes the partial file and leaves the guest as it was.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Domain } from '../conf/domain-types.js';
import { formatDomainXml } from '../conf/domain-xml.js';
import { TsvirtError } from '../util/errors.js';
import * as qmp from '../qemu/qmp-commands.js';
import { migrateIn, migrateOut } from '../qemu/migration.js';
import { migrateSetParameters } from '../qemu/qmp-migration.js';
import type { DomainSummary } from '../protocol/types.js';
import { summaryOf, type DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';
import { DomainJob, runDomainJob } from './domain-job.js';
import { encodeSaveHeader, readSaveImage, rewriteSaveImageXml, SAVE_MAGIC, type SaveImageHeader } from './save-image.js';
import { receiveToFile, sendFileToSocket } from './save-pump.js';

export interface SaveOptions {
  /** replacement domain XML stored in the image (same name and uuid, same guest ABI) */
  xml?: string;
  /** the state restore leaves the guest in, instead of the state it had */
  running?: boolean;
  paused?: boolean;
  /** MiB/s cap of QEMU's stream (tsvirt extension; libvirt saves at full speed) */
  bandwidthMiB?: number;
}

export interface RestoreOptions {
  xml?: string;
  running?: boolean;
  paused?: boolean;
}

/** QEMU's max-bandwidth for a save without a cap (libvirt sets QEMU_DOMAIN_MIG_BANDWIDTH_MAX): an earlier cap must not stay */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export class SaveService {
  constructor(private readonly service: DomainService, private readonly managedDir: string) {
    service.managedSave = {
      has: (entry) => entry.hasManagedSave === true,
      start: (entry, paused) => this.startFromManagedSave(entry, paused),
      remove: (entry) => this.removeManagedFile(entry),
    };
  }

  /** Marks the domains whose managed save image is on disk (at daemon start). */
  async init(): Promise<void> {
    await fs.mkdir(this.managedDir, { recursive: true });
    for (const e of this.service.registry.all()) {
      e.hasManagedSave = await fs.access(this.managedPath(e.config.name)).then(() => true, () => false);
    }
  }

  managedPath(name: string): string {
    return path.join(this.managedDir, `${name}.save`);
  }

  // ---- save ----------------------------------------------------------------

  save(ref: string, file: string, opts: SaveOptions = {}): Promise<void> {
    if (opts.running && opts.paused) throw new TsvirtError('invalid-arg', "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive");
    return this.service.runJob(ref, (entry) => this.saveLocked(entry, path.resolve(file), opts));
  }

  managedSaveDomain(ref: string, opts: SaveOptions = {}): Promise<void> {
    if (opts.running && opts.paused) throw new TsvirtError('invalid-arg', "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive");
    return this.service.runJob(ref, async (entry) => {
      if (!entry.persistent) throw new TsvirtError('operation-invalid', 'cannot do managed save for transient domain');
      await fs.mkdir(this.managedDir, { recursive: true });
      await this.saveLocked(entry, this.managedPath(entry.config.name), opts);
      entry.hasManagedSave = true;
    });
  }

  private async saveLocked(entry: DomainEntry, file: string, opts: SaveOptions): Promise<void> {
    const vm = entry.vm;
    if (!vm || !vm.running) throw new TsvirtError('operation-invalid', 'domain is not running');
    let def: Domain = vm.live;
    if (opts.xml !== undefined) def = await this.checkedXml(opts.xml, vm.live);
    const wasRunning = vm.state === 'running';
    const xml = formatDomainXml(def, { inactive: true });
    const restoreRunning = opts.running ? true : opts.paused ? false : wasRunning;
    await runDomainJob(this.service.jobsOf(entry), new DomainJob('save'), async (job) => {
      const head = encodeSaveHeader({ xml, wasRunning: restoreRunning, partial: true });
      const fh = await fs.open(file, 'w', 0o600).catch((e: NodeJS.ErrnoException) => {
        throw new TsvirtError('system-error', `Failed to create file '${file}': ${e.message}`);
      });
      const sock = path.join(path.dirname(vm.monitorPath), 'save.sock');
      let pump: Awaited<ReturnType<typeof receiveToFile>> | undefined;
      let stopped = false;
      try {
        await fh.write(head, 0, head.length, 0);
        pump = await receiveToFile(sock, fh, head.length);
        if (wasRunning) {
          vm.expectStopFor('save', 'paused');
          await qmp.stop(vm.monitor);
          stopped = true;
        }
        const parameters = { 'max-bandwidth': opts.bandwidthMiB ? opts.bandwidthMiB * 1024 * 1024 : UNLIMITED };
        job.migration = undefined;
        const final = await migrateOut(vm.monitor, `unix:${sock}`, {
          parameters, signal: job.signal, onProgress: (i) => { job.migration = i; },
        }, 'save');
        job.migration = final;
        await pump.done;
        // only a complete image gets the real magic
        await fh.write(Buffer.from(SAVE_MAGIC, 'latin1'), 0, 16, 0);
        await fh.sync();
        await fh.close();
      } catch (e) {
        pump?.close();
        await fh.close().catch(() => undefined);
        await fs.rm(file, { force: true });
        vm.clearExpectedStop();
        // a migration after this one must not inherit the save's cap
        if (opts.bandwidthMiB && !vm.monitor.closed) await migrateSetParameters(vm.monitor, { 'max-bandwidth': UNLIMITED }).catch(() => undefined);
        if (stopped && vm.running && !vm.monitor.closed) await qmp.cont(vm.monitor).catch(() => undefined);
        throw e;
      } finally {
        await fs.rm(sock, { force: true });
      }
      await vm.destroy(false, { reason: 'saved', detail: 'saved' });
      await entry.stopping;
    });
  }

  /** --xml on save or restore: parsed as any definition, the same domain (libvirt checks ABI stability). */
  private async checkedXml(xml: string, base: Domain): Promise<Domain> {
    const def = await this.service.prepareDefinition(xml);
    if (def.uuid !== base.uuid) throw new TsvirtError('operation-invalid', `Target domain uuid ${def.uuid} does not match source ${base.uuid}`);
    if (def.name !== base.name) throw new TsvirtError('operation-invalid', `Target domain name '${def.name}' does not match source '${base.name}'`);
    return def;
  }

  // ---- restore ---------------------------------------------------------------

  async restore(file: string, opts: RestoreOptions = {}): Promise<DomainSummary> {
    if (opts.running && opts.paused) throw new TsvirtError('invalid-arg', "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive");
    file = path.resolve(file);
    const h = await readSaveImage(file);
    let def = await this.service.prepareDefinition(h.xml);
    if (opts.xml !== undefined) def = await this.checkedXml(opts.xml, def);
    const reg = this.service.registry;
    const byName = reg.byNameOrNull(def.name);
    const byUuid = reg.byUuidOrNull(def.uuid);
    if (byName && byName.config.uuid !== def.uuid) throw new TsvirtError('dom-exist', `domain '${def.name}' already exists with uuid ${byName.config.uuid}`);
    if (byUuid && byUuid.config.name !== def.name) throw new TsvirtError('dom-exist', `domain '${byUuid.config.name}' is already defined with uuid ${def.uuid}`);
    if (byUuid?.vm) throw new TsvirtError('operation-invalid', `domain '${def.name}' is already active`);
    let entry = byUuid;
    if (!entry) {
      entry = { config: def, persistent: false, autostart: false, id: null, state: 'shutoff', reason: 'unknown' };
      reg.add(entry);
    }
    const created = entry;
    try {
      return await this.service.runJob(def.uuid, async (e) => {
        if (e.vm) throw new TsvirtError('operation-invalid', `domain '${def.name}' is already active`);
        await this.restoreLocked(e, def, file, h, opts.paused ? true : opts.running ? false : !h.wasRunning);
        return summaryOf(e);
      });
    } catch (err) {
      if (!created.persistent && !created.vm && reg.byUuidOrNull(def.uuid) === created) reg.remove(created);
      throw err;
    }
  }

  private async restoreLocked(entry: DomainEntry, def: Domain, file: string, h: SaveImageHeader, paused: boolean): Promise<void> {
    await runDomainJob(this.service.jobsOf(entry), new DomainJob('restore'), async (job) => {
      await this.service.startIncoming(entry, def, {
        paused,
        detail: 'restored',
        feed: async (vm) => {
          const sock = path.join(path.dirname(vm.monitorPath), 'restore.sock');
          const ac = new AbortController();
          const onAbort = () => ac.abort(job.signal.reason);
          job.signal.addEventListener('abort', onAbort, { once: true });
          try {
            const sending = sendFileToSocket(file, h.streamOffset, sock, ac.signal);
            sending.catch(() => undefined);
            const final = await migrateIn(vm.monitor, `unix:${sock}`, { signal: job.signal, onProgress: (i) => { job.migration = i; } }, 'restore');
            job.migration = final;
            await sending;
          } catch (e) {
            ac.abort(e);
            const msg = (e as Error).message;
            throw e instanceof TsvirtError && e.code === 'operation-aborted' ? e : new TsvirtError('operation-failed', `cannot restore domain '${def.name}' from '${file}': ${msg}`);
          } finally {
            job.signal.removeEventListener('abort', onAbort);
            await fs.rm(sock, { force: true });
          }
        },
      });
    });
  }

  // ---- save images -----------------------------------------------------------

  /** the image's XML; without `secure`, secrets (VNC/SPICE passwords) are left out as libvirt does */
  async imageXml(file: string, secure = false): Promise<string> {
    const h = await readSaveImage(path.resolve(file));
    if (secure) return h.xml;
    return formatDomainXml(await this.service.prepareDefinition(h.xml), { inactive: true, secure: false });
  }

  async imageDefine(file: string, xml: string, state?: 'running' | 'paused'): Promise<void> {
    file = path.resolve(file);
    const h = await readSaveImage(file);
    const base = await this.service.prepareDefinition(h.xml);
    const def = await this.checkedXml(xml, base);
    await rewriteSaveImageXml(file, formatDomainXml(def, { inactive: true }), state === undefined ? undefined : state === 'running');
  }

  // ---- managed save ----------------------------------------------------------

  private managedEntry(ref: string): DomainEntry {
    const entry = this.service.registry.lookup(ref);
    return entry;
  }

  hasManagedSave(ref: string): boolean {
    return this.managedEntry(ref).hasManagedSave === true;
  }

  async managedXml(ref: string, secure = false): Promise<string> {
    const entry = this.managedEntry(ref);
    if (!entry.hasManagedSave) throw new TsvirtError('operation-invalid', `Requested operation is not valid: domain does not have managed save image`);
    return this.imageXml(this.managedPath(entry.config.name), secure);
  }

  async managedDefine(ref: string, xml: string, state?: 'running' | 'paused'): Promise<void> {
    const entry = this.managedEntry(ref);
    if (!entry.hasManagedSave) throw new TsvirtError('operation-invalid', `Requested operation is not valid: domain does not have managed save image`);
    await this.imageDefine(this.managedPath(entry.config.name), xml, state);
  }

  managedRemove(ref: string): Promise<void> {
    return this.service.runJob(ref, (entry) => this.removeManagedFile(entry));
  }

  private async removeManagedFile(entry: DomainEntry): Promise<void> {
    const file = this.managedPath(entry.config.name);
    await fs.unlink(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw new TsvirtError('system-error', `Failed to remove managed save file '${file}': ${e.message}`);
    });
    entry.hasManagedSave = false;
  }

  /** start of a domain with a managed save image (inside the start's job lock): restore it, then remove it. */
  private async startFromManagedSave(entry: DomainEntry, paused: boolean): Promise<void> {
    const file = this.managedPath(entry.config.name);
    const h = await readSaveImage(file);
    const def = await this.service.prepareDefinition(h.xml);
    if (def.uuid !== entry.config.uuid) throw new TsvirtError('operation-failed', `managed save image of '${entry.config.name}' belongs to another domain (uuid ${def.uuid})`);
    await this.restoreLocked(entry, def, file, h, paused || !h.wasRunning);
    await this.removeManagedFile(entry).catch((e) => this.service.log.warn(`${e.message}`));
  }

  // ---- jobs --------------------------------------------------------------------

  jobInfo(ref: string, completed = false, keepCompleted = false): { type: string; params: Record<string, number | string> } {
    const entry = this.service.registry.lookup(ref);
    const jobs = entry.jobs;
    if (completed) {
      const c = jobs?.completed;
      if (c && !keepCompleted) jobs.completed = undefined;
      return c ?? { type: 'none', params: {} };
    }
    const cur = jobs?.current;
    return cur ? cur.stats('unbounded') : { type: 'none', params: {} };
  }

  abortJob(ref: string): void {
    const entry = this.service.registry.lookup(ref);
    if (!entry.vm) throw new TsvirtError('operation-invalid', 'domain is not running');
    const cur = entry.jobs?.current;
    if (!cur) throw new TsvirtError('operation-invalid', 'no job is active on the domain');
    cur.abort();
  }
}
