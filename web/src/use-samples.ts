// Polls a set of counters every second while `active` (and the tab is visible) and keeps the
// last five minutes; charts turn consecutive samples into rates. Shared by the VM charts and
// the host overview.
import { useEffect, useState } from 'preact/hooks';

export interface Sample { at: number; v: Record<string, number> }

export const SAMPLE_EVERY_MS = 1000;
const KEEP = 300;

export function useSamples(key: string, active: boolean, read: () => Promise<Record<string, number>>): Sample[] {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => {
    setSamples([]);
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (!document.hidden) {
        try {
          const v = await read();
          if (!stopped) setSamples((s) => [...s.slice(-(KEEP - 1)), { at: performance.now(), v }]);
        } catch {
          // a failed sample is a gap; the page reports connection errors itself
        }
      }
      if (!stopped) timer = setTimeout(tick, SAMPLE_EVERY_MS);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [key, active]);
  return samples;
}

/** per-second rates of a counter between consecutive samples (undefined for the first, or a reset) */
export function rates(samples: Sample[], value: (v: Record<string, number>) => number | undefined): Array<number | undefined> {
  return samples.map((s, i) => {
    if (i === 0) return undefined;
    const a = value(samples[i - 1].v);
    const b = value(s.v);
    const dt = (s.at - samples[i - 1].at) / 1000;
    if (a === undefined || b === undefined || b < a || dt <= 0) return undefined;
    return (b - a) / dt;
  });
}

/** the sum of the stats fields matching a pattern (block.N.rd.bytes of every disk) */
export function sumOf(v: Record<string, number>, re: RegExp): number | undefined {
  let sum: number | undefined;
  for (const [k, x] of Object.entries(v)) if (re.test(k)) sum = (sum ?? 0) + x;
  return sum;
}
