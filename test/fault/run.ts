// npm run fault: the reliability and security campaign of test/fault/ at full size (100,000
// hostile XML inputs), then its figures as a table, also written to bench/results/fault-latest.json.
// FAULT_SEED picks another seed; a failure prints the seed and input that reproduce it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const OUT = path.join(REPO, 'bench/results/fault-latest.json');
rmSync(OUT, { force: true });
const files = readdirSync(HERE).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test/fault', f));
const started = Date.now();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: REPO, stdio: 'inherit', env: { ...process.env, FAULT_FIGURES: OUT, FAULT_INPUTS: process.env.FAULT_INPUTS ?? '100000' },
});
const figures = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, Record<string, number | string>> : {};
const rows = Object.entries(figures).flatMap(([t, f]) => Object.entries(f).map(([k, v]) => [t, k, String(v)]));
const w = [0, 1, 2].map((i) => Math.max(...rows.map((x) => x[i]!.length), ['test', 'figure', 'value'][i]!.length));
const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(w[i]!)).join(' | ')} |`;
process.stdout.write(`\ntsvirt fault campaign (${Math.round((Date.now() - started) / 1000)} s, tests ${r.status === 0 ? 'passed' : 'FAILED'})\n` +
  [line(['test', 'figure', 'value']), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + `\n\nwritten to ${path.relative(REPO, OUT)}\n`);
process.exitCode = r.status ?? 1;
