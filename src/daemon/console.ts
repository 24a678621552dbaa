// Consoles: a client attached to a running domain's character device (its pty), for
// every transport. One session per device unless forced, as libvirt does; a forced open
// ends the old session with a reason. The HTTP transport carries a session over a
// WebSocket (consoleOpener below), the libvirt transport over the stream of
// DOMAIN_OPEN_CONSOLE / DOMAIN_OPEN_CHANNEL (libvirt/impl-console.ts).
import { openSync, write, constants as fsc } from 'node:fs';
import * as tty from 'node:tty';
import type { WebSocket } from 'ws';
import type { CharDevice, Domain } from '../conf/domain-types.js';
import { TsvirtError, toTsvirtError } from '../util/errors.js';
import type { DomainService } from './domain-service.js';

import { CONSOLE_ERROR_CLOSE } from '../protocol/paths.js';
export { CONSOLE_ERROR_CLOSE };

/** the client end of a session: where the guest's bytes go, and how it learns of the end */
export interface ConsolePeer {
  /** bytes from the guest; a promise holds further reading until the peer took them */
  data(b: Buffer): void | Promise<void>;
  /** the session ended: the guest's device closed (no reason), or it was taken over or failed (reason) */
  end(reason?: string): void;
}

export interface ConsoleSession {
  /** bytes to the guest; resolves once written */
  write(b: Buffer): Promise<void>;
  /** the client left */
  close(): void;
}

export interface ConsoleRequest {
  /** domain name or UUID */
  domain: string;
  /** device alias (console0, serial1, channel0); a channel also by its target name. Default: the first console */
  dev?: string;
  force?: boolean;
  /** look among channels only (DOMAIN_OPEN_CHANNEL) */
  channel?: boolean;
}

function findPty(dom: Domain, dev: string | undefined, channel: boolean): { alias: string; path: string } {
  const channels = dom.devices.channels.map((c, i): [string, CharDevice] => [c.alias ?? `channel${i}`, c]);
  const candidates: Array<[string, CharDevice]> = channel ? channels : [
    ...dom.devices.consoles.map((c, i): [string, CharDevice] => [c.alias ?? `console${i}`, c]),
    ...dom.devices.serials.map((c, i): [string, CharDevice] => [c.alias ?? `serial${i}`, c]),
    ...channels,
  ];
  const found = dev ? candidates.find(([alias, c]) => alias === dev || (channel && c.target?.name === dev)) : candidates[0];
  if (!found) {
    if (channel) throw new TsvirtError('operation-failed', dev ? `cannot find channel ${dev}` : 'cannot find a default channel');
    throw new TsvirtError('operation-failed', dev ? `cannot find character device ${dev}` : 'cannot find a default console device');
  }
  const [alias, chr] = found;
  if (chr.type !== 'pty' || !chr.source?.path) {
    throw new TsvirtError('operation-unsupported', `character device ${alias} is not using a PTY`);
  }
  return { alias, path: chr.source.path };
}

export class Consoles {
  /** the open session of each device (domain UUID/alias): how to end it */
  private readonly active = new Map<string, (reason: string) => void>();

  constructor(private readonly service: DomainService) {}

  /** Attaches peer to the device; throws (nothing opened) when the domain or device cannot serve it. */
  open(req: ConsoleRequest, peer: ConsolePeer): ConsoleSession {
    const entry = this.service.registry.lookup(req.domain);
    if (!entry.vm) throw new TsvirtError('operation-invalid', `domain '${entry.config.name}' is not running`);
    const pty = findPty(entry.vm.live, req.dev, req.channel ?? false);
    const key = `${entry.config.uuid}/${pty.alias}`;
    const old = this.active.get(key);
    if (old && !req.force) throw new TsvirtError('operation-failed', req.channel ? 'Active channel stream exists for this domain' : 'Active console session exists for this domain');
    const fd = openSync(pty.path, fsc.O_RDWR | fsc.O_NOCTTY);
    old?.('console session taken over by another client (--force)');
    const input = new tty.ReadStream(fd);
    input.setRawMode(true);
    let closed = false;
    // the fd closes with input: never while a write to it is in flight (the number could be reused)
    let writing = 0;
    /** tell: whether the peer hears of it (not when the peer itself left) */
    const stop = (reason: string | undefined, tell: boolean) => {
      if (closed) return;
      closed = true;
      if (this.active.get(key) === takeOver) this.active.delete(key);
      if (writing === 0) input.destroy();
      if (tell) peer.end(reason);
    };
    const takeOver = (reason: string) => stop(reason, true);
    this.active.set(key, takeOver);
    input.on('data', (b: Buffer) => {
      const taken = peer.data(b);
      if (taken) {
        input.pause();
        void taken.finally(() => closed || input.resume());
      }
    });
    input.on('error', () => stop(undefined, true));
    input.on('end', () => stop(undefined, true));
    entry.vm.stopped.then(() => stop(undefined, true), () => stop(undefined, true));
    return {
      write: (b) => new Promise<void>((resolve) => {
        if (closed) return resolve();
        writing++;
        write(fd, b, () => {
          if (--writing === 0 && closed) input.destroy();
          resolve();
        });
      }),
      close: () => stop(undefined, false),
    };
  }
}

/** The HTTP transport's console: a WebSocket carries the bytes both ways. */
export function consoleOpener(consoles: Consoles): (ws: WebSocket, domain: string, dev: string | undefined, force: boolean) => void {
  return (ws, domain, dev, force) => {
    try {
      const session = consoles.open({ domain, dev, force }, {
        data: (b) => ws.send(b),
        end: (reason) => (reason === undefined ? ws.close() : ws.close(CONSOLE_ERROR_CLOSE, reason.slice(0, 120))),
      });
      ws.on('message', (data: Buffer) => void session.write(data));
      ws.on('close', () => session.close());
      ws.on('error', () => session.close());
    } catch (e) {
      ws.close(CONSOLE_ERROR_CLOSE, toTsvirtError(e).message.slice(0, 120));
    }
  };
}
