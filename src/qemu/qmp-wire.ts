// QMP framing: newline-delimited JSON over a stream socket. Knows the three kinds of
// message QEMU sends (greeting, reply, event) and nothing about commands or ids.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { TsvirtError } from '../util/errors.js';

export interface QmpGreeting {
  QMP: {
    version: { qemu: { major: number; minor: number; micro: number }; package?: string };
    capabilities: string[];
  };
}

export interface QmpErrorBody {
  class: string;
  desc: string;
}

/** A command's answer: `return` on success, `error` on failure; `id` echoes the request's. */
export interface QmpReply {
  id?: unknown;
  return?: unknown;
  error?: QmpErrorBody;
}

export interface QmpEvent {
  event: string;
  data?: any;
  timestamp?: { seconds: number; microseconds: number };
}

/** A line longer than this without a newline is not QMP; stop buffering instead of growing forever. */
const MAX_LINE = 64 * 1024 * 1024;

/**
 * Events: 'greeting' (QmpGreeting), 'reply' (QmpReply), 'event' (QmpEvent),
 * 'error' (TsvirtError for a malformed line; only emitted when someone listens, so a
 * bad line never crashes the process), 'close' (err?: Error), emitted once.
 */
export class QmpWire extends EventEmitter {
  private buf = '';
  private ended = false;
  private lastError: Error | undefined;

  constructor(private readonly socket: Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    // A socket error is always followed by 'close'; remember it for the close event.
    socket.on('error', (e) => { this.lastError = e; });
    socket.on('close', () => {
      if (this.ended) return;
      this.ended = true;
      this.emit('close', this.lastError);
    });
  }

  get closed(): boolean {
    return this.ended || this.socket.destroyed;
  }

  /** Writes one message as a JSON line. Returns false when the socket is already gone. */
  send(obj: unknown): boolean {
    if (this.closed) return false;
    this.socket.write(JSON.stringify(obj) + '\n');
    return true;
  }

  /** Closes the socket; 'close' follows asynchronously. */
  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onLine(line);
      if (this.ended) return;
    }
    if (this.buf.length > MAX_LINE) {
      this.buf = '';
      this.fail(`a QMP message exceeds ${MAX_LINE} bytes without a newline`);
    }
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.fail(`malformed QMP line (not JSON): ${line.slice(0, 200)}`);
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.fail(`malformed QMP line (not an object): ${line.slice(0, 200)}`);
      return;
    }
    const o = msg as Record<string, unknown>;
    if ('QMP' in o) this.emit('greeting', o as unknown as QmpGreeting);
    else if (typeof o.event === 'string') this.emit('event', o as unknown as QmpEvent);
    else if ('return' in o || 'error' in o) this.emit('reply', o as QmpReply);
    else this.fail(`unknown QMP message: ${line.slice(0, 200)}`);
  }

  private fail(message: string): void {
    if (this.listenerCount('error') > 0) this.emit('error', new TsvirtError('operation-failed', message));
  }
}
