// The QEMU driver as the daemon sees it: capabilities, start, and re-attaching to
// QEMUs that outlived a previous tsvirtd.
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import type { QemuCaps } from './caps-types.js';
import { DEFAULT_QEMU_BINARY, probeQemuCaps } from './caps.js';
import { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import { cmdlineOf, isAlive } from './qemu-process.js';
import { startQemu, type StartPaths } from './start.js';
import { QemuVm } from './vm.js';
import type { DomainResourceProvider } from './host-resources.js';

export interface QemuDriverOptions {
  cacheDir: string;
  /** false skips booting a KVM test guest (then KVM counts as unusable) */
  kvmProbe?: boolean;
}

export interface ReattachInfo {
  pid: number;
  monitorPath: string;
  live: Domain;
  record: Record<string, string>;
}

export class QemuDriver {
  private readonly capsByBinary = new Map<string, Promise<QemuCaps>>();

  constructor(private readonly opts: QemuDriverOptions) {}

  caps(binary = DEFAULT_QEMU_BINARY): Promise<QemuCaps> {
    let p = this.capsByBinary.get(binary);
    if (!p) {
      p = probeQemuCaps(binary, { cacheDir: this.opts.cacheDir, kvmProbe: this.opts.kvmProbe ?? true });
      p.catch(() => this.capsByBinary.delete(binary));
      this.capsByBinary.set(binary, p);
    }
    return p;
  }

  private readonly resources: DomainResourceProvider[] = [];

  /** Network, storage and node-device drivers register what they prepare for a domain. */
  addResourceProvider(p: DomainResourceProvider): void {
    this.resources.push(p);
  }

  /** The registered providers, in order (hot-plug prepares one device's resources with them). */
  get resourceProviders(): readonly DomainResourceProvider[] {
    return this.resources;
  }

  /** `incoming`: QEMU waits for a migration stream instead of booting (start.ts) */
  async start(def: Domain, id: number, paths: StartPaths, paused = false, incoming = false): Promise<QemuVm> {
    const caps = await this.caps(def.devices.emulator ?? DEFAULT_QEMU_BINARY);
    return startQemu({ def, id, caps, paths, paused, incoming, resources: this.resources });
  }

  /** Gives back the host resources of a VM that has stopped (record from its status). */
  async release(def: Domain, record: Record<string, string>): Promise<Error[]> {
    const errors: Error[] = [];
    for (const p of [...this.resources].reverse()) {
      const prefix = `${p.name}.`;
      const mine = Object.fromEntries(Object.entries(record).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
      try {
        await p.release(def, mine);
      } catch (e) {
        errors.push(e as Error);
      }
    }
    return errors;
  }

  /**
   * Connects to a QEMU started by an earlier tsvirtd. Returns null when that QEMU is
   * gone (or the pid now belongs to another program).
   */
  async reattach(info: ReattachInfo): Promise<QemuVm | null> {
    if (!isAlive(info.pid)) return null;
    const cmd = cmdlineOf(info.pid);
    if (!cmd || !cmd.some((a) => a.includes(info.monitorPath))) return null;
    let mon: QmpMonitor;
    try {
      mon = await QmpMonitor.connect(info.monitorPath, { timeoutMs: 5000 });
    } catch (e) {
      throw new TsvirtError('operation-failed', `cannot re-attach to QEMU ${info.pid} of domain '${info.live.name}': ${(e as Error).message}`);
    }
    const status = await qmp.queryStatus(mon);
    const state = status.running ? 'running' : 'paused';
    const reason = status.running ? 'booted' : status.status === 'shutdown' ? 'shutting down' : 'user';
    const vm = new QemuVm(info.pid, mon, info.monitorPath, info.live, { state, reason });
    vm.record = info.record;
    return vm;
  }
}
