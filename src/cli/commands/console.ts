// virsh console: bytes between the terminal and the domain's character device over the
// daemon's WebSocket. Raw terminal mode on a TTY; Ctrl-] (0x1d) leaves and restores it.
import type { IncomingMessage } from 'node:http';
import { TsvirtError, type ErrorCode } from '../../protocol/errors.js';
import { withContext } from '../errors.js';
import { CliError, type CommandDef, type Ctx } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';
import { CONSOLE_ERROR_CLOSE } from '../../protocol/paths.js';

export const ESCAPE_BYTE = 0x1d;
/** After piped stdin ends, keep showing the guest's output this long before leaving. */
const PIPE_LINGER_MS = 1000;

function errorFromResponse(res: IncomingMessage): Promise<TsvirtError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      try {
        const e = JSON.parse(Buffer.concat(chunks).toString()).error;
        resolve(new TsvirtError((e?.code as ErrorCode) ?? 'internal-error', e?.message ?? `HTTP ${res.statusCode}`));
      } catch {
        resolve(new TsvirtError('internal-error', `console refused (HTTP ${res.statusCode})`));
      }
    });
  });
}

export async function runConsole(ctx: Ctx, domain: string, dev: string | undefined, force: boolean): Promise<void> {
  const c = await ctx.client();
  const st = await withContext({ domain }, () => c.call('domain.getState', { domain }));
  if (st.state === 'shutoff') throw new CliError('The domain is not running');
  const ws = c.console(domain, dev, force);
  const stdin = ctx.stdin;
  const tty = stdin.isTTY === true;
  await new Promise<void>((resolve, reject) => {
    let rawSet = false;
    let finished = false;
    let linger: NodeJS.Timeout | undefined;
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      if (linger) clearTimeout(linger);
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
      if (rawSet) stdin.setRawMode(false);
      stdin.pause();
      // a paused stdin (a pipe left open, a TTY) would still keep the process alive
      (stdin as unknown as { unref?: () => void }).unref?.();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onInput = (buf: Buffer) => {
      const esc = buf.indexOf(ESCAPE_BYTE);
      const data = esc >= 0 ? buf.subarray(0, esc) : buf;
      if (data.length && ws.readyState === ws.OPEN) ws.send(data);
      if (esc >= 0) finish();
    };
    // killed while the terminal is raw: put it back first
    const onSignal = () => {
      finish();
      process.exitCode = 1;
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGHUP', onSignal);
    const onEnd = () => {
      linger = setTimeout(() => finish(), PIPE_LINGER_MS);
    };
    ws.once('unexpected-response', (_req, res) => {
      void errorFromResponse(res).then((e) => finish(e));
    });
    ws.once('error', (e) => finish(new TsvirtError('operation-failed', `console connection failed: ${e.message}`)));
    ws.once('open', () => {
      ctx.extra(`Connected to domain '${domain}'\nEscape character is ^] (Ctrl + ])\n`);
      if (tty) {
        stdin.setRawMode(true);
        rawSet = true;
      }
      stdin.on('data', onInput);
      stdin.once('end', onEnd);
      (stdin as unknown as { ref?: () => void }).ref?.();
      stdin.resume();
    });
    ws.on('message', (data: Buffer) => ctx.stdout.write(data));
    // a refusal (another session is active) or an error ends the console with its message
    ws.once('close', (code: number, reason: Buffer) =>
      finish(code === CONSOLE_ERROR_CLOSE ? new TsvirtError('operation-failed', reason.toString() || 'console closed') : undefined));
  });
}

export const consoleCommand: CommandDef = {
  name: 'console', group: 'domain', summary: 'connect to the guest console', description: 'Connect the virtual serial console for the guest',
  opts: [
    DOMAIN_OPT,
    { name: 'devname', type: 'string', positional: true, help: 'character device name' },
    { name: 'force', type: 'bool', help: 'force console connection (disconnect already connected sessions)' },
    { name: 'safe', type: 'bool', help: 'only connect if safe console handling is supported' },
  ],
  handler: (ctx, args) => runConsole(ctx, args.str('domain')!, args.str('devname'), args.bool('force')),
};
