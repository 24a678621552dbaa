// The client of the QEMU guest agent (qemu-ga) on a domain's org.qemu.guest_agent.0 channel:
// QEMU listens on the channel's unix socket, the daemon connects while the guest side is open.
// JSON lines, no ids and no events, so: one command at a time, and before the first command
// after a (re)connect or a timeout a guest-sync-delimited whose reply follows a 0xFF byte,
// which tells where replies to earlier commands (late, or left in the pipe) end, as libvirt's
// qemu_agent.c does.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';

/** The channel's target name qemu-ga opens inside the guest. */
export const AGENT_CHANNEL_NAME = 'org.qemu.guest_agent.0';

/** libvirt's QEMU_AGENT_WAIT_TIME: the default wait for a reply, in seconds. */
export const AGENT_DEFAULT_TIMEOUT_SEC = 5;
/** libvirt's VIR_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN: guest-shutdown waits this long. */
export const AGENT_SHUTDOWN_TIMEOUT_SEC = 60;

/** A reply longer than this is not qemu-ga (libvirt's QEMU_AGENT_MAX_RESPONSE). */
const MAX_RESPONSE = 10 * 1024 * 1024;
const SENTINEL = 0xff;

export type AgentState = 'connected' | 'disconnected';
/** libvirt's virConnectDomainEventAgentLifecycleReason */
export type AgentLifecycleReason = 'unknown' | 'domain-started' | 'channel';

export interface AgentLifecycle {
  state: AgentState;
  reason: AgentLifecycleReason;
}

export interface GuestAgentEvents {
  lifecycle: [AgentLifecycle];
}

export interface AgentCommandOptions {
  /** seconds to wait for the reply; default 5; Infinity blocks (virsh --block) */
  timeoutSec?: number;
  /**
   * The command does not answer when it works (guest-shutdown): it is done when the guest
   * agent goes away or notifyEvent() reports what it caused, as libvirt's await_event.
   */
  awaitEvent?: 'shutdown' | 'reset';
}

/** An error reply of qemu-ga; `agentClass` is its class (CommandNotFound, GenericError, ...). */
export class AgentCommandError extends TsvirtError {
  readonly agentClass: string;
  constructor(command: string, agentClass: string, desc: string) {
    // libvirt's qemuAgentCheckError: VIR_ERR_INTERNAL_ERROR with the command name and QEMU's desc
    super('internal-error', `unable to execute QEMU agent command '${command}': ${desc}`);
    this.agentClass = agentClass;
  }
}

const notConnected = () => new TsvirtError('agent-unresponsive', 'Guest agent is not responding: QEMU guest agent is not connected');
const notAvailable = () => new TsvirtError('agent-unresponsive', 'Guest agent is not responding: Guest agent not available for now');
const disappeared = () => new TsvirtError('agent-unresponsive', 'Guest agent is not responding: Guest agent disappeared while executing command');

interface Waiter {
  /** the guest-sync id this waiter wants, or undefined for a plain command's reply */
  syncId?: number;
  awaitEvent?: 'shutdown' | 'reset';
  done: (reply: Record<string, unknown> | undefined, err?: Error) => void;
}

export class GuestAgent extends EventEmitter<GuestAgentEvents> {
  private guestOpen = false;
  private socket?: Socket;
  private connecting?: Promise<Socket>;
  private inSync = false;
  private buf: Buffer = Buffer.alloc(0);
  /** while syncing: bytes are dropped until the agent's 0xFF */
  private skipToSentinel = false;
  private waiter?: Waiter;
  private queue: Promise<unknown> = Promise.resolve();
  private nextSyncId = Date.now();
  private closedForGood = false;

  constructor(readonly socketPath: string) {
    super();
  }

  /** The guest side of the channel is open (qemu-ga runs), as QEMU last reported. */
  get connected(): boolean {
    return this.guestOpen && !this.closedForGood;
  }

  /**
   * QEMU's word on the guest side (VSERPORT_CHANGE, query-chardev frontend-open). Emits
   * 'lifecycle' on a change, or always when `force` (libvirt reports the state at start).
   */
  setGuestOpen(open: boolean, reason: AgentLifecycleReason = 'channel', force = false): void {
    if (this.closedForGood) return;
    const changed = open !== this.guestOpen;
    this.guestOpen = open;
    if (!open && changed) this.dropSocket(disappeared());
    if (changed || force) this.emit('lifecycle', { state: open ? 'connected' : 'disconnected', reason });
  }

  /** What a command waiting for an event (guest-shutdown) caused happened: it is done. */
  notifyEvent(event: 'shutdown' | 'reset'): void {
    const w = this.waiter;
    if (w && w.syncId === undefined && w.awaitEvent === event) {
      this.waiter = undefined;
      w.done(undefined);
    }
  }

  /**
   * Runs one qemu-ga command and resolves with its "return". The timeout counts from the call,
   * time spent waiting behind another command included, so nothing waits forever.
   */
  async command<T = unknown>(execute: string, args?: Record<string, unknown>, opts: AgentCommandOptions = {}): Promise<T> {
    const msg: Record<string, unknown> = { execute };
    if (args !== undefined) msg.arguments = args;
    const reply = await this.send(msg, opts);
    return (reply === undefined ? undefined : reply.return) as T; // undefined: the awaited event came instead
  }

  /**
   * Sends a whole command object as given (virsh qemu-agent-command) and resolves with the
   * whole reply ({"return": ...}); an error reply rejects as in command().
   */
  async commandObject(msg: Record<string, unknown>, opts: AgentCommandOptions = {}): Promise<Record<string, unknown> | undefined> {
    return this.send(msg, opts);
  }

  private send(msg: Record<string, unknown>, opts: AgentCommandOptions): Promise<Record<string, unknown> | undefined> {
    if (!this.connected) return Promise.reject(notConnected());
    const name = typeof msg.execute === 'string' ? msg.execute : '<unknown>';
    const timeoutSec = Math.max(0, opts.timeoutSec ?? AGENT_DEFAULT_TIMEOUT_SEC);
    // 0 is libvirt's NOWAIT: the command goes out, nothing waits for its reply (which is an error)
    const noWait = timeoutSec === 0;
    const deadline = Number.isFinite(timeoutSec) ? Date.now() + timeoutSec * 1000 : Infinity;
    const run = async (): Promise<Record<string, unknown> | undefined> => {
      if (!noWait && Date.now() >= deadline) throw notAvailable();
      if (!this.connected) throw notConnected();
      const socket = await this.connect();
      if (!this.inSync) {
        // libvirt syncs within its default wait, or the caller's when that is shorter
        const syncWait = Date.now() + AGENT_DEFAULT_TIMEOUT_SEC * 1000;
        await this.sync(socket, noWait ? syncWait : Math.min(deadline, syncWait));
        this.inSync = true;
      }
      const reply = await this.exchange(socket, JSON.stringify(msg) + '\n', { awaitEvent: opts.awaitEvent }, noWait ? Date.now() : deadline);
      if (reply === undefined) return undefined; // awaited event, or the agent gone after guest-shutdown
      if (reply.error !== undefined) {
        const e = (reply.error ?? {}) as { class?: string; desc?: string };
        throw new AgentCommandError(name, String(e.class ?? 'GenericError'), String(e.desc ?? e.class ?? 'unknown QEMU command error'));
      }
      if (!('return' in reply)) throw new TsvirtError('internal-error', `unable to execute QEMU agent command '${name}'`);
      return reply;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Ends the agent for good (the domain stopped). */
  close(): void {
    this.closedForGood = true;
    this.guestOpen = false;
    this.dropSocket(disappeared());
  }

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ path: this.socketPath });
      s.once('error', (e) => {
        this.connecting = undefined;
        reject(new TsvirtError('agent-unresponsive', `Guest agent is not responding: cannot connect to the guest agent socket '${this.socketPath}': ${e.message}`));
      });
      s.once('connect', () => {
        this.connecting = undefined;
        s.removeAllListeners('error');
        this.socket = s;
        this.inSync = false;
        this.buf = Buffer.alloc(0);
        s.on('data', (chunk: Buffer) => this.onData(chunk));
        s.on('error', () => undefined); // 'close' follows
        s.on('close', () => {
          if (this.socket !== s) return;
          this.socket = undefined;
          this.finish(undefined, disappeared());
        });
        resolve(s);
      });
    });
    return this.connecting;
  }

  private dropSocket(err: Error): void {
    const s = this.socket;
    this.socket = undefined;
    this.inSync = false;
    s?.destroy();
    this.finish(undefined, err);
  }

  /** guest-sync-delimited: 0xFF first resets qemu-ga's parser; the reply comes after its own 0xFF. */
  private async sync(socket: Socket, deadline: number): Promise<void> {
    const id = this.nextSyncId++;
    const line = JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } }) + '\n';
    const reply = await this.exchange(socket, Buffer.concat([Buffer.from([SENTINEL]), Buffer.from(line)]), { syncId: id }, deadline);
    if (reply === undefined) throw disappeared();
  }

  private exchange(socket: Socket, data: string | Buffer, w: Omit<Waiter, 'done'>, deadline: number): Promise<Record<string, unknown> | undefined> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        ...w,
        done: (reply, err) => {
          if (timer) clearTimeout(timer);
          if (err) reject(err);
          else resolve(reply);
        },
      };
      if (Number.isFinite(deadline)) {
        timer = setTimeout(() => {
          if (this.waiter !== waiter) return;
          this.waiter = undefined;
          this.inSync = false; // a late reply may still come: sync before the next command
          reject(notAvailable());
        }, Math.max(0, deadline - Date.now()));
      }
      this.waiter = waiter;
      if (w.syncId !== undefined) this.skipToSentinel = true;
      socket.write(data);
    });
  }

  private finish(reply: Record<string, unknown> | undefined, err?: Error): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    // a guest-shutdown that loses its agent did what it was asked (libvirt's await_event)
    if (err && w.awaitEvent) w.done(undefined);
    else w.done(reply, err);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.skipToSentinel) {
        const at = this.buf.indexOf(SENTINEL);
        if (at < 0) {
          this.buf = Buffer.alloc(0);
          return;
        }
        this.buf = this.buf.subarray(at + 1);
        this.skipToSentinel = false;
      }
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) break;
      const line = this.buf.subarray(0, nl).toString('utf8').trim();
      this.buf = this.buf.subarray(nl + 1);
      if (line) this.onLine(line);
    }
    if (this.buf.length > MAX_RESPONSE) {
      this.buf = Buffer.alloc(0);
      this.inSync = false;
      this.finish(undefined, new TsvirtError('internal-error', 'No complete agent response found in 10485760 bytes'));
    }
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // garbage in the pipe (e.g. a reply cut by a reconnect): the next sync skips it
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return;
    const o = msg as Record<string, unknown>;
    if (!('return' in o) && !('error' in o)) return;
    const w = this.waiter;
    if (!w) return; // the late reply of a command that timed out
    if (w.syncId !== undefined) {
      // a stale reply (an error for our 0xFF, an earlier sync): keep looking for ours
      if (o.return !== w.syncId) {
        this.skipToSentinel = true;
        return;
      }
    }
    this.finish(o);
  }
}

/** Index in dom.devices.channels of the agent's channel (a unix virtio one named org.qemu.guest_agent.0), or -1. */
export function agentChannelIndex(dom: Domain): number {
  return dom.devices.channels.findIndex((c) => c.type === 'unix' && c.target?.type === 'virtio' && c.target.name === AGENT_CHANNEL_NAME);
}
