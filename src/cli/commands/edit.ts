// virsh edit: dumpxml --inactive into a temp file, run the editor, define the result.
// On failure asks virsh's "Try again? [y,n,i,f,?]" (only on a TTY, like virsh).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatError, withContext } from '../errors.js';
import { checkDomainXml } from '../domain-xml.js';
import { CliError, type CommandDef, type Ctx } from '../types.js';
import { DOMAIN_OPT } from './lifecycle.js';

export interface PromptIo {
  write(text: string): void;
  /** next key pressed; '' at end of input */
  readChar(): Promise<string>;
}

/** vshAskReedit: loops until y, n, f (or i when validation can be relaxed); '?' prints help. */
export async function askReedit(io: PromptIo, msg: string, relaxAvail: boolean): Promise<string> {
  for (;;) {
    io.write(`\r${msg} Try again? ${relaxAvail ? '[y,n,i,f,?]' : '[y,n,f,?]'}: `);
    const ch = (await io.readChar()).toLowerCase();
    if (ch === '') { io.write('\r\n'); return 'n'; }
    if (ch === '?') {
      io.write('\r\ny - yes, start editor again\r\nn - no, throw away my changes\r\nf - force, try to redefine again\r\n');
      if (relaxAvail) io.write('i - turn off validation and try to redefine again\r\n');
      io.write('? - print this help\r\n');
      continue;
    }
    if (ch === 'y' || ch === 'n' || ch === 'f' || (relaxAvail && ch === 'i')) {
      io.write('\r\n');
      return ch;
    }
  }
}

function ttyPrompt(ctx: Ctx): PromptIo {
  return {
    write: (t) => ctx.stdout.write(t),
    readChar: () => new Promise((resolve) => {
      const stdin = ctx.stdin;
      stdin.setRawMode(true);
      const done = (s: string) => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.setRawMode(false);
        stdin.pause();
        resolve(s);
      };
      const onData = (b: Buffer) => done(b.subarray(0, 1).toString('latin1'));
      const onEnd = () => done('');
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      stdin.resume();
    }),
  };
}

/** $VISUAL, then $EDITOR, then vi; run through sh as virsh does so "emacs -nw" works. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.VISUAL || env.EDITOR || 'vi';
}

function runEditor(file: string): Promise<void> {
  const editor = editorCommand();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
    child.once('error', (e) => reject(new CliError(`cannot run editor '${editor}': ${e.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CliError(`${editor} ${file}: editor exited with ${signal ? `signal ${signal}` : `status ${code}`}`));
    });
  });
}

export const editCommand: CommandDef = {
  name: 'edit', group: 'domain', summary: 'edit XML configuration for a domain', description: 'Edit the XML configuration for a domain.',
  opts: [DOMAIN_OPT, { name: 'skip-validate', type: 'bool', help: 'skip validation of the XML against the schema' }],
  async handler(ctx, args) {
    const domain = args.str('domain')!;
    const c = await ctx.client();
    const getXml = async () => (await withContext({ domain }, () => c.call('domain.getXml', { domain, inactive: true }))).xml;
    let orig = await getXml();
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-edit-'));
    const file = join(dir, `${domain.replace(/[^A-Za-z0-9_.-]/g, '_')}.xml`);
    let validate = !args.bool('skip-validate');
    let relaxAvail = validate;
    try {
      await writeFile(file, orig);
      reedit: for (;;) {
        await runEditor(file);
        const edited = await readFile(file, 'utf8');
        if (edited === orig) {
          ctx.extra(`Domain '${domain}' XML configuration not changed.\n`);
          return;
        }
        for (;;) {
          let msg: string | undefined;
          let failure: unknown;
          const reread = await getXml();
          if (reread !== orig) {
            msg = 'The XML configuration was changed by another user.';
            orig = reread;
          }
          if (!msg) {
            try {
              if (validate) await checkDomainXml(edited);
              const dom = await c.call('domain.define', { xml: edited });
              ctx.extra(`Domain '${dom.name}' XML configuration edited.\n`);
              return;
            } catch (e) {
              failure = e;
              msg = 'Failed.';
            }
          }
          // like virsh: without a terminal to ask on, give up and report the error
          if (!ctx.stdin.isTTY) throw failure ?? new CliError(msg);
          if (failure) for (const l of formatError(failure).lines) ctx.err(l + '\n');
          const answer = await askReedit(ttyPrompt(ctx), msg, relaxAvail);
          if (answer === 'y') continue reedit;
          // the error was shown before the question: fail without another line, as virsh
          if (answer === 'n') throw new CliError();
          if (answer === 'i') { validate = false; relaxAvail = false; }
          // 'f' and 'i': try to define again
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
