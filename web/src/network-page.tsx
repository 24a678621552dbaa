// Virtual networks, as virt-manager's "Virtual Networks" tab: the list with start, stop,
// autostart and delete, a form for a new NAT or isolated network, and the DHCP leases.
import { useEffect, useState } from 'preact/hooks';
import type { NetLease, NetSummary } from '../../src/protocol/methods-network.js';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import { NAME_RE } from './format.js';
import { byName, useLoaded } from './use-loaded.js';
import { networkXml, suggestDhcpRange, type NewNetwork } from './resource-xml.js';

export function NetworkPage(props: { network?: string; notify: Notify; eventTick: number }) {
  const { notify } = props;
  const [adding, setAdding] = useState(false);
  const { value: nets, error, reload, tick, act } = useLoaded(() => call('network.list', {}).then((r) => byName(r.networks)), [props.eventTick], notify);
  const selected = nets?.find((n) => n.name === props.network);
  return (
    <section>
      <div class="page-head"><h1>Virtual networks</h1><span class="grow" />
        <button name="add-network" onClick={() => setAdding(!adding)}>+ Add network</button>
        <button onClick={reload}>Refresh</button>
      </div>
      {error && <div class="form-error">{error}</div>}
      {adding && <AddNetwork notify={notify} onDone={() => { setAdding(false); reload(); }} />}
      {nets === undefined ? <p class="muted">Loading…</p> : nets.length === 0 ? <div class="empty"><p>No virtual networks yet.</p></div> : (
        <table class="grid networks">
          <thead><tr><th>Name</th><th>State</th><th>Bridge</th><th>Autostart</th><th>Persistent</th><th /></tr></thead>
          <tbody>{nets.map((n) => (
            <tr key={n.name} data-network={n.name} class={n.name === props.network ? 'selected' : ''}>
              <td><a class="vm-name" href={`#/networks/${encodeURIComponent(n.name)}`}>{n.name}</a></td>
              <td><span class={`state ${n.active ? 'state-running' : 'state-shutoff'}`}>{n.active ? 'active' : 'inactive'}</span></td>
              <td><code>{n.bridge}</code></td>
              <td><input type="checkbox" aria-label={`autostart ${n.name}`} checked={n.autostart} disabled={!n.persistent}
                onChange={(e) => act(`Autostart of ${n.name} ${(e.target as HTMLInputElement).checked ? 'on' : 'off'}`, () => call('network.setAutostart', { network: n.name, autostart: (e.target as HTMLInputElement).checked }))} /></td>
              <td>{n.persistent ? 'yes' : 'no'}</td>
              <td class="actions">
                {n.active
                  ? <button class="small" onClick={() => act(`Stopped network ${n.name}`, () => call('network.destroy', { network: n.name }))}>Stop</button>
                  : <button class="small" onClick={() => act(`Started network ${n.name}`, () => call('network.start', { network: n.name }))}>Start</button>}
                {!n.active && n.persistent && <button class="small danger" onClick={() => confirm(`Delete network ${n.name}?`) && act(`Deleted network ${n.name}`, () => call('network.undefine', { network: n.name }))}>Delete</button>}
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {selected && <Leases key={selected.name} net={selected} eventTick={props.eventTick + tick} notify={notify} />}
    </section>
  );
}

function Leases(props: { net: NetSummary; eventTick: number; notify: Notify }) {
  const { value: leases, error, reload } = useLoaded<NetLease[]>(
    async () => (props.net.active ? (await call('network.getLeases', { network: props.net.name })).leases : []),
    [props.net.name, props.net.active, props.eventTick], props.notify);
  useEffect(() => {
    // leases come from dnsmasq, which sends no events: look again every few seconds while shown
    const timer = setInterval(reload, 3000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div class="card leases">
      <div class="page-head"><h2>DHCP leases of {props.net.name}</h2><span class="grow" />
        <button class="small" onClick={reload}>Refresh</button>
      </div>
      {error && <div class="form-error">{error}</div>}
      {!props.net.active ? <p class="muted">The network is not active.</p> : leases && leases.length === 0 ? <p class="muted">No leases.</p> : leases && (
        <table class="grid">
          <thead><tr><th>Expiry</th><th>MAC address</th><th>IP address</th><th>Hostname</th></tr></thead>
          <tbody>{leases.map((l) => (
            <tr><td>{new Date(l.expiry * 1000).toLocaleString()}</td><td><code>{l.mac}</code></td><td><code>{l.ip}/{l.prefix}</code></td><td>{l.hostname ?? '—'}</td></tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}

const INITIAL: NewNetwork = { name: '', mode: 'nat', address: '192.168.100.1', prefix: 24, dhcpStart: '192.168.100.2', dhcpEnd: '192.168.100.254' };

function AddNetwork(props: { notify: Notify; onDone: () => void }) {
  const [n, setN] = useState<NewNetwork>(INITIAL);
  const [dhcp, setDhcp] = useState(true);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof NewNetwork>(k: K, v: NewNetwork[K]) => setN((old) => {
    const next = { ...old, [k]: v };
    if (k === 'address' || k === 'prefix') {
      const r = suggestDhcpRange(next.address, next.prefix);
      if (r) Object.assign(next, { dhcpStart: r.start, dhcpEnd: r.end });
    }
    return next;
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!NAME_RE.test(n.name)) return setError('The network name may use letters, digits and _ . + - only.');
    setBusy(true);
    setError('');
    const xml = networkXml(dhcp ? n : { ...n, dhcpStart: '', dhcpEnd: '' });
    try {
      await call('network.define', { xml });
      try {
        await call('network.start', { network: n.name });
      } catch (err) {
        await call('network.undefine', { network: n.name }).catch(() => undefined); // leave nothing half-made
        throw err;
      }
      props.notify('info', `Created network ${n.name}`);
      props.onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const text = (k: 'name' | 'address' | 'dhcpStart' | 'dhcpEnd') => (e: Event) => set(k, (e.target as HTMLInputElement).value);
  return (
    <form class="card form dialog" name="add-network" onSubmit={submit}>
      <h2>Add a virtual network</h2>
      <div class="row">
        <label>Name <input name="net-name" value={n.name} onInput={text('name')} placeholder="e.g. lab" /></label>
        <label>Mode
          <select name="net-mode" value={n.mode} onChange={(e) => set('mode', (e.target as HTMLSelectElement).value as NewNetwork['mode'])}>
            <option value="nat">NAT (guests reach out through the host)</option>
            <option value="isolated">Isolated (guests and host only)</option>
          </select>
        </label>
      </div>
      <div class="row">
        <label>Host address <input name="net-address" value={n.address} onInput={text('address')} /></label>
        <label>Prefix <input name="net-prefix" type="number" min={8} max={30} value={n.prefix} onInput={(e) => set('prefix', Number((e.target as HTMLInputElement).value))} /></label>
      </div>
      <label class="inline"><input type="checkbox" name="net-dhcp" checked={dhcp} onChange={(e) => setDhcp((e.target as HTMLInputElement).checked)} /> DHCP for guests</label>
      {dhcp && (
        <div class="row">
          <label>DHCP from <input name="net-dhcp-start" value={n.dhcpStart} onInput={text('dhcpStart')} /></label>
          <label>to <input name="net-dhcp-end" value={n.dhcpEnd} onInput={text('dhcpEnd')} /></label>
        </div>
      )}
      {error && <div class="form-error" role="alert">{error}</div>}
      <div class="form-buttons"><span class="grow" /><button type="button" onClick={props.onDone}>Cancel</button><button class="primary" name="create-network" disabled={busy}>Create</button></div>
    </form>
  );
}
