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
import { AGENT_SHUTDOWN_TIMEOUT_SEC, GuestAgent, agentChannelIndex, type AgentLifecycle, type AgentLifecycleReason } from './guest-agent.js';

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
  /** the guest agent connected or went away (the live XML's channel state is already updated) */
  agent: [AgentLifecycle];
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
  /** the next STOP is tsvirt's doing (a save, the end of a migration): pause with this reason and event detail */
  private expectedStop?: { reason: string; detail: string };
  /** how a destroy that tsvirt does after a save or migration is reported (default destroyed) */
  private destroyAs?: { reason: string; detail: string };
  readonly stopped: Promise<VmChange>;
  /** what host resource providers took for this VM (kept in the status file) */
  record: Record<string, string> = {};
  private resolveStopped!: (c: VmChange) => void;
  /** the qemu-ga client, when the domain has an org.qemu.guest_agent.0 unix channel */
  readonly agent?: GuestAgent;
  private readonly agentIndex: number;

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
    this.agentIndex = agentChannelIndex(live);
    const channel = live.devices.channels[this.agentIndex];
    const socket = channel?.source?.path;
    if (channel && socket) {
      this.agent = new GuestAgent(socket);
      this.agent.on('lifecycle', (ev) => {
        const ch = this.live.devices.channels[this.agentIndex];
        if (ch?.target) ch.target.state = ev.state;
        this.emit('agent', ev);
      });
      // the state QEMU knows now (a guest already running when tsvirtd re-attaches)
      if (channel.target) channel.target.state ??= 'disconnected';
      this.agent.setGuestOpen(channel.target?.state === 'connected', 'unknown', false);
      void this.refreshAgentState();
    }
  }

  /** The guest agent, for the commands that need it; libvirt's errors when it cannot be used. */
  requireAgent(): GuestAgent {
    // libvirt's qemuDomainAgentAvailable, in its order
    if (this.state !== 'running' || this.destroying) throw new TsvirtError('operation-invalid', 'domain is not running');
    if (!this.agent) throw new TsvirtError('argument-unsupported', 'QEMU guest agent is not configured');
    if (!this.agent.connected) throw new TsvirtError('agent-unresponsive', 'Guest agent is not responding: QEMU guest agent is not connected');
    return this.agent;
  }

  /** Reads the guest side of the agent channel from QEMU (query-chardev frontend-open). */
  async refreshAgentState(reason: AgentLifecycleReason = 'channel'): Promise<void> {
    const alias = this.live.devices.channels[this.agentIndex]?.alias;
    if (!this.agent || !alias) return;
    try {
      const info = (await qmp.queryChardev(this.monitor)).find((c) => c.label === `char${alias}`);
      if (info && info['frontend-open'] !== undefined) this.agent.setGuestOpen(info['frontend-open'], reason);
    } catch {
      // the monitor went away: the VM is stopping
    }
  }

  /** Reports the agent's state as an event whether it changed or not (libvirt does at domain start). */
  reportAgentState(reason: AgentLifecycleReason = 'domain-started'): void {
    this.agent?.setGuestOpen(this.agent.connected, reason, true);
  }

  get running(): boolean {
    return this.state !== 'shutoff';
  }

  /** the balloon's size in bytes as QEMU last said it (BALLOON_CHANGE or query-balloon); undefined until known */
  balloonActual?: number;

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
    if (await this.viaAgent(modes, 'powerdown')) return;
    await qmp.systemPowerdown(this.monitor);
  }

  async reboot(modes: string[] = []): Promise<void> {
    this.requireRunning();
    this.checkModes(modes);
    if (await this.viaAgent(modes, 'reboot')) return;
    // as libvirt's "fake reboot": power button, then reset instead of exit when the guest powers off
    this.fakeReboot = true;
    try {
      await qmp.systemPowerdown(this.monitor);
    } catch (e) {
      this.fakeReboot = false;
      throw e;
    }
  }

  /**
   * libvirt's qemuDomainShutdownFlags order: the agent when asked for (or, with no mode, when it
   * is connected), then ACPI unless only the agent was asked for. True when the agent did it.
   */
  private async viaAgent(modes: string[], mode: 'powerdown' | 'reboot'): Promise<boolean> {
    const agentAsked = modes.includes('agent');
    const acpiAsked = modes.includes('acpi');
    const useAgent = agentAsked || (modes.length === 0 && this.agent?.connected === true);
    if (!useAgent) return false;
    const agentOnly = agentAsked && !acpiAsked;
    try {
      const agent = this.requireAgent();
      await agent.command('guest-shutdown', { mode }, { timeoutSec: AGENT_SHUTDOWN_TIMEOUT_SEC, awaitEvent: mode === 'reboot' ? 'reset' : 'shutdown' });
      return true;
    } catch (e) {
      if (agentOnly) throw e;
      return false; // the power button then
    }
  }

  private checkModes(modes: string[]): void {
    const unsupported = modes.filter((m) => m !== 'acpi' && m !== 'agent');
    if (modes.length > 0 && unsupported.length === modes.length) {
      throw new TsvirtError('operation-unsupported', `shutdown mode(s) ${unsupported.join(', ')} not supported by the QEMU driver; use --mode acpi or agent`);
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

  /**
   * The next STOP event that QEMU sends on its own (a migration's switch-over stops the vCPUs)
   * is reported as a pause with this reason and event detail, e.g. ('migration', 'migrated').
   */
  expectStopFor(reason: string, detail: string): void {
    this.expectedStop = { reason, detail };
  }

  /** Forgets an expectStopFor() whose STOP did not come (a failed or cancelled migration). */
  clearExpectedStop(): void {
    this.expectedStop = undefined;
  }

  /**
   * Stops QEMU: quit over QMP, then SIGKILL if it does not go (not with graceful). Resolves when shut off.
   * `as` names the shutoff reason and event detail, e.g. ('saved', 'saved') or ('migrated', 'migrated').
   */
  async destroy(graceful = false, as?: { reason: string; detail: string }): Promise<VmChange> {
    if (this.state === 'shutoff') throw new TsvirtError('operation-invalid', `domain '${this.live.name}' is not running`);
    this.destroying = true;
    this.destroyAs = as;
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
      case 'BALLOON_CHANGE':
        // QEMU says every change of the balloon (the last of a burst too): no query-balloon needed until then
        if (typeof data.actual === 'number') this.balloonActual = data.actual;
        break;
      case 'SHUTDOWN':
        if (data.guest) this.agent?.notifyEvent(data.reason === 'guest-reset' ? 'reset' : 'shutdown');
        void this.onShutdown(String(data.reason ?? ''), Boolean(data.guest));
        break;
      case 'RESET':
        if (data.guest) this.agent?.notifyEvent('reset');
        break;
      case 'VSERPORT_CHANGE':
        // the guest opened or closed a virtio-serial port: for the agent's, qemu-ga came or went
        if (this.agent && data.id === this.live.devices.channels[this.agentIndex]?.alias) this.agent.setGuestOpen(Boolean(data.open), 'channel');
        break;
      case 'STOP':
        if (this.expectedStop && !this.destroying && this.state === 'running') {
          const { reason, detail } = this.expectedStop;
          this.expectedStop = undefined;
          this.set({ state: 'paused', reason, event: 'suspended', detail });
          break;
        }
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
    this.agent?.close();
    let change: VmChange;
    if (this.destroying && this.destroyAs) change = { state: 'shutoff', reason: this.destroyAs.reason, event: 'stopped', detail: this.destroyAs.detail };
    else if (this.destroying) change = { state: 'shutoff', reason: 'destroyed', event: 'stopped', detail: 'destroyed' };
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
