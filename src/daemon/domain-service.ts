// Domain operations: what each API call does, once, for every transport.
// Mutating calls on one domain run one at a time (JobLocks); state changes that
// come from QEMU (guest poweroff, crash) arrive through the VM's 'change' events.
import { promises as fs } from 'node:fs';
import type { Domain } from '../conf/domain-types.js';
import { formatDomainXml, parseDomainXml } from '../conf/domain-xml.js';
import { applyDomainDefaultsInPlace } from '../conf/domain-defaults.js';
import { validateDomain } from '../conf/domain-validate.js';
import { TsvirtError } from '../util/errors.js';
import type { QemuDriver } from '../qemu/driver.js';
import type { QemuVm, VmChange } from '../qemu/vm.js';
import { logQemuStop } from '../qemu/qemu-process.js';
import { defaultMachine, findMachine } from '../qemu/caps.js';
import { nvramFileOf } from '../qemu/firmware-select.js';
import type { DomainInfo, DomainSummary, LifecycleEvent } from '../protocol/types.js';
import { DomainRegistry, summaryOf, type DomainEntry } from './domain-registry.js';
import type { DomainStore } from './domain-store.js';
import type { EventBus } from './event-bus.js';
import { JobLocks } from './jobs.js';
import type { DomainJobs } from './domain-job.js';
import type { Logger } from './log.js';
import { checkTpmFlags, removeTpmState, type TpmUndefineFlags } from './undefine-tpm.js';

export class DomainService {
  readonly registry = new DomainRegistry();
  private readonly locks = new JobLocks();
  /** managed save images (save-service.ts): start resumes from one, undefine refuses while one exists */
  managedSave?: { has(e: DomainEntry): boolean; start(e: DomainEntry, paused: boolean): Promise<void>; remove(e: DomainEntry): Promise<void> };
  /** set by the snapshot service: drops a domain's snapshot metadata (undefine --snapshots-metadata) */
  snapshots?: { discardAll(e: DomainEntry): Promise<void> };

  constructor(
    private readonly store: DomainStore,
    private readonly driver: QemuDriver,
    readonly events: EventBus,
    readonly log: Logger,
  ) {}

  // ---- definitions -------------------------------------------------------

  /** parse, defaults (with the machine alias resolved: pc -> pc-i440fx-7.2, as libvirt stores it), validate */
  private async prepare(xml: string): Promise<Domain> {
    const parsed = parseDomainXml(xml);
    const caps = await this.driver.caps(parsed.devices.emulator);
    if (parsed.os.machine && !findMachine(caps, parsed.os.machine)) {
      throw new TsvirtError('config-unsupported', `Emulator '${caps.binary}' does not support machine type '${parsed.os.machine}'`);
    }
    const canonicalMachines = Object.fromEntries(caps.machines.filter((m) => m.alias).map((m) => [m.alias!, m.name]));
    const def = applyDomainDefaultsInPlace(parsed, { arch: caps.arch, defaultMachine: defaultMachine(caps), emulator: caps.binary, canonicalMachines, nvramDir: this.store.nvramDir() });
    validateDomain(def);
    return def;
  }

  /** where managed save images go (save-service.ts) */
  managedSaveDir(): string {
    return this.store.managedSaveDir();
  }

  /** parse, defaults and validate of a definition that is not stored (a save image's XML) */
  prepareDefinition(xml: string): Promise<Domain> {
    return this.prepare(xml);
  }

  /** Name and UUID must both match an existing domain, or both be new. */
  private checkIdentity(def: Domain): DomainEntry | undefined {
    const byName = this.registry.byNameOrNull(def.name);
    const byUuid = this.registry.byUuidOrNull(def.uuid);
    if (byName && byName.config.uuid !== def.uuid) {
      throw new TsvirtError('dom-exist', `domain '${def.name}' already exists with uuid ${byName.config.uuid}`);
    }
    if (byUuid && byUuid.config.name !== def.name) {
      throw new TsvirtError('dom-exist', `domain '${byUuid.config.name}' is already defined with uuid ${def.uuid}`);
    }
    return byName;
  }

  async define(xml: string): Promise<DomainSummary> {
    const def = await this.prepare(xml);
    return this.locks.run(`uuid:${def.uuid}`, async () => {
      const existing = this.checkIdentity(def);
      await this.store.saveConfig(def);
      let entry: DomainEntry;
      if (existing) {
        entry = existing;
        this.registry.setConfig(entry, def);
        entry.persistent = true;
      } else {
        entry = { config: def, persistent: true, autostart: false, id: null, state: 'shutoff', reason: 'unknown' };
        this.registry.add(entry);
      }
      this.emit(entry, 'defined', existing ? 'updated' : 'added');
      return summaryOf(entry);
    });
  }

  async undefine(ref: string, opts: { nvram?: boolean; keepNvram?: boolean; managedSave?: boolean; snapshotsMetadata?: boolean } & TpmUndefineFlags = {}): Promise<void> {
    const entry = this.registry.lookup(ref);
    checkTpmFlags(opts);
    await this.locks.run(`uuid:${entry.config.uuid}`, async () => {
      if (!entry.persistent) throw new TsvirtError('operation-invalid', `cannot undefine transient domain '${entry.config.name}'`);
      if (this.managedSave?.has(entry) && !opts.managedSave) throw new TsvirtError('operation-invalid', 'Refusing to undefine while domain managed save image exists');
      // libvirt's qemuDomainUndefineFlags: snapshots of an inactive domain block it, unless their metadata goes too
      if (!entry.vm && entry.snapshotCount && !opts.snapshotsMetadata) throw new TsvirtError('operation-invalid', `cannot delete inactive domain with ${entry.snapshotCount} snapshots`);
      // libvirt's rules: an existing variable store (also the one firmware='efi' made at start)
      // is removed with --nvram, kept with --keep-nvram, and without either the undefine is refused
      if (opts.nvram && opts.keepNvram) throw new TsvirtError('operation-invalid', 'cannot both keep and delete nvram');
      const nvram = nvramFileOf(entry.config, this.store.nvramDir());
      if (nvram && !opts.keepNvram && (await fs.access(nvram).then(() => true, () => false))) {
        if (!opts.nvram) throw new TsvirtError('operation-invalid', 'cannot undefine domain with nvram');
        await fs.unlink(nvram).catch((e: NodeJS.ErrnoException) => {
          throw new TsvirtError('system-error', `failed to remove nvram: ${nvram}: ${e.message}`);
        });
      }
      if (this.managedSave?.has(entry)) await this.managedSave.remove(entry);
      if (entry.snapshotCount && opts.snapshotsMetadata) await this.snapshots?.discardAll(entry);
      await this.store.removeConfig(entry.config.name);
      entry.persistent = false;
      entry.autostart = false;
      // a running domain goes on as transient, its swtpm still needs the state
      if (!entry.vm) await removeTpmState(entry.config, this.store.swtpmDirs(), opts);
      if (!entry.vm) this.registry.remove(entry);
      this.emit(entry, 'undefined', 'removed');
    });
  }

  async setAutostart(ref: string, autostart: boolean): Promise<void> {
    const entry = this.registry.lookup(ref);
    await this.locks.run(`uuid:${entry.config.uuid}`, async () => {
      if (!entry.persistent) throw new TsvirtError('operation-invalid', `cannot set autostart for transient domain '${entry.config.name}'`);
      await this.store.setAutostart(entry.config.name, autostart);
      entry.autostart = autostart;
    });
  }

  // ---- lifecycle ---------------------------------------------------------

  async start(ref: string, paused = false, forceBoot = false): Promise<DomainSummary> {
    const entry = this.registry.lookup(ref);
    return this.locks.run(`uuid:${entry.config.uuid}`, async () => {
      // a managed save image is resumed from (libvirt's qemuDomainObjStart); --force-boot discards it
      if (this.managedSave?.has(entry) && !entry.vm) {
        if (!forceBoot) return (await this.managedSave.start(entry, paused), summaryOf(entry));
        await this.managedSave.remove(entry);
      }
      await this.startLocked(entry, paused);
      return summaryOf(entry);
    });
  }

  async create(xml: string, paused = false): Promise<DomainSummary> {
    const def = await this.prepare(xml);
    return this.locks.run(`uuid:${def.uuid}`, async () => {
      const existing = this.checkIdentity(def);
      if (existing?.vm) throw new TsvirtError('operation-invalid', `domain '${def.name}' is already running`);
      let entry = existing;
      if (!entry) {
        entry = { config: def, persistent: false, autostart: false, id: null, state: 'shutoff', reason: 'unknown' };
        this.registry.add(entry);
      }
      try {
        await this.startLocked(entry, paused, def);
      } catch (e) {
        if (!entry.persistent) this.registry.remove(entry);
        throw e;
      }
      return summaryOf(entry);
    });
  }

  private async startLocked(entry: DomainEntry, paused: boolean, def = entry.config): Promise<void> {
    const vm = await this.launch(entry, def, paused, false);
    this.emit(entry, 'started', 'booted');
    if (paused) this.emit(entry, 'suspended', 'paused');
    vm.reportAgentState('domain-started'); // libvirt's agent-lifecycle event at start
  }

  /** Starts QEMU for `def` on `entry` and writes its status; nothing is left behind when it fails. */
  private async launch(entry: DomainEntry, def: Domain, paused: boolean, incoming: boolean): Promise<QemuVm> {
    await entry.stopping; // the last run's host resources are given back first
    if (entry.vm) throw new TsvirtError('operation-invalid', `Requested operation is not valid: domain '${entry.config.name}' is already running`);
    const id = this.registry.nextId();
    const name = def.name;
    const vm = await this.driver.start(def, id, {
      domainRunDir: this.store.domainRunDir(id, name),
      logFile: this.store.logFile(name),
      logDir: this.store.chardevLogDir(name),
      nvramDir: this.store.nvramDir(),
    }, paused, incoming);
    this.attach(entry, vm, id);
    try {
      await this.saveStatus(entry);
    } catch (e) {
      await vm.destroy().catch(() => undefined);
      throw e;
    }
    return vm;
  }

  /**
   * Inside runJob: starts `def` on `entry` with QEMU waiting for a migration stream (-incoming
   * defer), lets `feed` send the stream in (migration.ts migrateIn), then runs the vCPUs unless
   * `paused`. Events as libvirt's: started/restored or started/migrated, then resumed/migrated
   * (migration) or suspended/paused. If `feed` fails, QEMU is stopped again and its host
   * resources are given back (stopped/failed); the error is rethrown.
   */
  async startIncoming(entry: DomainEntry, def: Domain, opts: { paused: boolean; detail: 'restored' | 'migrated'; feed: (vm: QemuVm) => Promise<void> }): Promise<QemuVm> {
    const vm = await this.launch(entry, def, true, true);
    try {
      await opts.feed(vm);
    } catch (e) {
      if (entry.vm === vm) {
        await vm.destroy(false, { reason: 'failed', detail: 'failed' }).catch(() => undefined);
        await entry.stopping;
      }
      throw e;
    }
    this.emit(entry, 'started', opts.detail);
    if (opts.paused) {
      vm.reason = opts.detail === 'migrated' ? 'migration' : 'user';
      entry.reason = vm.reason;
      this.emit(entry, 'suspended', 'paused');
    } else {
      await vm.startCpus(opts.detail);
      entry.state = 'running';
      entry.reason = opts.detail;
      if (opts.detail === 'migrated') this.emit(entry, 'resumed', 'migrated');
    }
    await this.saveStatus(entry).catch((e) => this.log.warn(`cannot save status of '${entry.config.name}': ${e.message}`));
    vm.reportAgentState('domain-started');
    return vm;
  }

  /** Binds a running VM to its entry and follows its state changes. */
  attach(entry: DomainEntry, vm: QemuVm, id: number): void {
    entry.vm = vm;
    this.registry.setId(entry, id);
    entry.state = vm.state === 'shutoff' ? 'shutoff' : vm.state;
    entry.reason = vm.reason;
    vm.on('change', (c) => void this.onVmChange(entry, vm, c));
    vm.on('agent', (a) => {
      if (entry.vm !== vm) return;
      this.events.emit({ type: 'agent-lifecycle', domain: { name: entry.config.name, uuid: entry.config.uuid, id: entry.id }, state: a.state, reason: a.reason, time: Date.now() });
      // the live XML's channel state is in the status file, as libvirt keeps it
      void this.saveStatus(entry).catch((e) => this.log.warn(`cannot save status of '${entry.config.name}': ${e.message}`));
    });
    if (vm.state === 'shutoff') void this.onVmChange(entry, vm, { state: 'shutoff', reason: vm.reason, event: 'stopped', detail: 'failed' });
  }

  private async onVmChange(entry: DomainEntry, vm: QemuVm, c: VmChange): Promise<void> {
    if (entry.vm !== vm) return;
    entry.state = c.state;
    entry.reason = c.reason;
    if (c.state === 'shutoff') {
      entry.stopping = this.cleanupStopped(entry, vm);
      await entry.stopping;
    } else if (c.event === 'suspended' || c.event === 'resumed') {
      await this.saveStatus(entry).catch((e) => this.log.warn(`cannot save status of '${entry.config.name}': ${e.message}`));
    }
    if (c.event) this.emit(entry, c.event, c.detail ?? '');
  }

  private async cleanupStopped(entry: DomainEntry, vm: QemuVm): Promise<void> {
    const id = entry.id;
    entry.vm = undefined;
    this.registry.setId(entry, null);
    await logQemuStop(this.store.logFile(vm.live.name), entry.reason)
      .catch((e) => this.log.warn(`cannot write to the QEMU log: ${e.message}`, { domain: vm.live.name }));
    for (const e of await this.driver.release(vm.live, vm.record)) this.log.warn(`releasing host resources of '${vm.live.name}': ${e.message}`);
    await this.store.removeStatus(vm.live.name).catch(() => undefined);
    if (id !== null) await fs.rm(this.store.domainRunDir(id, vm.live.name), { recursive: true, force: true }).catch(() => undefined);
    if (!entry.persistent) this.registry.remove(entry);
  }

  private async saveStatus(entry: DomainEntry): Promise<void> {
    const vm = entry.vm;
    if (!vm) return;
    await this.store.saveStatus({
      state: entry.state,
      reason: entry.reason,
      pid: vm.pid,
      monitorPath: vm.monitorPath,
      domain: vm.live,
      extra: { ...vm.record },
    });
  }

  private runningVm(ref: string): { entry: DomainEntry; vm: QemuVm } {
    const entry = this.registry.lookup(ref);
    if (!entry.vm) throw new TsvirtError('operation-invalid', `Requested operation is not valid: domain '${entry.config.name}' is not running`);
    return { entry, vm: entry.vm };
  }

  private withVm<T>(ref: string, fn: (vm: QemuVm, entry: DomainEntry) => Promise<T>): Promise<T> {
    const entry = this.registry.lookup(ref);
    return this.locks.run(`uuid:${entry.config.uuid}`, () => {
      const { vm } = this.runningVm(ref);
      return fn(vm, entry);
    });
  }

  shutdown(ref: string, modes?: string[]): Promise<void> {
    return this.withVm(ref, (vm) => vm.shutdown(modes));
  }
  reboot(ref: string, modes?: string[]): Promise<void> {
    return this.withVm(ref, (vm) => vm.reboot(modes));
  }
  reset(ref: string): Promise<void> {
    return this.withVm(ref, (vm) => vm.reset());
  }
  suspend(ref: string): Promise<void> {
    return this.withVm(ref, (vm) => vm.suspend());
  }
  sendKey(ref: string, keys: Array<string | number>, holdTimeMs?: number): Promise<void> {
    return this.withVm(ref, (vm) => vm.sendKey(keys, holdTimeMs));
  }
  resume(ref: string): Promise<void> {
    return this.withVm(ref, (vm) => vm.resume());
  }
  async destroy(ref: string, graceful = false): Promise<void> {
    await this.withVm(ref, async (vm, entry) => {
      await vm.destroy(graceful);
      // the 'change' handler cleans up (host resources too); the caller sees it all done
      await entry.stopping;
    });
  }

  /** Sets (or with no value removes) the <title> or <description> of the running domain and/or the definition (virsh desc). */
  async setText(ref: string, field: 'title' | 'description', value: string | undefined, target: { live: boolean; config: boolean }): Promise<void> {
    const entry = this.registry.lookup(ref);
    if (field === 'title' && value?.includes('\n')) throw new TsvirtError('invalid-arg', "title can't contain newlines");
    await this.locks.run(`uuid:${entry.config.uuid}`, async () => {
      if (target.live && !entry.vm) throw new TsvirtError('operation-invalid', 'domain is not running');
      if (target.config && !entry.persistent) throw new TsvirtError('operation-invalid', 'transient domains do not have any persistent config');
      if (target.config) {
        const def: Domain = { ...entry.config, [field]: value || undefined };
        await this.store.saveConfig(def);
        this.registry.setConfig(entry, def);
      }
      if (target.live && entry.vm) {
        entry.vm.live[field] = value || undefined;
        await this.saveStatus(entry);
      }
    });
  }

  // ---- for services beside this one (device-service) ----------------------

  /** the domain's long-job record, made on first use; its jobs go to the daemon's log */
  jobsOf(entry: DomainEntry): DomainJobs {
    return entry.jobs ??= { log: (level, msg, job) => this.log[level](msg, { domain: entry.config.name, job }) };
  }

  /** Runs `job` under the domain's job lock, as every mutating call on it does. */
  runJob<T>(ref: string, job: (entry: DomainEntry) => Promise<T>): Promise<T> {
    const entry = this.registry.lookup(ref);
    return this.locks.run(`uuid:${entry.config.uuid}`, () => job(entry));
  }

  /** Replaces a persistent domain's definition (inside runJob), e.g. setmem --config. */
  async saveDefinition(entry: DomainEntry, def: Domain): Promise<void> {
    await this.store.saveConfig(def);
    this.registry.setConfig(entry, def);
  }

  /** Writes a running domain's status file (after a live change such as a hot-plug). */
  persistStatus(entry: DomainEntry): Promise<void> {
    return this.saveStatus(entry);
  }

  // ---- queries -----------------------------------------------------------

  list(): DomainSummary[] {
    return this.registry.all().map(summaryOf);
  }

  lookup(ref: string): DomainSummary {
    return summaryOf(this.registry.lookup(ref));
  }

  getState(ref: string): { state: DomainSummary['state']; reason: string } {
    const e = this.registry.lookup(ref);
    return { state: e.state, reason: e.reason };
  }

  getXml(ref: string, inactive = false): string {
    const e = this.registry.lookup(ref);
    if (e.vm && !inactive) return formatDomainXml(e.vm.live, { live: true });
    return formatDomainXml(e.config, { inactive: true });
  }

  getInfo(ref: string): DomainInfo {
    const e = this.registry.lookup(ref);
    const def = e.vm?.live ?? e.config;
    return {
      ...summaryOf(e),
      osType: def.os.type,
      vcpus: def.vcpu.current ?? def.vcpu.count,
      cpuTimeNs: e.vm ? e.vm.cpuTimeNs() : 0,
      maxMemoryKiB: def.memory,
      usedMemoryKiB: def.currentMemory ?? def.memory,
    };
  }

  private emit(entry: DomainEntry, event: LifecycleEvent['event'], detail: string): void {
    this.events.emit({
      type: 'lifecycle',
      domain: { name: entry.config.name, uuid: entry.config.uuid, id: entry.id },
      event,
      detail,
      time: Date.now(),
    });
  }
}
