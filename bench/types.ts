// What a benchmark section produces, and what an extra bench module (e.g. bench/storage.ts)
// receives. An extra module exports `run(ctx: BenchContext): Promise<BenchRow[]>`.
import type { Client } from '../src/client/client.js';
import type { Summary } from './stats.js';
import type { VirshShell } from './libvirt.js';

export interface Target {
  /** e.g. 'tsvirt <= 1.5x raw' */
  text: string;
  pass: boolean;
}

/** One line of the table: one operation, each system's figures, ratios and targets. */
export interface BenchRow {
  section: string;
  op: string;
  /** what the figure is: 'ms' (latency samples) or 'ops/s' (a rate) or 'MiB' */
  unit: 'ms' | 'ops/s' | 'MiB';
  tsvirt?: Summary;
  libvirt?: Summary;
  raw?: Summary;
  /** tsvirt / libvirt and tsvirt / raw, computed on medians (for rates: libvirt time / tsvirt time) */
  ratioLibvirt?: number;
  ratioRaw?: number;
  targets: Target[];
  note?: string;
}

export interface BenchContext {
  quick: boolean;
  /** a throwaway folder for files of this run; removed at the end */
  tmp: string;
  /** SDK connection to the isolated tsvirtd */
  tsvirt: Client;
  tsvirtUri: string;
  tsvirtPid: number;
  /** runs bin/tsvirt -c URI args */
  tsvirtCli(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** one long-lived virsh -c qemu:///system (the libvirt API over one connection) */
  virsh: VirshShell;
  libvirtdPid: number;
  /** domain names an extra module may use: prefix + anything; all are cleaned up by the module */
  tsvirtPrefix: string;
  libvirtPrefix: string;
}
