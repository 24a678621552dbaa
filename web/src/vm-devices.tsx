// Disks, NICs and host devices of a VM, read from its live XML. Remove and link up/down
// appear when the daemon has the device and interface methods.
import { useState } from 'preact/hooks';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import type { DomainView } from './domain-xml.js';
import { AddDevice, type AddKind } from './vm-add-device.js';

export function DeviceTables(props: { name: string; live: DomainView; running: boolean; methods: Set<string>; notify: Notify; onChanged: () => void }) {
  const { name, live, methods, notify } = props;
  const [busy, setBusy] = useState(false);
  const [adding, setAdding] = useState<AddKind | undefined>();
  const canAttach = methods.has('domain.attachDevice');
  const addButton = (kind: AddKind, label: string, needs: string) => canAttach && methods.has(needs) && (
    <button class="small" name={`add-${kind}`} disabled={busy} onClick={() => setAdding(adding === kind ? undefined : kind)}>+ {label}</button>
  );
  const dialog = (kind: AddKind) => adding === kind && (
    <AddDevice kind={kind} name={name} live={live} notify={notify} onDone={(changed) => { setAdding(undefined); if (changed) props.onChanged(); }} />
  );
  const canDetach = methods.has('domain.detachDevice');
  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      notify('info', what);
      props.onChanged();
    } catch (e) {
      notify('error', `${what}: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const detach = (xml: string, label: string) =>
    confirm(`Remove ${label} from ${name}?`) && act(`Removed ${label}`, () => call('domain.detachDevice', { domain: name, xml, persistent: true }));
  return (
    <div class="stack">
      <div class="card">
        <div class="page-head"><h2>Disks</h2><span class="grow" />{addButton('disk', 'Add disk', 'vol.list')}</div>
        {dialog('disk')}
        {live.disks.length === 0 ? <p class="muted">No disks.</p> : (
          <table class="grid">
            <thead><tr><th>Target</th><th>Device</th><th>Bus</th><th>Format</th><th>Source</th>{canDetach && <th />}</tr></thead>
            <tbody>{live.disks.map((d) => (
              <tr><td>{d.target}</td><td>{d.device}</td><td>{d.bus}</td><td>{d.format}</td><td><code>{d.source || '(empty)'}</code></td>
                {canDetach && <td><button class="small danger" disabled={busy} onClick={() => detach(d.xml, `disk ${d.target}`)}>Remove</button></td>}</tr>
            ))}</tbody>
          </table>
        )}
      </div>
      <div class="card">
        <div class="page-head"><h2>Network interfaces</h2><span class="grow" />{addButton('nic', 'Add network interface', 'network.list')}</div>
        {dialog('nic')}
        {live.nics.length === 0 ? <p class="muted">No network interfaces.</p> : (
          <table class="grid">
            <thead><tr><th>MAC</th><th>Type</th><th>Source</th><th>Model</th><th>Host device</th><th>Link</th>{canDetach && <th />}</tr></thead>
            <tbody>{live.nics.map((n) => (
              <tr><td><code>{n.mac}</code></td><td>{n.type}</td><td>{n.source}</td><td>{n.model}</td><td>{n.target || '—'}</td>
                <td>{n.link}{props.running && methods.has('domain.setInterfaceLink') && (
                  <button class="small" disabled={busy} onClick={() => act(`Link of ${n.mac} set ${n.link === 'up' ? 'down' : 'up'}`, () => call('domain.setInterfaceLink', { domain: name, iface: n.mac, state: n.link === 'up' ? 'down' : 'up' }))}>
                    Set {n.link === 'up' ? 'down' : 'up'}
                  </button>
                )}</td>
                {canDetach && <td><button class="small danger" disabled={busy} onClick={() => detach(n.xml, `interface ${n.mac}`)}>Remove</button></td>}</tr>
            ))}</tbody>
          </table>
        )}
      </div>
      <div class="card">
        <div class="page-head"><h2>Host devices</h2><span class="grow" />{addButton('hostdev', 'Add PCI device', 'nodedev.list')}</div>
        {dialog('hostdev')}
        {live.hostdevs.length === 0 ? <p class="muted">No host devices assigned.</p> : (
          <table class="grid">
            <thead><tr><th>Type</th><th>Address</th>{canDetach && <th />}</tr></thead>
            <tbody>{live.hostdevs.map((h) => (
              <tr><td>{h.type}</td><td><code>{h.address}</code></td>
                {canDetach && <td><button class="small danger" disabled={busy} onClick={() => detach(h.xml, `host device ${h.address}`)}>Remove</button></td>}</tr>
            ))}</tbody>
          </table>
        )}
      </div>
    </div>
  );
}
