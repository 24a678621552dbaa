// Rows of the result table: figures per system, ratios on medians, targets with PASS/MISS;
// and the text table printed at the end.
import { round, summarize, type Summary } from './stats.js';
import type { BenchRow, Target } from './types.js';

export type TargetSpec =
  | { vsRaw: number } // tsvirt median <= k x raw median
  | { vsLibvirt: number } // tsvirt median <= k x libvirt median (for rates: tsvirt >= k x libvirt)
  | { maxMs: number }; // tsvirt median <= this many ms

export interface RowInput {
  section: string;
  op: string;
  unit: BenchRow['unit'];
  tsvirt?: number[];
  libvirt?: number[];
  raw?: number[];
  targets?: TargetSpec[];
  note?: string;
}

export function makeRow(r: RowInput): BenchRow {
  const ts = summarize(r.tsvirt ?? []) ?? undefined;
  const lv = summarize(r.libvirt ?? []) ?? undefined;
  const raw = summarize(r.raw ?? []) ?? undefined;
  const row: BenchRow = { section: r.section, op: r.op, unit: r.unit, tsvirt: ts, libvirt: lv, raw, targets: [], note: r.note };
  if (ts && lv && lv.medianMs > 0) row.ratioLibvirt = round(ts.medianMs / lv.medianMs, 3);
  if (ts && raw && raw.medianMs > 0) row.ratioRaw = round(ts.medianMs / raw.medianMs, 3);
  const rate = r.unit === 'ops/s';
  for (const t of r.targets ?? []) {
    if ('vsRaw' in t && row.ratioRaw !== undefined) row.targets.push({ text: `<= ${t.vsRaw}x raw`, pass: row.ratioRaw <= t.vsRaw });
    if ('vsLibvirt' in t && row.ratioLibvirt !== undefined) {
      row.targets.push(rate
        ? { text: `>= ${t.vsLibvirt}x libvirt`, pass: row.ratioLibvirt >= t.vsLibvirt }
        : { text: `<= ${t.vsLibvirt}x libvirt`, pass: row.ratioLibvirt <= t.vsLibvirt });
    }
    if ('maxMs' in t && ts) row.targets.push({ text: `<= ${t.maxMs} ms`, pass: ts.medianMs <= t.maxMs });
  }
  return row;
}

function num(x: number): string {
  // (differences can be negative: the size of the figure decides its digits)
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function fig(s: Summary | undefined): string {
  if (!s) return '-';
  return s.n > 1 ? `${num(s.medianMs)} (${num(s.minMs)}-${num(s.maxMs)})` : num(s.medianMs);
}

function targetText(ts: Target[]): string {
  return ts.map((t) => `${t.pass ? 'PASS' : 'MISS'} ${t.text}`).join('; ');
}

/** Markdown table: one line per row, medians with (min-max). */
export function formatTable(rows: BenchRow[]): string {
  const head = ['operation', 'unit', 'tsvirt', 'libvirt', 'raw QEMU', 'ts/lv', 'ts/raw', 'target'];
  const lines = rows.map((r) => [
    `${r.section}: ${r.op}`, r.unit, fig(r.tsvirt), fig(r.libvirt), fig(r.raw),
    r.ratioLibvirt === undefined ? '-' : `${r.ratioLibvirt}`, r.ratioRaw === undefined ? '-' : `${r.ratioRaw}`,
    targetText(r.targets) || '-',
  ]);
  const all = [head, ...lines];
  const w = head.map((_, i) => Math.max(...all.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => `| ${l.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [fmt(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...lines.map(fmt)].join('\n') + '\n';
}
