// GET /metrics: the domains' statistics (domain-stats.ts) and the daemon's own counters in
// Prometheus' text format (version 0.0.4). Domain metrics are named and labelled as the common
// libvirt exporters name them (libvirt_domain_info_cpu_time_seconds_total{domain,uuid},
// libvirt_domain_block_stats_read_bytes_total{domain,uuid,target_device}, ...), so their
// dashboards work; the daemon's are tsvirt_*.
import { performance } from 'node:perf_hooks';
import type { DomainStatsRecord } from '../protocol/methods-host-stats.js';
import type { Handlers } from './dispatch.js';
import type { DomainService } from './domain-service.js';
import { allDomainStats } from './domain-stats.js';
import type { EventBus } from './event-bus.js';

/** seconds; the upper bounds of the API latency histogram */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const START_METHODS = new Set(['domain.start', 'domain.create', 'domain.restore', 'domain.managedSaveStart']);

interface MethodFigures { ok: number; error: number; buckets: number[]; sum: number; count: number }

/** The daemon's own counters: API calls by method and result with their latency, QEMU starts. */
export class DaemonMetrics {
  readonly methods = new Map<string, MethodFigures>();
  qemuStarts = 0;
  qemuStartFailures = 0;
  /** open client connections by transport, read at each scrape */
  connections: () => Record<string, number> = () => ({});

  /** counts lifecycle 'started' events as QEMU starts */
  watch(events: EventBus): void {
    events.subscribe((ev) => {
      if (ev.type === 'lifecycle' && ev.event === 'started') this.qemuStarts++;
    });
  }

  record(method: string, ok: boolean, seconds: number): void {
    let m = this.methods.get(method);
    if (!m) this.methods.set(method, (m = { ok: 0, error: 0, buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    if (ok) m.ok++; else m.error++;
    if (!ok && START_METHODS.has(method)) this.qemuStartFailures++;
    m.count++;
    m.sum += seconds;
    BUCKETS.forEach((b, i) => { if (seconds <= b) m.buckets[i]++; });
  }

  /** every handler, timed and counted; the transports call these instead */
  instrument(handlers: Handlers): Handlers {
    const out: Record<string, (p: unknown) => unknown> = {};
    for (const [name, h] of Object.entries(handlers) as Array<[string, (p: unknown) => unknown]>) {
      out[name] = async (p: unknown) => {
        const t0 = performance.now();
        try {
          const r = await h(p);
          this.record(name, true, (performance.now() - t0) / 1000);
          return r;
        } catch (e) {
          this.record(name, false, (performance.now() - t0) / 1000);
          throw e;
        }
      };
    }
    return out as Handlers;
  }
}

/** a label value as the text format escapes it */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string>) => {
  const e = Object.entries(l);
  return e.length ? `{${e.map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}` : '';
};
/** nanosecond-exact figures without binary float tails (9.850000000000001) */
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? String(Number(v.toFixed(9))) : '0');

class Exposition {
  private readonly families = new Map<string, { help: string; type: string; lines: string[] }>();
  add(name: string, type: 'gauge' | 'counter', help: string, l: Record<string, string> | string, value: number): void {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, lines: [] }));
    f.lines.push(`${name}${typeof l === 'string' ? l : labels(l)} ${fmt(value)}`);
  }
  raw(name: string, type: string, help: string, lines: string[]): void {
    this.families.set(name, { help, type, lines });
  }
  text(): string {
    let out = '';
    for (const [name, f] of this.families) out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}${f.lines.length ? '\n' : ''}`;
    return out;
  }
}

// (stats field suffix, metric name, help, scale) of each disk and NIC counter
const BLOCK: Array<[string, string, string, number]> = [
  ['rd.bytes', 'read_bytes_total', 'Bytes read from the disk', 1], ['rd.reqs', 'read_requests_total', 'Read requests', 1],
  ['rd.times', 'read_time_seconds_total', 'Time spent reading', 1e-9], ['wr.bytes', 'write_bytes_total', 'Bytes written to the disk', 1],
  ['wr.reqs', 'write_requests_total', 'Write requests', 1], ['wr.times', 'write_time_seconds_total', 'Time spent writing', 1e-9],
  ['fl.reqs', 'flush_requests_total', 'Flush requests', 1], ['fl.times', 'flush_time_seconds_total', 'Time spent flushing', 1e-9],
  ['capacity', 'capacity_bytes', 'Size of the disk as the guest sees it', 1], ['allocation', 'allocation_bytes', 'Highest offset written', 1],
];
const NET: Array<[string, string, string]> = [
  ['rx.bytes', 'receive_bytes_total', 'Bytes received by the guest'], ['rx.pkts', 'receive_packets_total', 'Packets received by the guest'],
  ['rx.errs', 'receive_errors_total', 'Receive errors'], ['rx.drop', 'receive_drops_total', 'Received packets dropped'],
  ['tx.bytes', 'transmit_bytes_total', 'Bytes sent by the guest'], ['tx.pkts', 'transmit_packets_total', 'Packets sent by the guest'],
  ['tx.errs', 'transmit_errors_total', 'Transmit errors'], ['tx.drop', 'transmit_drops_total', 'Sent packets dropped'],
];

function domainMetrics(x: Exposition, r: DomainStatsRecord): void {
  const s = r.stats;
  const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
  // the domain's labels are written once; a device's or vCPU's are added to them (10,000 domains: 50,000 lines)
  const base = `domain="${esc(r.name)}",uuid="${r.uuid}"`;
  const put = (name: string, type: 'gauge' | 'counter', help: string, v: number | undefined, extra?: Record<string, string>) => {
    if (v === undefined) return;
    const more = extra ? Object.entries(extra).map(([k, val]) => `,${k}="${esc(val)}"`).join('') : '';
    x.add(name, type, help, `{${base}${more}}`, v);
  };
  put('libvirt_domain_state_code', 'gauge', "Domain state as libvirt's virDomainState number (1 running, 3 paused, 5 shut off)", num('state.state'));
  put('libvirt_domain_info_cpu_time_seconds_total', 'counter', 'CPU time used by the domain (its QEMU process)', mul(num('cpu.time'), 1e-9));
  put('libvirt_domain_info_user_cpu_time_seconds_total', 'counter', 'User CPU time used by the domain', mul(num('cpu.user'), 1e-9));
  put('libvirt_domain_info_system_cpu_time_seconds_total', 'counter', 'System CPU time used by the domain', mul(num('cpu.system'), 1e-9));
  put('libvirt_domain_info_virtual_cpus', 'gauge', 'Number of virtual CPUs', num('vcpu.current'));
  put('libvirt_domain_info_maximum_memory_bytes', 'gauge', 'Maximum memory of the domain', mul(num('balloon.maximum'), 1024));
  put('libvirt_domain_info_memory_usage_bytes', 'gauge', 'Memory the domain has now (balloon size)', mul(num('balloon.current'), 1024));
  put('libvirt_domain_memory_stats_actual_balloon_bytes', 'gauge', 'Balloon size', mul(num('balloon.current'), 1024));
  put('libvirt_domain_memory_stats_rss_bytes', 'gauge', 'Resident memory of the QEMU process', mul(num('balloon.rss'), 1024));
  put('libvirt_domain_memory_stats_unused_bytes', 'gauge', 'Memory the guest leaves unused', mul(num('balloon.unused'), 1024));
  put('libvirt_domain_memory_stats_available_bytes', 'gauge', 'Memory the guest sees', mul(num('balloon.available'), 1024));
  for (let i = 0; num(`vcpu.${i}.time`) !== undefined; i++) {
    put('libvirt_domain_vcpu_time_seconds_total', 'counter', 'CPU time used by one vCPU', mul(num(`vcpu.${i}.time`), 1e-9), { vcpu: String(i) });
  }
  for (let i = 0; i < (num('block.count') ?? 0); i++) {
    const dev = { target_device: String(s[`block.${i}.name`] ?? i) };
    for (const [k, name, help, scale] of BLOCK) put(`libvirt_domain_block_stats_${name}`, name.endsWith('_total') ? 'counter' : 'gauge', help, mul(num(`block.${i}.${k}`), scale), dev);
  }
  for (let i = 0; i < (num('net.count') ?? 0); i++) {
    const dev = { target_device: String(s[`net.${i}.name`] ?? i) };
    for (const [k, name, help] of NET) put(`libvirt_domain_interface_stats_${name}`, 'counter', help, num(`net.${i}.${k}`), dev);
  }
}

const mul = (v: number | undefined, f: number) => (v === undefined ? undefined : v * f);

/** the whole exposition: every domain's metrics, then the daemon's */
export async function renderMetrics(service: DomainService, m: DaemonMetrics): Promise<string> {
  const x = new Exposition();
  const t0 = performance.now();
  const records = await allDomainStats(service, {});
  x.add('libvirt_up', 'gauge', 'Whether the statistics could be read (1)', {}, 1);
  x.add('libvirt_domains', 'gauge', 'Number of domains defined or running', {}, records.length);
  for (const r of records) domainMetrics(x, r);
  const calls: string[] = [];
  const hist: string[] = [];
  for (const [method, f] of [...m.methods].sort(([a], [b]) => a.localeCompare(b))) {
    if (f.ok) calls.push(`tsvirt_api_calls_total${labels({ method, result: 'ok' })} ${f.ok}`);
    if (f.error) calls.push(`tsvirt_api_calls_total${labels({ method, result: 'error' })} ${f.error}`);
    BUCKETS.forEach((b, i) => hist.push(`tsvirt_api_call_duration_seconds_bucket${labels({ method, le: String(b) })} ${f.buckets[i]}`));
    hist.push(`tsvirt_api_call_duration_seconds_bucket${labels({ method, le: '+Inf' })} ${f.count}`);
    hist.push(`tsvirt_api_call_duration_seconds_sum${labels({ method })} ${fmt(f.sum)}`, `tsvirt_api_call_duration_seconds_count${labels({ method })} ${f.count}`);
  }
  x.raw('tsvirt_api_calls_total', 'counter', 'API calls by method and result', calls);
  x.raw('tsvirt_api_call_duration_seconds', 'histogram', 'Time to answer an API call', hist);
  x.add('tsvirt_qemu_starts_total', 'counter', 'QEMU processes started (domains that reached running or paused)', {}, m.qemuStarts);
  x.add('tsvirt_qemu_start_failures_total', 'counter', 'Domain starts that failed', {}, m.qemuStartFailures);
  for (const [transport, n] of Object.entries(m.connections())) x.add('tsvirt_connections_open', 'gauge', 'Client connections open now', { transport }, n);
  x.add('tsvirt_metrics_collect_seconds', 'gauge', 'Time this scrape took to collect the domain statistics', {}, (performance.now() - t0) / 1000);
  x.add('tsvirt_process_resident_memory_bytes', 'gauge', "The daemon's resident memory", {}, process.memoryUsage.rss());
  return x.text();
}
