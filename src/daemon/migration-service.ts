// Live migration between two tsvirtd, in libvirt's five steps (qemu_migration.c, protocol v3):
// begin (source: the XML to send), prepare (destination: QEMU with -incoming defer listening
// on tcp), perform (source: QMP migrate), finish (destination: wait for the stream, resume,
// --persistent), confirm (source: stop QEMU as 'migrated', or resume it when cancelled).
// virsh calls the steps itself (no --p2p); with --p2p the source daemon calls the
// destination's the same way. Any failure leaves the guest running on the source and
// nothing on the destination.
import * as os from 'node:os';
import type { Domain } from '../conf/domain-types.js';
import { formatDomainXml } from '../conf/domain-xml.js';
import { TsvirtError } from '../util/errors.js';
import * as qmp from '../qemu/qmp-commands.js';
import * as mig from '../qemu/qmp-migration.js';
import { migrateIn, migrateOut } from '../qemu/migration.js';
import { copiedDisks, describeCopiedDisks, mirrorToNbd, startNbdExports, stopNbdExports, type Mirrors } from '../qemu/migration-nbd.js';
import type { QemuVm } from '../qemu/vm.js';
import type { DomainSummary } from '../protocol/types.js';
import { summaryOf, type DomainEntry } from './domain-registry.js';
import type { DomainService } from './domain-service.js';
import { DomainJob, runDomainJob } from './domain-job.js';
import { freeMigrationPort, parseMigrateUri, qemuTcpUri } from './migration-uri.js';
import { fileIdentity, precreateCopiedDisks, removeFiles, type CopiedDisk } from './migration-storage.js';

/** libvirt's unlimited speed (QEMU_DOMAIN_MIG_BANDWIDTH_MAX, MiB/s) */
export const SPEED_UNLIMITED = 8796093022207;
const DEFAULT_DOWNTIME_MS = 300; // QEMU's downtime-limit default

/** what travels between the two daemons beside the XML (ours: both ends are tsvirt) */
export interface MigrationCookie {
  host: string;
  name: string;
  uuid: string;
  /** --copy-storage-all, source to destination: the disks to copy */
  disks?: CopiedDisk[];
  /** --copy-storage-all, destination to source: its NBD server's port (host: the stream's) */
  nbd?: { port: number };
}

export function encodeCookie(c: MigrationCookie): Buffer {
  return Buffer.from(JSON.stringify(c));
}

export function decodeCookie(b: Buffer | undefined): Partial<MigrationCookie> {
  if (!b || b.length === 0) return {};
  try {
    return JSON.parse(b.toString('utf8')) as Partial<MigrationCookie>;
  } catch {
    throw new TsvirtError('invalid-arg', 'invalid migration cookie');
  }
}

export interface PerformOptions {
  /** the stream address the destination's prepare answered (tcp:HOST:PORT) */
  uri: string;
  live?: boolean;
  autoConverge?: boolean;
  /** MiB/s for this migration (VIR_MIGRATE_PARAM_BANDWIDTH) */
  bandwidth?: number;
  /** --copy-storage-all: mirror the disks into the destination's NBD exports first */
  copyStorage?: boolean;
  /** the destination's prepare cookie (its NBD port) */
  cookie?: Buffer;
}

export interface PrepareOptions {
  xml: string;
  cookie?: Buffer;
  /** --migrateuri: the address (and maybe port) to listen on */
  uri?: string;
  listenAddress?: string;
  dname?: string;
  /** VIR_MIGRATE_PAUSED: leave the guest paused on the destination */
  paused?: boolean;
  /** --copy-storage-all: export the disks over NBD for the source to fill */
  copyStorage?: boolean;
}

interface Incoming {
  name: string;
  uuid: string;
  port: number;
  /** the stream, the resume: settles when the guest runs here (or failed and is gone) */
  done: Promise<void>;
  /** done succeeded: the record waits for the source's finish call, which may come later */
  succeeded?: boolean;
  vm?: QemuVm;
  cancel(): void;
}

interface Tunables {
  downtimeMs: number;
  speedMiB: number;
}

export class MigrationService {
  /** tsvirtd --migration-host (libvirt's migration_host): the address incoming streams come to */
  static defaultHost: string | undefined;
  private readonly incoming = new Map<string, Incoming>();
  private readonly tunables = new Map<string, Tunables>();
  /** source: a migrated-out guest waiting for confirm, and whether it ran before */
  private readonly outgoing = new Map<string, { wasRunning: boolean }>();

  constructor(private readonly service: DomainService, private readonly migrationHost?: string) {}

  // ---- tunables (migrate-setmaxdowntime, migrate-setspeed) -----------------------

  private tunablesOf(entry: DomainEntry): Tunables {
    let t = this.tunables.get(entry.config.uuid);
    if (!t) this.tunables.set(entry.config.uuid, (t = { downtimeMs: DEFAULT_DOWNTIME_MS, speedMiB: SPEED_UNLIMITED }));
    return t;
  }

  private activeEntry(ref: string): DomainEntry & { vm: QemuVm } {
    const entry = this.service.registry.lookup(ref);
    if (!entry.vm || !entry.vm.running) throw new TsvirtError('operation-invalid', 'Requested operation is not valid: domain is not running');
    return entry as DomainEntry & { vm: QemuVm };
  }

  async setMaxDowntime(ref: string, ms: number): Promise<void> {
    const entry = this.activeEntry(ref);
    this.tunablesOf(entry).downtimeMs = ms;
    // a migration that runs now takes it at once
    if (entry.jobs?.current?.operation === 'migration-out') await mig.migrateSetParameters(entry.vm.monitor, { 'downtime-limit': ms });
  }

  getMaxDowntime(ref: string): number {
    return this.tunablesOf(this.activeEntry(ref)).downtimeMs;
  }

  async setMaxSpeed(ref: string, mib: number): Promise<void> {
    if (mib > SPEED_UNLIMITED) throw new TsvirtError('invalid-arg', `bandwidth must be less than ${SPEED_UNLIMITED + 1}`);
    const entry = this.activeEntry(ref);
    this.tunablesOf(entry).speedMiB = mib;
    if (entry.jobs?.current?.operation === 'migration-out') await mig.migrateSetParameters(entry.vm.monitor, { 'max-bandwidth': bytesPerSecond(mib) });
  }

  getMaxSpeed(ref: string): number {
    return this.tunablesOf(this.service.registry.lookup(ref)).speedMiB;
  }

  // ---- source ---------------------------------------------------------------

  /** Begin: checks the domain can go, and gives the XML the destination starts. */
  async begin(ref: string, opts: { xml?: string; dname?: string; copyStorage?: boolean } = {}): Promise<{ xml: string; cookie: Buffer }> {
    const entry = this.activeEntry(ref);
    checkMigratable(entry.vm.live);
    if (entry.jobs?.current) throw new TsvirtError('operation-invalid', `cannot acquire state change lock: another job (${entry.jobs.current.operation}) is running`);
    let xml = formatDomainXml(entry.vm.live, { inactive: true });
    if (opts.xml !== undefined) {
      // --xml: the same domain (libvirt's ABI stability check starts with these two)
      const def = await this.service.prepareDefinition(opts.xml);
      if (def.uuid !== entry.config.uuid) throw new TsvirtError('config-unsupported', `unsupported configuration: Target domain uuid ${def.uuid} does not match source ${entry.config.uuid}`);
      if (def.name !== entry.config.name && def.name !== opts.dname) throw new TsvirtError('config-unsupported', `unsupported configuration: Target domain name '${def.name}' does not match source '${entry.config.name}'`);
      xml = opts.xml;
    }
    const cookie: MigrationCookie = { host: os.hostname(), name: entry.config.name, uuid: entry.config.uuid };
    if (opts.copyStorage) {
      const disks = copiedDisks(entry.vm.live.devices.disks);
      const described = await describeCopiedDisks(entry.vm.monitor, disks);
      cookie.disks = await Promise.all(described.map(async (d, i) => ({ ...d, file: await fileIdentity(disks[i].source!.file!) })));
    }
    return { xml, cookie: encodeCookie(cookie) };
  }

  /** Perform: streams the guest to `uri`; on any failure it runs on here as before. */
  perform(ref: string, opts: PerformOptions): Promise<{ cookie: Buffer }> {
    return this.service.runJob(ref, async (e) => {
      const entry = this.activeEntry(e.config.uuid);
      const vm = entry.vm;
      checkMigratable(vm.live);
      const addr = parseMigrateUri(opts.uri);
      if (!addr.host || !addr.port) throw new TsvirtError('invalid-arg', `migration URI ${opts.uri} needs a host and a port`);
      const t = this.tunablesOf(entry);
      const speed = opts.bandwidth ?? t.speedMiB;
      const nbd = opts.copyStorage ? decodeCookie(opts.cookie).nbd : undefined;
      if (opts.copyStorage && !nbd?.port) throw new TsvirtError('operation-failed', 'operation failed: the destination did not export the disks for --copy-storage-all');
      await runDomainJob(this.service.jobsOf(entry), new DomainJob('migration-out'), async (job) => {
        const wasRunning = vm.state === 'running';
        let pausedByUs = false;
        let mirrors: Mirrors | undefined;
        try {
          if (wasRunning) vm.expectStopFor('migration', 'migrated');
          if (wasRunning && !opts.live) {
            await qmp.stop(vm.monitor); // offline-style: the guest waits, as libvirt without --live
            pausedByUs = true;
          }
          // marked in the status file: a restarted daemon cancels it and resumes the guest here
          vm.record.migration = 'out';
          await this.service.persistStatus(entry);
          if (nbd) {
            // the disks first, in sync with writes going to both sides; the memory then
            mirrors = await mirrorToNbd(vm.monitor, copiedDisks(vm.live.devices.disks), addr.host!, nbd.port, { signal: job.signal });
          }
          const final = await migrateOut(vm.monitor, qemuTcpUri(addr.host!, addr.port!), {
            // no switch-over without this daemon watching (recovery relies on it)
            capabilities: { 'auto-converge': opts.autoConverge === true, 'pause-before-switchover': true },
            parameters: { 'downtime-limit': t.downtimeMs, 'max-bandwidth': bytesPerSecond(speed) },
            signal: job.signal,
            onProgress: (i) => { job.migration = i; },
            // the source is paused: the mirrors are cancelled in sync before the device state goes
            beforeSwitchover: mirrors ? () => mirrors!.finish() : undefined,
          }, 'migration');
          job.migration = final;
        } catch (err) {
          await mirrors?.finish();
          delete vm.record.migration;
          vm.clearExpectedStop();
          if ((wasRunning || pausedByUs) && vm.running && !vm.monitor.closed && vm.state !== 'running') await qmp.cont(vm.monitor).catch(() => undefined);
          throw err;
        }
        delete vm.record.migration;
        this.outgoing.set(entry.config.uuid, { wasRunning });
      });
      return { cookie: encodeCookie({ host: os.hostname(), name: entry.config.name, uuid: entry.config.uuid }) };
    });
  }

  /** Confirm: the destination runs it (stop it here as migrated) or not (resume it here). */
  async confirm(ref: string, opts: { cancelled: boolean; undefineSource?: boolean }): Promise<void> {
    const entry = this.service.registry.lookup(ref);
    const uuid = entry.config.uuid;
    const out = this.outgoing.get(uuid);
    this.outgoing.delete(uuid);
    await this.service.runJob(uuid, async (e) => {
      const vm = e.vm;
      if (!vm || !vm.running) return;
      if (opts.cancelled) {
        vm.clearExpectedStop();
        if (out?.wasRunning && vm.state !== 'running') await qmp.cont(vm.monitor);
        return;
      }
      await vm.destroy(false, { reason: 'migrated', detail: 'migrated' });
      await e.stopping;
    });
    this.tunables.delete(uuid);
    if (!opts.cancelled && opts.undefineSource && entry.persistent) await this.service.undefine(uuid);
  }

  /** cancels a running outgoing migration (its perform then fails and resumes the guest) */
  abortOutgoing(ref: string, why: string): void {
    const job = this.service.registry.lookup(ref).jobs?.current;
    this.service.log.warn(`cancelling the migration of '${ref}' (${job?.operation ?? 'no job'}): ${why}`);
    if (job?.operation === 'migration-out') job.abort();
  }

  // ---- destination ------------------------------------------------------------

  /** Prepare: starts the incoming QEMU listening; answers the address the source sends to. */
  async prepare(opts: PrepareOptions): Promise<{ uri: string; cookie: Buffer }> {
    const def = await this.service.prepareDefinition(opts.xml);
    if (opts.dname) def.name = opts.dname;
    checkMigratable(def);
    const reg = this.service.registry;
    const byName = reg.byNameOrNull(def.name);
    const byUuid = reg.byUuidOrNull(def.uuid);
    if (byName && byName.config.uuid !== def.uuid) throw new TsvirtError('dom-exist', `domain '${def.name}' already exists with uuid ${byName.config.uuid}`);
    if (byUuid && byUuid.config.name !== def.name) throw new TsvirtError('dom-exist', `domain '${byUuid.config.name}' is already defined with uuid ${def.uuid}`);
    // a migration that succeeded here and whose finish never came (the source went away)
    if (this.incoming.get(def.uuid)?.succeeded) this.incoming.delete(def.uuid);
    if (byUuid?.vm || this.incoming.has(def.uuid)) throw new TsvirtError('operation-invalid', `Requested operation is not valid: domain '${def.name}' is already active`);
    const copied = opts.copyStorage ? copiedDisks(def.devices.disks) : [];
    const createdFiles = opts.copyStorage ? await precreateCopiedDisks(copied, decodeCookie(opts.cookie).disks) : [];

    const given = opts.uri ? parseMigrateUri(opts.uri) : {};
    const listenHost = opts.listenAddress ?? given.host ?? '0.0.0.0';
    const advertised = given.host ?? (opts.listenAddress && opts.listenAddress !== '0.0.0.0' && opts.listenAddress !== '::' ? opts.listenAddress : undefined) ?? this.migrationHost ?? MigrationService.defaultHost ?? os.hostname();
    const taken = new Set([...this.incoming.values()].map((i) => i.port));
    let port: number;
    let nbdPort = 0;
    try {
      port = given.port ?? await freeMigrationPort(listenHost, taken);
      if (opts.copyStorage) nbdPort = await freeMigrationPort(listenHost, new Set([...taken, port]));
    } catch (e) {
      await removeFiles(createdFiles);
      throw e;
    }

    let entry = byUuid;
    if (!entry) {
      entry = { config: def, persistent: false, autostart: false, id: null, state: 'shutoff', reason: 'unknown' };
      reg.add(entry);
    }
    const created = entry;
    let listening!: () => void;
    let notListening!: (e: unknown) => void;
    const ready = new Promise<void>((res, rej) => { listening = res; notListening = rej; });
    const ac = new AbortController();
    const inc: Incoming = { name: def.name, uuid: def.uuid, port, done: Promise.resolve(), cancel: () => ac.abort() };
    this.incoming.set(def.uuid, inc);
    inc.done = this.service.runJob(def.uuid, (e) => runDomainJob(this.service.jobsOf(e), new DomainJob('migration-in'), async (job) => {
      const onAbort = () => { if (inc.vm?.running) void inc.vm.destroy(false, { reason: 'failed', detail: 'failed' }).catch(() => undefined); };
      ac.signal.addEventListener('abort', onAbort, { once: true });
      job.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await this.service.startIncoming(e, def, {
          paused: opts.paused === true,
          detail: 'migrated',
          feed: async (vm) => {
            inc.vm = vm;
            // marked in the status file: a restarted daemon kills an incoming QEMU that never finished
            vm.record.migration = 'in';
            // and the images made for --copy-storage-all, which it removes then
            if (createdFiles.length) vm.record.migrationFiles = JSON.stringify(createdFiles);
            await this.service.persistStatus(e);
            if (ac.signal.aborted) throw new TsvirtError('operation-aborted', 'operation aborted: migration-in job: canceled by client');
            if (copied.length) await startNbdExports(vm.monitor, copied, listenHost, nbdPort);
            const final = await migrateIn(vm.monitor, qemuTcpUri(listenHost, port), { onStarted: listening, onProgress: (i) => { job.migration = i; } }, 'incoming migration');
            job.migration = final;
            if (copied.length) await stopNbdExports(vm.monitor);
            delete vm.record.migration;
            delete vm.record.migrationFiles;
          },
        });
      } finally {
        ac.signal.removeEventListener('abort', onAbort);
        job.signal.removeEventListener('abort', onAbort);
      }
    }));
    // on success the record stays for finish(): the guest may be running here before the
    // source's client gets to call it (a slow virsh did: "no domain with matching name")
    const settled = inc.done.then(() => { inc.succeeded = true; }, async (err) => {
      notListening(err);
      await removeFiles(createdFiles);
      if (!created.persistent && !created.vm && reg.byUuidOrNull(def.uuid) === created) reg.remove(created);
      if (this.incoming.get(def.uuid) === inc) this.incoming.delete(def.uuid);
    });
    await ready.catch(async (err) => {
      await settled;
      throw err;
    });
    return { uri: qemuTcpUri(advertised, port), cookie: encodeCookie({ host: os.hostname(), name: def.name, uuid: def.uuid, ...(nbdPort ? { nbd: { port: nbdPort } } : {}) }) };
  }

  /** Finish: waits until the guest runs here (or, cancelled, removes what prepare made). */
  async finish(opts: { name: string; cancelled: boolean; persistent?: boolean }): Promise<DomainSummary> {
    const inc = [...this.incoming.values()].find((i) => i.name === opts.name || i.uuid === opts.name);
    if (!inc) {
      if (opts.cancelled) throw new TsvirtError('operation-failed', `migration of domain '${opts.name}' was cancelled`);
      throw new TsvirtError('no-domain', `Domain not found: no domain with matching name '${opts.name}'`);
    }
    if (opts.cancelled) {
      inc.cancel();
      await inc.done.catch(() => undefined);
      throw new TsvirtError('operation-failed', `migration of domain '${opts.name}' was cancelled`);
    }
    try {
      await inc.done;
    } finally {
      if (this.incoming.get(inc.uuid) === inc) this.incoming.delete(inc.uuid);
    }
    const entry = this.service.registry.lookup(inc.uuid);
    if (opts.persistent && entry.vm) {
      await this.service.define(formatDomainXml(entry.vm.live, { inactive: true }));
    }
    return summaryOf(entry);
  }

  /** uuids of incoming migrations that have not finished (recovery, status) */
  incomingNames(): string[] {
    return [...this.incoming.values()].filter((i) => !i.succeeded).map((i) => i.name);
  }
}

/**
 * At daemon start, for a QEMU whose status file says a migration was under way: an incoming
 * one never finished (kill it: the source still has the guest); an outgoing one is cancelled
 * and the guest resumed here, unless QEMU had completed it (then the destination runs it).
 */
export async function recoverMigration(vm: QemuVm, log: { info(m: string): void; warn(m: string): void }): Promise<void> {
  const dir = vm.record.migration;
  if (dir !== 'in' && dir !== 'out') return;
  delete vm.record.migration;
  if (dir === 'in') {
    log.info(`killing the unfinished incoming migration of '${vm.live.name}'`);
    const files = vm.record.migrationFiles;
    delete vm.record.migrationFiles;
    await vm.destroy(false, { reason: 'failed', detail: 'failed' });
    if (files) await removeFiles(JSON.parse(files) as string[]);
    return;
  }
  let status = (await mig.queryMigrate(vm.monitor)).status ?? 'none';
  if (status === 'completed') {
    log.warn(`outgoing migration of '${vm.live.name}' had completed: leaving it paused here`);
    return;
  }
  if (['setup', 'active', 'pre-switchover', 'device', 'wait-unplug', 'cancelling'].includes(status)) {
    await mig.migrateCancel(vm.monitor);
    for (let i = 0; i < 100 && !['cancelled', 'failed', 'completed', 'none'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await mig.queryMigrate(vm.monitor)).status ?? 'none';
    }
  }
  if (status === 'completed') return;
  if (vm.state === 'paused') await qmp.cont(vm.monitor);
  log.info(`cancelled the outgoing migration of '${vm.live.name}'; it runs here`);
}

function bytesPerSecond(mib: number): number {
  return Math.min(mib, SPEED_UNLIMITED) * 1024 * 1024;
}

/** libvirt's qemuMigrationSrcIsAllowed: devices a migration cannot take along. */
export function checkMigratable(def: Domain): void {
  for (const h of def.devices.hostdevs ?? []) {
    // USB devices are re-found on the destination; a transient teaming VF is unplugged first
    if (h.type === 'usb' || h.unassigned || h.teaming?.type === 'transient') continue;
    throw new TsvirtError('operation-unsupported', `cannot migrate a domain with <hostdev mode='subsystem' type='${h.type}'>`);
  }
}
