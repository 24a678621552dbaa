// virt-manager's performance graphs for one VM: CPU, memory, disk and network I/O over the
// last minutes, from domain.getAllStats sampled every second while the VM runs.
import { call } from './api.js';
import { Chart, bytesText, pctText, rateText } from './chart.js';
import { SAMPLE_EVERY_MS, rates, sumOf, useSamples } from './use-samples.js';

async function readVm(name: string): Promise<Record<string, number>> {
  const { records } = await call('domain.getAllStats', { domains: [name], groups: ['cpu-total', 'balloon', 'vcpu', 'interface', 'block'] });
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(records[0]?.stats ?? {})) if (typeof v === 'number') out[k] = v;
  return out;
}

export function VmCharts(props: { name: string; running: boolean }) {
  const samples = useSamples(props.name, props.running, () => readVm(props.name));
  if (!props.running) return <p class="muted">Performance graphs show while the virtual machine runs.</p>;
  const last = samples[samples.length - 1]?.v ?? {};
  const vcpus = last['vcpu.current'] || 1;
  const cpu = rates(samples, (v) => v['cpu.time']).map((r) => (r === undefined ? undefined : Math.min(100, (r / 1e9 / vcpus) * 100)));
  const mem = samples.map((s) => (s.v['balloon.rss'] ?? s.v['balloon.current']) * 1024);
  const disk = (re: RegExp) => rates(samples, (v) => sumOf(v, re));
  const diskRead = disk(/^block\.\d+\.rd\.bytes$/);
  const diskWrite = disk(/^block\.\d+\.wr\.bytes$/);
  const netRx = disk(/^net\.\d+\.rx\.bytes$/);
  const netTx = disk(/^net\.\d+\.tx\.bytes$/);
  const everyS = SAMPLE_EVERY_MS / 1000;
  return (
    <div class="charts" aria-label="performance">
      <Chart id="cpu" title={`CPU usage (${vcpus} vCPU${vcpus === 1 ? '' : 's'})`} points={cpu} format={pctText} max={100} total={last['cpu.time']} everyS={everyS} />
      <Chart id="memory" title="Memory (QEMU resident)" points={mem} format={bytesText} total={mem[mem.length - 1]} everyS={everyS} />
      <Chart id="disk-read" title="Disk read" points={diskRead} format={rateText} total={sumOf(last, /^block\.\d+\.rd\.bytes$/)} everyS={everyS} />
      <Chart id="disk-write" title="Disk write" points={diskWrite} format={rateText} total={sumOf(last, /^block\.\d+\.wr\.bytes$/)} everyS={everyS} />
      <Chart id="net-rx" title="Network received" points={netRx} format={rateText} total={sumOf(last, /^net\.\d+\.rx\.bytes$/)} everyS={everyS} />
      <Chart id="net-tx" title="Network sent" points={netTx} format={rateText} total={sumOf(last, /^net\.\d+\.tx\.bytes$/)} everyS={everyS} />
    </div>
  );
}
