// Timing and statistics helpers: median/min/max of samples, interleaving, ratios.
import { performance } from 'node:perf_hooks';

export interface Summary {
  n: number;
  /** in the row's unit (ms, ops/s or MiB), despite the name */
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export function summarize(samples: number[]): Summary | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, medianMs: round(median), minMs: round(s[0]!), maxMs: round(s[s.length - 1]!) };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** ms taken by fn */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs each named step once per round, rotating the order every round (A B C, B C A, ...) so
 * that drift of a noisy machine falls on every system alike. Steps record their own samples.
 */
export async function interleave(rounds: number, steps: Record<string, () => Promise<void>>): Promise<void> {
  const names = Object.keys(steps);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) await steps[names[(i + r) % names.length]!]!();
  }
}

/** Polls until check() is true; rejects after timeoutMs naming what was awaited. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
