// A line chart drawn as SVG by hand: smaller than any chart library (no bytes to load) and
// accessible as an image with a text summary. The plotted values are also on the element
// (data-points, data-total) so tests and scripts can read what is shown.
export interface ChartProps {
  id: string;
  title: string;
  /** one value per sample, oldest first; undefined where no rate was known yet */
  points: Array<number | undefined>;
  /** how a value reads: "12 %", "3.4 MiB/s" */
  format: (v: number) => string;
  /** the top of the scale; else the largest value */
  max?: number;
  /** the cumulative counter the last rate came from, for data-total */
  total?: number;
  /** seconds between samples, for the caption */
  everyS: number;
}

const W = 300;
const H = 80;

export function Chart(p: ChartProps) {
  const known = p.points.filter((v): v is number => v !== undefined);
  const last = known.length ? known[known.length - 1] : undefined;
  const top = Math.max(p.max ?? 0, ...known, 1e-9);
  const step = p.points.length > 1 ? W / (p.points.length - 1) : W;
  const coords = p.points.flatMap((v, i) => (v === undefined ? [] : [`${(i * step).toFixed(1)},${(H - (v / top) * (H - 4) - 2).toFixed(1)}`]));
  const span = Math.round((p.points.length * p.everyS) / 60);
  const summary = `${p.title}: ${last === undefined ? 'no data yet' : p.format(last)} now, at most ${known.length ? p.format(Math.max(...known)) : '—'} over the last ${span || 1} min`;
  return (
    <figure class="chart" data-chart={p.id}>
      <figcaption><span>{p.title}</span><strong>{last === undefined ? '—' : p.format(last)}</strong></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}
        data-points={JSON.stringify(p.points.map((v) => v ?? null))} data-total={p.total ?? ''}>
        <line x1="0" y1={H - 1} x2={W} y2={H - 1} class="axis" />
        {coords.length > 1 && <polyline points={coords.join(' ')} class="line" />}
        {coords.length > 1 && <polygon points={`${coords[0].split(',')[0]},${H} ${coords.join(' ')} ${coords[coords.length - 1].split(',')[0]},${H}`} class="area" />}
      </svg>
    </figure>
  );
}

export const pctText = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} %`;

export function rateText(bytesPerS: number): string {
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let v = bytesPerS;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 && u > 0 ? 1 : 0)} ${units[u]}`;
}

export function bytesText(b: number): string {
  return rateText(b).replace('/s', '');
}
