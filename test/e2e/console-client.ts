// A console client under test: a child process (virsh console under script(1), or tsvirt
// console) whose output is collected and whose stdin is typed into.
import type { ChildProcess } from 'node:child_process';

export class ConsoleClient {
  text = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (b: Buffer) => (this.text += b.toString('latin1')));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }
  async waitFor(s: string | RegExp, ms = 30_000, from = 0): Promise<void> {
    const deadline = Date.now() + ms;
    const seen = () => { const t = this.text.slice(from); return typeof s === 'string' ? t.includes(s) : s.test(t); };
    while (!seen()) {
      if (Date.now() > deadline) throw new Error(`'${s}' not seen on the console within ${ms} ms: ${JSON.stringify(this.text.slice(-1500))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  type(s: string | Buffer): void {
    this.child.stdin!.write(s);
  }
  /** types the command every 1.5 s (the shell may still be starting) until `answer` comes back */
  async command(cmd: string, answer: string): Promise<void> {
    this.type(`${cmd}\r`);
    const t = setInterval(() => this.type(`${cmd}\r`), 1500);
    try {
      await this.waitFor(answer);
    } finally {
      clearInterval(t);
    }
  }
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
