// The VM list (virt-manager's main window): state, vCPUs, memory, CPU usage and actions.
// CPU usage needs a rate, so while a VM runs the list samples domain.listStats (one
// call for all VMs) every 2 s; nothing is sampled when all are off or the tab is hidden.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DomainSummary } from '../../src/protocol/types.js';
import { call } from './api.js';
import type { Notify } from './app.js';
import { STATE_TEXT, memText } from './format.js';
import { VmActions } from './vm-actions.js';
import { HostOverview } from './host-overview.js';

interface Stat { vcpus: number; maxMemoryKiB: number; cpuPct?: number }

function useStats(domains: DomainSummary[] | undefined): Map<string, Stat> {
  const [stats, setStats] = useState(new Map<string, Stat>());
  const last = useRef(new Map<string, { ns: number; at: number }>());
  const key = (domains ?? []).map((d) => `${d.name}:${d.state}`).join(',');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const sample = async () => {
      try {
        const r = await call('domain.listStats', {});
        const now = performance.now();
        const next = new Map<string, Stat>();
        for (const s of r.stats) {
          const prev = last.current.get(s.name);
          const cpuPct = prev && s.cpuTimeNs > 0 && now > prev.at
            ? Math.min(100, Math.max(0, ((s.cpuTimeNs - prev.ns) / ((now - prev.at) * 1e6) / s.vcpus) * 100))
            : undefined;
          last.current.set(s.name, { ns: s.cpuTimeNs, at: now });
          next.set(s.name, { vcpus: s.vcpus, maxMemoryKiB: s.maxMemoryKiB, cpuPct: s.cpuTimeNs > 0 ? cpuPct : undefined });
        }
        if (!stopped) setStats(next);
      } catch {
        // the list shows what it has; errors of the list itself are reported by the shell
      }
      const anyRunning = (domains ?? []).some((d) => d.state === 'running' || d.state === 'blocked');
      if (!stopped && anyRunning) timer = setTimeout(() => (document.hidden ? (timer = setTimeout(sample, 2000)) : void sample()), 2000);
    };
    void sample();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [key]);
  return stats;
}

function CpuBar({ pct }: { pct: number | undefined }) {
  if (pct === undefined) return <span class="muted">—</span>;
  return (
    <span class="cpu" title={`${pct.toFixed(1)} % of its vCPUs`}>
      <span class="bar"><span style={{ width: `${Math.max(2, pct)}%` }} /></span>
      <span class="num">{pct.toFixed(0)} %</span>
    </span>
  );
}

export function VmList(props: { domains: DomainSummary[] | undefined; notify: Notify; methods: Set<string> }) {
  const { domains, notify } = props;
  const stats = useStats(domains);
  return (
    <section>
      <div class="page-head">
        <h1>Virtual machines</h1>
        <a class="button primary" href="#/new">+ Create virtual machine</a>
      </div>
      <HostOverview running={(domains ?? []).filter((d) => d.id !== null).length} total={domains?.length ?? 0} />
      {domains === undefined ? (
        <p class="muted">Loading…</p>
      ) : domains.length === 0 ? (
        <div class="empty">
          <p>No virtual machines yet.</p>
          <a class="button primary" href="#/new">Create the first one</a>
        </div>
      ) : (
        <table class="grid vm-list">
          <thead>
            <tr><th>Name</th><th>State</th><th>vCPUs</th><th>Memory</th><th>CPU usage</th><th>Actions</th></tr>
          </thead>
          <tbody>
            {domains.map((d) => {
              const s = stats.get(d.name);
              return (
                <tr data-vm={d.name} key={d.uuid}>
                  <td><a class="vm-name" href={`#/vm/${encodeURIComponent(d.name)}`}>{d.name}</a>{d.title && <div class="muted small">{d.title}</div>}</td>
                  <td><span class={`state state-${d.state}`} data-state={d.state}>{STATE_TEXT[d.state]}</span></td>
                  <td>{s?.vcpus ?? '—'}</td>
                  <td>{s ? memText(s.maxMemoryKiB) : '—'}</td>
                  <td><CpuBar pct={s?.cpuPct} /></td>
                  <td><VmActions dom={d} notify={notify} compact /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
