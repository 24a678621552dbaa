// tsvirt entry point: global options, then commands from argv, from piped stdin (one per
// line) or an interactive prompt; all over one client connection. Never a stack trace.
import { createInterface } from 'node:readline';
import type { Client } from '../client/client.js';
import { TsvirtError } from '../protocol/errors.js';
import { parseGlobalOpts } from './global-opts.js';
import { runAll, runLine, reportError } from './run.js';
import { commandsFromArgv, splitCommands } from './tokenize.js';
import type { Ctx } from './types.js';

function makeCtx(uri: string | undefined, readonly: boolean, quiet: boolean): { ctx: Ctx; close: () => void } {
  let client: Promise<Client> | undefined;
  const ctx: Ctx = {
    quiet, uri, readonly,
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    extra: (t) => { if (!quiet) process.stdout.write(t); },
    stdin: process.stdin,
    stdout: process.stdout,
    client() {
      // the SDK (http, ws) loads only when a command needs the daemon
      client ??= import('../client/client.js').then(({ Client }) => {
        try {
          return new Client({ uri, readonly });
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          throw new TsvirtError('no-connect', `failed to connect to the hypervisor: ${msg}`);
        }
      });
      return client;
    },
  };
  return { ctx, close: () => void client?.then((c) => c.close(), () => undefined) };
}

async function runStdin(ctx: Ctx, interactive: boolean): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  let code = 0;
  if (interactive) {
    ctx.extra("Welcome to tsvirt, the virtualization interactive terminal.\n\nType:  'help' for help with commands\n       'quit' to quit\n\n");
    rl.setPrompt('tsvirt # ');
    rl.prompt();
  }
  for await (const line of rl) {
    const o = await runLine(ctx, () => splitCommands(line));
    if (o === 'quit') break;
    // batch scripts: any failed line makes the exit code 1; a lost daemon ends the script
    if (o !== 'ok' && !interactive) code = 1;
    if (o === 'fatal' && !interactive) break;
    if (interactive) rl.prompt();
  }
  rl.close();
  return code;
}

export async function main(argv: string[]): Promise<number> {
  let g;
  try {
    g = parseGlobalOpts(argv);
  } catch (e) {
    reportError(makeCtx(undefined, false, false).ctx, e);
    return 1;
  }
  if (g.version) {
    const { tsvirtVersion } = await import('./commands/host.js');
    process.stdout.write(tsvirtVersion() + '\n');
    return 0;
  }
  const { ctx, close } = makeCtx(g.uri, g.readonly, g.quiet);
  try {
    if (g.help) {
      const [{ usage }, { COMMANDS }] = await Promise.all([import('./commands/help.js'), import('./registry.js')]);
      ctx.out(usage(COMMANDS));
      return 0;
    }
    if (g.rest.length > 0) {
      let commands: string[][];
      try {
        commands = commandsFromArgv(g.rest);
      } catch (e) {
        reportError(ctx, e);
        return 1;
      }
      return await runAll(ctx, commands);
    }
    return await runStdin(ctx, process.stdin.isTTY === true);
  } catch (e) {
    reportError(ctx, e);
    return 1;
  } finally {
    close();
  }
}

// stdout closed early (`tsvirt list | head -1`): stop quietly
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.TSVIRT_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  },
);
