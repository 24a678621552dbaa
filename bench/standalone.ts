// Running one bench module on its own (node --import tsx bench/<name>.ts): libvirt 9.0 and a
// tsvirtd started for it, the module's rows printed as a table, everything stopped again.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { Client } from '../src/client/client.js';
import { startTestDaemon } from '../test/e2e/daemon.js';
import { cleanLibvirt, startLibvirt, stopStarted, VirshShell } from './libvirt.js';
import { formatTable } from './report.js';
import type { BenchContext, BenchRow } from './types.js';

export interface StandaloneOptions {
  /** runs once everything is up, before the rows (e.g. a warm-up that is not measured) */
  prepare?: (ctx: BenchContext) => Promise<unknown>;
}

async function runAlone(name: string, run: (ctx: BenchContext) => Promise<BenchRow[]>, opts: StandaloneOptions): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `tsvirt-bench-${name}-`));
  chmodSync(tmp, 0o755);
  const undo: (() => Promise<unknown> | unknown)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const u of undo.splice(0).reverse()) await Promise.resolve().then(u).catch((e) => process.stderr.write(`cleanup: ${e}\n`));
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const daemons = await startLibvirt();
    undo.push(() => stopStarted(daemons));
    undo.push(() => cleanLibvirt('bench-lv-')); // (and their logs in /var/log/libvirt/qemu)
    const d = await startTestDaemon();
    undo.push(() => d.stop());
    const client = new Client({ uri: d.uri });
    undo.push(() => client.close());
    const virsh = new VirshShell();
    undo.push(() => virsh.close());
    const ctx: BenchContext = {
      quick: process.argv.includes('--quick'), tmp, tsvirt: client, tsvirtUri: d.uri, tsvirtPid: d.pid,
      tsvirtCli: (args, input) => d.cli(args, { input }), virsh, libvirtdPid: daemons.libvirtdPid,
      tsvirtPrefix: 'bench-ts-', libvirtPrefix: 'bench-lv-',
    };
    await opts.prepare?.(ctx);
    const rows = await run(ctx);
    process.stdout.write(`\n${formatTable(rows)}\n${rows.filter((r) => r.note).map((r) => `${r.op}: ${r.note}`).join('\n')}\n`);
  } finally {
    await cleanup();
  }
}

/** When `moduleUrl` is the script node was started with, runs its rows alone and exits. */
export function runIfMain(moduleUrl: string, name: string, run: (ctx: BenchContext) => Promise<BenchRow[]>, opts: StandaloneOptions = {}): void {
  if (!process.argv[1] || !moduleUrl.endsWith(path.basename(process.argv[1]))) return;
  runAlone(name, run, opts).then(() => process.exit(0), (e) => {
    process.stderr.write(`bench/${name}: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
