// Figures of the fault tests: each test adds its own, `npm run fault` prints them as one table
// and writes them to bench/results/fault-latest.json (FAULT_FIGURES names the file).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export function recordFigures(test: string, figures: Record<string, number | string>): void {
  const file = process.env.FAULT_FIGURES;
  process.stderr.write(`figures ${test}: ${JSON.stringify(figures)}\n`);
  if (!file) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> : {};
  all[test] = figures;
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
}
