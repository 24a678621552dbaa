// QMP monitor: one session with one QEMU. Connects (retrying while QEMU starts), reads
// the greeting, negotiates, runs commands with ids and timeouts, and reports the end
// of the session once. Command names live in qmp-commands.ts only.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { TsvirtError } from '../util/errors.js';
import { QmpWire, type QmpEvent, type QmpGreeting, type QmpReply } from './qmp-wire.js';
import { qmpCapabilities } from './qmp-commands.js';

export type { QmpEvent } from './qmp-wire.js';

/** A QMP error reply. `qmpClass` is QEMU's error class (GenericError, DeviceNotFound, ...). */
export class QmpError extends TsvirtError {
  readonly qmpClass: string;
  constructor(qmpClass: string, desc: string) {
    super('operation-failed', `QEMU: ${desc}`);
    this.qmpClass = qmpClass;
  }
}

export interface QmpConnectOptions {
  /** Total time for connect + greeting + negotiation; default 5000 ms. */
  timeoutMs?: number;
  /**
   * Keep retrying ENOENT/ECONNREFUSED (QEMU still starting) until then: a duration in ms
   * from the call, or an absolute Date.now() value. Retries never go past timeoutMs.
   * Default: no retry.
   */
  retryUntilMs?: number;
  /** Aborts connecting (e.g. when the QEMU process exits before its socket appears). */
  signal?: AbortSignal;
  /** Replaces the default negotiation (qmp_capabilities). */
  negotiate?: (mon: QmpMonitor) => Promise<void>;
}

export interface QmpExecuteOptions {
  /** default 10000 ms */
  timeoutMs?: number;
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

// QEMU makes its QMP socket some 20-40 ms after exec: a short interval catches it early (a refused connect costs microseconds)
const RETRY_INTERVAL_MS = 2;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ path });
    const onError = (e: Error) => { s.destroy(); reject(e); };
    s.once('error', onError);
    s.once('connect', () => { s.off('error', onError); resolve(s); });
  });
}

/**
 * Events: 'event' (QmpEvent), 'close' (emitted exactly once, whatever ended the session).
 */
export class QmpMonitor extends EventEmitter {
  /** QEMU's version from the greeting */
  readonly qemuVersion: { major: number; minor: number; micro: number };
  /** e.g. "Debian 1:7.2+dfsg-7+deb12u18" */
  readonly qemuPackage: string;
  readonly capabilities: string[];
  private readonly wire: QmpWire;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private isClosed = false;

  private constructor(wire: QmpWire, greeting: QmpGreeting) {
    super();
    this.wire = wire;
    const v = greeting.QMP?.version?.qemu ?? { major: 0, minor: 0, micro: 0 };
    this.qemuVersion = { major: v.major, minor: v.minor, micro: v.micro };
    this.qemuPackage = (greeting.QMP?.version?.package ?? '').trim();
    this.capabilities = greeting.QMP?.capabilities ?? [];
    wire.on('reply', (r: QmpReply) => this.onReply(r));
    wire.on('event', (ev: QmpEvent) => this.emit('event', ev));
    // Malformed lines are dropped; a command whose reply was lost times out.
    wire.on('error', () => {});
    wire.on('close', () => this.onClose());
  }

  static async connect(path: string, opts: QmpConnectOptions = {}): Promise<QmpMonitor> {
    const start = Date.now();
    const deadline = start + (opts.timeoutMs ?? 5000);
    const r = opts.retryUntilMs;
    const retryDeadline = Math.min(deadline, r === undefined ? start : r > 1e12 ? r : start + r);
    let lastError = '';
    const timeoutError = () => new TsvirtError('operation-timeout',
      `timed out after ${Date.now() - start} ms connecting to the QEMU monitor at ${path}${lastError}`);
    const checkAbort = () => {
      if (opts.signal?.aborted) {
        const why = opts.signal.reason instanceof Error ? `: ${opts.signal.reason.message}` : '';
        throw new TsvirtError('operation-failed', `connecting to the QEMU monitor at ${path} was aborted${why}`);
      }
    };

    let socket: Socket;
    for (;;) {
      checkAbort();
      try {
        socket = await connectOnce(path);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const retryable = code === 'ENOENT' || code === 'ECONNREFUSED';
        lastError = ` (${code})`;
        if (retryable && Date.now() + RETRY_INTERVAL_MS < retryDeadline) {
          await sleep(RETRY_INTERVAL_MS);
          continue;
        }
        if (retryable && retryDeadline > start) throw timeoutError();
        throw new TsvirtError('operation-failed',
          `cannot connect to the QEMU monitor at ${path}: ${(e as Error).message}`, { cause: e });
      }
    }

    lastError = ' (no greeting)';
    const wire = new QmpWire(socket);
    let greeting: QmpGreeting;
    try {
      greeting = await new Promise<QmpGreeting>((resolve, reject) => {
        const timer = setTimeout(() => reject(timeoutError()), Math.max(0, deadline - Date.now()));
        const onAbort = () => reject(new TsvirtError('operation-failed',
          `connecting to the QEMU monitor at ${path} was aborted`));
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => { clearTimeout(timer); opts.signal?.removeEventListener('abort', onAbort); };
        wire.once('greeting', (g: QmpGreeting) => { done(); resolve(g); });
        wire.once('close', () => {
          done();
          reject(new TsvirtError('operation-failed', `the QEMU monitor at ${path} closed before its greeting`));
        });
      });
    } catch (e) {
      wire.close();
      throw e;
    }

    const mon = new QmpMonitor(wire, greeting);
    lastError = ' (no answer to the negotiation)';
    try {
      const left = Math.max(1, deadline - Date.now());
      if (opts.negotiate) await withTimeout(opts.negotiate(mon), left, timeoutError);
      else await qmpCapabilities(mon, { timeoutMs: left });
    } catch (e) {
      mon.close();
      if (e instanceof TsvirtError && e.code === 'operation-timeout') throw timeoutError();
      throw e;
    }
    return mon;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Runs one QMP command. Rejects with QmpError (operation-failed) for an error reply. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: QmpExecuteOptions = {}): Promise<T> {
    if (this.isClosed) return Promise.reject(new TsvirtError('operation-failed', 'QEMU monitor closed'));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? 10000;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TsvirtError('operation-timeout', `QEMU: no answer to '${command}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      const msg: Record<string, unknown> = { execute: command, id };
      if (args !== undefined) msg.arguments = args;
      if (!this.wire.send(msg)) this.onClose();
    });
  }

  /** Ends the session; pending commands reject and 'close' is emitted once. */
  close(): void {
    this.wire.close();
    this.onClose();
  }

  private onReply(r: QmpReply): void {
    if (typeof r.id !== 'number') return; // not ours (QEMU answers unparsable input without id)
    const p = this.pending.get(r.id);
    if (!p) return; // timed out already
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.error) p.reject(new QmpError(String(r.error.class ?? 'GenericError'), String(r.error.desc ?? 'unknown error')));
    else p.resolve(r.return);
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const err = () => new TsvirtError('operation-failed', 'QEMU monitor closed');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err());
    }
    this.pending.clear();
    this.emit('close');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(err()), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
