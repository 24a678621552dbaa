// The host at a glance above the VM list: CPU use, memory use and running guests, sampled
// every second (node.cpuStats, node.memoryStats) while the page shows.
import { call } from './api.js';
import { Chart, bytesText, pctText } from './chart.js';
import { SAMPLE_EVERY_MS, rates, useSamples } from './use-samples.js';

async function readHost(): Promise<Record<string, number>> {
  const [c, m] = await Promise.all([call('node.cpuStats', {}), call('node.memoryStats', {})]);
  return { busy: c.kernelNs + c.userNs, all: c.kernelNs + c.userNs + c.idleNs + c.iowaitNs, total: m.totalKiB * 1024, free: m.freeKiB * 1024, cache: ((m.buffersKiB ?? 0) + (m.cachedKiB ?? 0)) * 1024 };
}

export function HostOverview(props: { running: number; total: number }) {
  const samples = useSamples('host', true, readHost);
  const busy = rates(samples, (v) => v.busy);
  const all = rates(samples, (v) => v.all);
  const cpu = busy.map((b, i) => (b === undefined || !all[i] ? undefined : (b / all[i]!) * 100));
  const used = samples.map((s) => s.v.total - s.v.free - s.v.cache);
  const total = samples[samples.length - 1]?.v.total;
  return (
    <div class="charts host-overview" aria-label="host">
      <Chart id="host-cpu" title="Host CPU" points={cpu} format={pctText} max={100} everyS={SAMPLE_EVERY_MS / 1000} />
      <Chart id="host-memory" title={`Host memory used${total ? ` of ${bytesText(total)}` : ''}`} points={used} format={bytesText} max={total} everyS={SAMPLE_EVERY_MS / 1000} />
      <figure class="chart" data-chart="guests"><figcaption><span>Running guests</span><strong>{props.running} of {props.total}</strong></figcaption></figure>
    </div>
  );
}
