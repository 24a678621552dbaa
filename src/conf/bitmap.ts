// libvirt's CPU/node bitmaps as text (virBitmapParse / virBitmapFormat): '0-3,^2,8' in, canonical
// '0-1,3,8' out. Sets are sorted arrays of bit numbers.

/** VIR_DOMAIN_CPUMASK_LEN: the largest bit plus one that libvirt accepts in a CPU or node set. */
export const CPUMASK_LEN = 16384;

/** Parses a bitmap; throws Error(message) on bad syntax (callers wrap it with the element). */
export function parseBitmap(text: string, maxLen = CPUMASK_LEN): number[] {
  const set = new Set<number>();
  const neg = new Set<number>();
  const t = text.trim();
  if (t === '') throw new Error(`Failed to parse bitmap '${text}'`);
  for (const part of t.split(',')) {
    const p = part.trim();
    const m = /^(\^)?([0-9]+)(?:-([0-9]+))?$/.exec(p);
    if (!m) throw new Error(`Failed to parse bitmap '${text}'`);
    const lo = Number(m[2]);
    const hi = m[3] !== undefined ? Number(m[3]) : lo;
    if (m[1] && m[3] !== undefined) throw new Error(`Failed to parse bitmap '${text}'`);
    if (hi < lo || hi >= maxLen) throw new Error(`Failed to parse bitmap '${text}'`);
    for (let i = lo; i <= hi; i++) (m[1] ? neg : set).add(i);
  }
  for (const n of neg) set.delete(n);
  return [...set].sort((a, b) => a - b);
}

/** Canonical text: consecutive runs as 'a-b' (also for two bits), singles as 'a'. */
export function formatBitmap(bits: readonly number[]): string {
  const sorted = [...new Set(bits)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return out.join(',');
}

/** Parse + format: the form libvirt writes back. */
export function canonicalBitmap(text: string, maxLen = CPUMASK_LEN): string {
  return formatBitmap(parseBitmap(text, maxLen));
}
