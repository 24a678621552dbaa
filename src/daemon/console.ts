// virsh console: a WebSocket attached to a domain's pty. One session per device
// unless forced, as libvirt does.
import { openSync, write, constants as fsc } from 'node:fs';
import * as tty from 'node:tty';
import type { WebSocket } from 'ws';
import type { CharDevice, Domain } from '../conf/domain-types.js';
import { TsvirtError, toTsvirtError } from '../util/errors.js';
import type { DomainService } from './domain-service.js';

/** Close code for a console refused or ended with an error; the reason is the message. */
export const CONSOLE_ERROR_CLOSE = 4000;

function findPty(dom: Domain, dev: string | undefined): { alias: string; path: string } {
  const candidates: Array<[string, CharDevice]> = [
    ...dom.devices.consoles.map((c, i): [string, CharDevice] => [c.alias ?? `console${i}`, c]),
    ...dom.devices.serials.map((c, i): [string, CharDevice] => [c.alias ?? `serial${i}`, c]),
    ...dom.devices.channels.map((c, i): [string, CharDevice] => [c.alias ?? `channel${i}`, c]),
  ];
  const found = dev ? candidates.find(([alias]) => alias === dev) : candidates[0];
  if (!found) throw new TsvirtError('operation-failed', dev ? `cannot find character device ${dev}` : 'cannot find a default console device');
  const [alias, chr] = found;
  if (chr.type !== 'pty' || !chr.source?.path) {
    throw new TsvirtError('operation-unsupported', `character device ${alias} is not using a PTY`);
  }
  return { alias, path: chr.source.path };
}

export function consoleOpener(service: DomainService): (ws: WebSocket, domain: string, dev: string | undefined, force: boolean) => void {
  const active = new Map<string, WebSocket>();
  return (ws, domain, dev, force) => {
    try {
      const entry = service.registry.lookup(domain);
      if (!entry.vm) throw new TsvirtError('operation-invalid', `domain '${entry.config.name}' is not running`);
      const pty = findPty(entry.vm.live, dev);
      const key = `${entry.config.uuid}/${pty.alias}`;
      const old = active.get(key);
      if (old) {
        if (!force) throw new TsvirtError('operation-failed', 'Active console session exists for this domain');
        old.close(CONSOLE_ERROR_CLOSE, 'console session taken over by another client (--force)');
      }
      const fd = openSync(pty.path, fsc.O_RDWR | fsc.O_NOCTTY);
      const input = new tty.ReadStream(fd);
      input.setRawMode(true);
      active.set(key, ws);
      let closed = false;
      const end = () => {
        if (closed) return;
        closed = true;
        if (active.get(key) === ws) active.delete(key);
        input.destroy();
        ws.close();
      };
      input.on('data', (b: Buffer) => ws.send(b));
      input.on('error', end);
      input.on('end', end);
      ws.on('message', (data: Buffer) => {
        if (!closed) write(fd, data, () => undefined);
      });
      ws.on('close', end);
      ws.on('error', end);
      entry.vm.stopped.then(end, end);
    } catch (e) {
      ws.close(CONSOLE_ERROR_CLOSE, toTsvirtError(e).message.slice(0, 120));
    }
  };
}
