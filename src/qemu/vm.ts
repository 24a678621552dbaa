// One running QEMU: its monitor, its state, and how it reacts to QEMU's events.
// The driver decides what a guest poweroff / reboot / panic means (on_poweroff,
// on_reboot, on_crash), because QEMU runs with -no-shutdown and stays up after them.
import { EventEmitter } from 'node:events';
import type { Domain, LifecycleAction } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import type { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import { cpuTimeNs, isAlive, killPid, waitForExit } from './qemu-process.js';
import { stopVirtiofsds } from './virtiofsd.js';

export type VmState = 'running' | 'paused' | 'shutoff';
export type LifecycleEventName = 'started' | 'suspended' | 'resumed' | 'stopped' | 'shutdown' | 'crashed';

export interface VmChange {
  state: VmState;
  reason: string;
  event?: LifecycleEventName;
  detail?: string;
}

export interface VmEvents {
  change: [VmChange];
}

/** How long a destroy waits for QEMU to quit before killing it, and what --graceful allows. */
const QUIT_WAIT_MS = 2000;
const GRACEFUL_WAIT_MS = 10_000;

export class QemuVm extends EventEmitter<VmEvents> {
  state: VmState;
  reason: string;
  private destroying = false;
  private fakeReboot = false;
  /** why QEMU is about to exit, when tsvirt asked it to after a guest action */
  private exitReason?: { reason: string; detail: string };
  private guestShutdownSeen = false;
  private panicSeen = false;
  private expectStop = false;
  readonly stopped: Promise<VmChange>;
  /** what host resource providers took for this VM (kept in the status file) */
  record: Record<string, string> = {};
  private resolveStopped!: (c: VmChange) => void;

  constructor(
    readonly pid: number,
    readonly monitor: QmpMonitor,
    readonly monitorPath: string,
    public live: Domain,
    initial: { state: 'running' | 'paused'; reason: string },
  ) {
    super();
    this.state = initial.state;
    this.reason = initial.reason;
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    monitor.on('event', (ev) => this.onQmpEvent(ev.event, ev.data ?? {}));
    monitor.on('close', () => void this.onMonitorClosed());
  }

  get running(): boolean {
    return this.state !== 'shutoff';
  }

  cpuTimeNs(): number {
    return cpuTimeNs(this.pid);
  }

  private set(change: VmChange): void {
    this.state = change.state;
    this.reason = change.reason;
    this.emit('change', change);
  }

  private requireRunning(): void {
    if (this.state === 'shutoff' || this.destroying) throw new TsvirtError('operation-invalid', `domain '${this.live.name}' is not running`);
  }

  async shutdown(modes: string[] = []): Promise<void> {
    this.requireRunning();
    this.checkModes(modes);
    await qmp.systemPowerdown(this.monitor);
  }

  async reboot(modes: string[] = []): Promise<void> {
    this.requireRunning();
    this.checkModes(modes);
    // as libvirt's "fake reboot": power button, then reset instead of exit when the guest powers off
    this.fakeReboot = true;
    try {
      await qmp.systemPowerdown(this.monitor);
    } catch (e) {
      this.fakeReboot = false;
      throw e;
    }
  }

  private checkModes(modes: string[]): void {
    const unsupported = modes.filter((m) => m !== 'acpi');
    if (modes.length > 0 && unsupported.length === modes.length) {
      throw new TsvirtError('operation-unsupported', `shutdown mode(s) ${unsupported.join(', ')} not supported by the QEMU driver; use --mode acpi`);
    }
  }

  async reset(): Promise<void> {
    this.requireRunning();
    await qmp.systemReset(this.monitor);
  }

  /** Presses keys together (QEMU qcodes, e.g. ctrl alt delete, or qnum numbers), as virsh send-key. */
  async sendKey(keys: Array<string | number>, holdTimeMs?: number): Promise<void> {
    this.requireRunning();
    await qmp.sendKey(this.monitor, keys, holdTimeMs);
  }

  async suspend(): Promise<void> {
    this.requireRunning();
    if (this.state === 'paused') throw new TsvirtError('operation-invalid', `domain '${this.live.name}' is already paused`);
    this.expectStop = true;
    try {
      await qmp.stop(this.monitor);
    } finally {
      this.expectStop = false;
    }
    this.set({ state: 'paused', reason: 'user', event: 'suspended', detail: 'paused' });
  }

  async resume(): Promise<void> {
    this.requireRunning();
    if (this.state !== 'paused') throw new TsvirtError('operation-invalid', `domain '${this.live.name}' is not paused`);
    await qmp.cont(this.monitor);
    if (this.state === 'paused') this.set({ state: 'running', reason: 'unpaused', event: 'resumed', detail: 'unpaused' });
  }

  /** Resumes a domain started with -S (used by the start sequence). */
  async startCpus(reason = 'booted'): Promise<void> {
    await qmp.cont(this.monitor);
    this.state = 'running';
    this.reason = reason;
  }

  /** Stops QEMU: quit over QMP, then SIGKILL if it does not go (not with graceful). Resolves when shut off. */
  async destroy(graceful = false): Promise<VmChange> {
    if (this.state === 'shutoff') throw new TsvirtError('operation-invalid', `domain '${this.live.name}' is not running`);
    this.destroying = true;
    if (!this.monitor.closed) {
      qmp.quit(this.monitor).catch(() => undefined);
    } else {
      killPid(this.pid, 'SIGTERM');
    }
    const gone = await waitForExit(this.pid, graceful ? GRACEFUL_WAIT_MS : QUIT_WAIT_MS);
    if (!gone) {
      if (graceful) {
        this.destroying = false;
        throw new TsvirtError('operation-timeout', `failed to terminate process ${this.pid} with SIGTERM: device or resource busy`);
      }
      killPid(this.pid, 'SIGKILL');
      await waitForExit(this.pid, 5000);
    }
    return this.stopped;
  }

  private onQmpEvent(name: string, data: Record<string, unknown>): void {
    switch (name) {
      case 'SHUTDOWN':
        void this.onShutdown(String(data.reason ?? ''), Boolean(data.guest));
        break;
      case 'STOP':
        if (!this.expectStop && !this.destroying && this.state === 'running' && !this.guestShutdownSeen) {
          this.set({ state: 'paused', reason: 'unknown', event: 'suspended', detail: 'paused' });
        }
        break;
      case 'RESUME':
        if (this.state === 'paused' && !this.destroying) {
          this.set({ state: 'running', reason: 'unpaused', event: 'resumed', detail: 'unpaused' });
        }
        break;
      case 'GUEST_PANICKED':
        void this.onShutdown('guest-panic', true);
        break;
    }
  }

  private async onShutdown(reason: string, guest: boolean): Promise<void> {
    if (this.destroying || !guest) return;
    // A panic arrives twice (GUEST_PANICKED, then SHUTDOWN with reason guest-panic): act once.
    if (reason === 'guest-panic') {
      if (this.panicSeen) return;
      this.panicSeen = true;
    }
    // QEMU stops the vCPUs right after SHUTDOWN (-no-shutdown): that STOP is not a user pause.
    this.guestShutdownSeen = true;
    if (reason === 'guest-shutdown' && this.fakeReboot) {
      this.fakeReboot = false;
      await this.restartInPlace();
      return;
    }
    let action: LifecycleAction;
    let exit: { reason: string; detail: string };
    if (reason === 'guest-panic') {
      action = this.live.onCrash ?? 'destroy';
      exit = { reason: 'crashed', detail: 'crashed' };
      this.emit('change', { state: this.state, reason: this.reason, event: 'crashed', detail: 'panicked' });
    } else if (reason === 'guest-reset') {
      action = this.live.onReboot ?? 'restart';
      exit = { reason: 'shutdown', detail: 'shutdown' };
    } else {
      action = this.live.onPoweroff ?? 'destroy';
      exit = { reason: 'shutdown', detail: 'shutdown' };
      this.emit('change', { state: this.state, reason: this.reason, event: 'shutdown', detail: 'finished' });
    }
    if (action === 'restart' || action === 'rename-restart' || action === 'coredump-restart') {
      await this.restartInPlace();
    } else if (action === 'preserve') {
      this.set({ state: 'paused', reason: reason === 'guest-panic' ? 'crashed' : 'shutting down', event: 'suspended', detail: 'paused' });
    } else {
      this.exitReason = exit;
      await qmp.quit(this.monitor).catch(() => undefined);
    }
  }

  private async restartInPlace(): Promise<void> {
    try {
      await qmp.systemReset(this.monitor);
      await qmp.cont(this.monitor);
    } catch {
      // the monitor closing is handled by onMonitorClosed
    } finally {
      this.guestShutdownSeen = false;
      this.panicSeen = false;
    }
  }

  private async onMonitorClosed(): Promise<void> {
    // The monitor closes when QEMU exits; wait for the process itself to go.
    if (!(await waitForExit(this.pid, 3000))) {
      killPid(this.pid, 'SIGKILL');
      await waitForExit(this.pid, 2000);
    }
    await stopVirtiofsds(this.record); // the virtiofs daemons serve only this QEMU
    let change: VmChange;
    if (this.destroying) change = { state: 'shutoff', reason: 'destroyed', event: 'stopped', detail: 'destroyed' };
    else if (this.exitReason) change = { state: 'shutoff', reason: this.exitReason.reason, event: 'stopped', detail: this.exitReason.detail };
    else change = { state: 'shutoff', reason: 'crashed', event: 'stopped', detail: 'failed' };
    this.set(change);
    this.resolveStopped(change);
  }

  /** For tests and recovery: is the QEMU process still there? */
  alive(): boolean {
    return isAlive(this.pid);
  }
}
