// Long-running event printers (virsh event / net-event / pool-event, tsvirt's own) whose
// output the e2e tests collect, and waiting for what they print.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';

export interface Printer {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** a long-running event printer whose output (stdout and stderr) is collected */
export function listener(cmd: string, args: string[]): Printer {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', r)) };
}

export async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** repeats `probe` (a change each printer shows as `text`) until every printer has shown it: all are subscribed */
export async function probeUntilSubscribed(printers: Printer[], text: string, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!printers.every((p) => p.out().includes(text))) {
    assert.ok(Date.now() < deadline, `event printers did not subscribe: ${printers.map((p) => p.out())}`);
    await probe();
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** a printer's lines after the leading probe lines (at least one), which are dropped */
export function afterProbes(p: Printer, probeLine: string): string[] {
  const lines = p.out().split('\n');
  let n = 0;
  while (lines[n] === probeLine) n++;
  assert.ok(n > 0, `no probe line in: ${p.out()}`);
  return lines.slice(n);
}
