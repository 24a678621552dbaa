// One VM: overview, settings, devices, XML and the two consoles, as virt-manager's
// details window. The XML is reloaded on every event, so changes made elsewhere show.
import { useEffect, useState } from 'preact/hooks';
import { lazy, Suspense } from 'preact/compat';
import type { DomainSummary } from '../../src/protocol/types.js';
import { call, errorText } from './api.js';
import { go, type Notify } from './app.js';
import { readDomain, type DomainView } from './domain-xml.js';
import { STATE_TEXT } from './format.js';
import { VmActions } from './vm-actions.js';
import { Settings, XmlEditor } from './vm-settings.js';
import { DeviceTables } from './vm-devices.js';
import { browserConsole } from './console-graphics.js';
import { VmCharts } from './vm-charts.js';

// consoles pull in noVNC and xterm.js: loaded only when their tab opens
const SerialConsole = lazy(() => import('./console-serial.js').then((m) => m.SerialConsole));
const VncConsole = lazy(() => import('./console-vnc.js').then((m) => m.VncConsole));

const TABS = [
  ['overview', 'Overview'], ['settings', 'Settings'], ['devices', 'Disks & NICs'],
  ['xml', 'XML'], ['serial', 'Serial console'], ['graphics', 'Graphical console'],
] as const;

export function VmDetails(props: { name: string; tab: string; summary: DomainSummary | undefined; methods: Set<string>; notify: Notify; eventTick: number }) {
  const { name, tab, summary, notify } = props;
  const [live, setLive] = useState<DomainView | undefined>();
  const [inactiveXml, setInactiveXml] = useState<string | undefined>();
  const [loadError, setLoadError] = useState('');
  const running = summary ? summary.state !== 'shutoff' && summary.state !== 'crashed' && summary.state !== 'nostate' : false;

  const load = async () => {
    try {
      const [l, i] = await Promise.all([call('domain.getXml', { domain: name }), call('domain.getXml', { domain: name, inactive: true })]);
      setLive(readDomain(l.xml));
      setInactiveXml(i.xml);
      setLoadError('');
    } catch (e) {
      setLoadError(errorText(e));
    }
  };
  useEffect(() => void load(), [name, props.eventTick]);

  if (!summary) {
    return (
      <section>
        <p class="muted">{loadError ? `Cannot show '${name}': ${loadError}` : `No virtual machine named '${name}'.`}</p>
        <a href="#/">Back to the list</a>
      </section>
    );
  }
  const tabs = TABS.filter(([id]) => id !== 'graphics' || live?.graphics);
  const shown = live && browserConsole(name, live.graphicsList);
  return (
    <section>
      <div class="page-head">
        <h1><a class="crumb" href="#/">Virtual machines</a> / {name}</h1>
        <span class={`state state-${summary.state}`} data-state={summary.state}>{STATE_TEXT[summary.state]}</span>
        <span class="grow" />
        <VmActions dom={summary} notify={notify} onDeleted={() => go('/')} />
      </div>
      <nav class="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <a role="tab" aria-selected={tab === id} class={tab === id ? 'active' : ''} href={`#/vm/${encodeURIComponent(name)}/${id}`}>{label}</a>
        ))}
      </nav>
      {loadError && <div class="form-error">{loadError}</div>}
      <div class="tab-body">
        {tab === 'overview' && live && <Overview summary={summary} view={live} notify={notify} />}
        {tab === 'overview' && <VmCharts name={name} running={running} />}
        {tab === 'settings' && inactiveXml && <Settings name={name} xml={inactiveXml} running={running} notify={notify} onSaved={load} />}
        {tab === 'devices' && live && inactiveXml && <DeviceTables name={name} live={live} running={running} methods={props.methods} notify={notify} onChanged={load} />}
        {tab === 'xml' && inactiveXml && <XmlEditor name={name} xml={inactiveXml} running={running} notify={notify} onSaved={load} />}
        {tab === 'graphics' && shown?.kind === 'none' && <p class="muted console-note">{shown.note}</p>}
        {(tab === 'serial' || (tab === 'graphics' && shown?.kind === 'vnc')) && !running && <p class="muted console-off">The virtual machine is not running. Start it to use its console.</p>}
        <Suspense fallback={<p class="muted">Loading console…</p>}>
          {tab === 'serial' && running && <SerialConsole key={`${name}-${summary.id}`} name={name} notify={notify} />}
          {tab === 'graphics' && running && shown?.kind === 'vnc' && <VncConsole key={`${name}-${summary.id}`} name={name} notify={notify} />}
        </Suspense>
      </div>
    </section>
  );
}

function Overview(props: { summary: DomainSummary; view: DomainView; notify: Notify }) {
  const { summary: s, view: v, notify } = props;
  const toggleAutostart = async (on: boolean) => {
    try {
      await call('domain.setAutostart', { domain: s.name, autostart: on });
    } catch (e) {
      notify('error', `Autostart: ${errorText(e)}`);
    }
  };
  const rows: Array<[string, preact.ComponentChildren]> = [
    ['Name', s.name], ['UUID', <code>{s.uuid}</code>], ['State', s.reason && s.reason !== 'unknown' ? `${STATE_TEXT[s.state]} (${s.reason})` : STATE_TEXT[s.state]],
    ['ID', s.id ?? '—'], ['Hypervisor', v.type === 'kvm' ? 'KVM' : 'QEMU (TCG)'], ['vCPUs', v.vcpus], ['Memory', `${v.memoryMiB} MiB`],
    ['Boot', v.kernel ? `kernel ${v.kernel}` : v.bootDevs.join(', ') || 'hd'],
    ['Disks', v.disks.length], ['Network interfaces', v.nics.length], ['Graphics', v.graphics ? v.graphicsList.map((g) => g.type === 'vnc' ? `VNC${v.vncPort && v.vncPort !== '-1' ? ` (proxied; guest port ${v.vncPort} on 127.0.0.1)` : ''}` : `${g.type.toUpperCase()}${g.port && g.port !== '-1' ? ` (port ${g.port}; not shown in the browser)` : ''}`).join(', ') : 'none'],
    ['Persistent', s.persistent ? 'yes' : 'no (transient)'],
  ];
  return (
    <div class="card">
      <dl class="facts">{rows.map(([k, val]) => <><dt>{k}</dt><dd>{val}</dd></>)}</dl>
      <label class="inline"><input type="checkbox" name="autostart" checked={s.autostart} disabled={!s.persistent} onChange={(e) => toggleAutostart((e.target as HTMLInputElement).checked)} /> Start this virtual machine when tsvirtd starts (autostart)</label>
    </div>
  );
}
