// Storage, as virt-manager's "Storage" tab: pools (start, stop, autostart, add a dir pool)
// and the volumes of the chosen pool (create, upload a file with progress, delete).
import { useState } from 'preact/hooks';
import type { PoolSummary, VolSummary } from '../../src/protocol/methods-storage.js';
import { VOLUME_STREAM_PATH } from '../../src/protocol/paths.js';
import { call, errorText, csrfHeader } from './api.js';
import { go, type Notify } from './app.js';
import { byName, useLoaded } from './use-loaded.js';
import { bytes, NAME_RE, toBytes } from './format.js';
import { dirPoolXml, volumeXml } from './resource-xml.js';

export function StoragePage(props: { pool?: string; notify: Notify; eventTick: number }) {
  const { notify } = props;
  const [adding, setAdding] = useState(false);
  const { value: pools, error, reload, tick, act } = useLoaded(() => call('pool.list', {}).then((r) => byName(r.pools)), [props.eventTick], notify);
  const selected = pools?.find((p) => p.name === props.pool);
  return (
    <section>
      <div class="page-head"><h1>Storage pools</h1><span class="grow" />
        <button name="add-pool" onClick={() => setAdding(!adding)}>+ Add pool</button>
        <button onClick={reload}>Refresh</button>
      </div>
      {error && <div class="form-error">{error}</div>}
      {adding && <AddPool notify={notify} onDone={(name) => { setAdding(false); reload(); if (name) go(`/storage/${encodeURIComponent(name)}`); }} />}
      {pools === undefined ? <p class="muted">Loading…</p> : pools.length === 0 ? <div class="empty"><p>No storage pools yet.</p></div> : (
        <table class="grid pools">
          <thead><tr><th>Name</th><th>Type</th><th>State</th><th>Autostart</th><th>Size</th><th>Used</th><th>Free</th><th>Path</th><th /></tr></thead>
          <tbody>{pools.map((p) => (
            <tr key={p.name} data-pool={p.name} class={p.name === props.pool ? 'selected' : ''}>
              <td><a href={`#/storage/${encodeURIComponent(p.name)}`} class="vm-name">{p.name}</a></td>
              <td>{p.type}</td>
              <td><span class={`state ${p.active ? 'state-running' : 'state-shutoff'}`}>{p.active ? 'active' : 'inactive'}</span></td>
              <td><input type="checkbox" aria-label={`autostart ${p.name}`} checked={p.autostart} disabled={!p.persistent}
                onChange={(e) => act(`Autostart of pool ${p.name} ${(e.target as HTMLInputElement).checked ? 'on' : 'off'}`, () => call('pool.setAutostart', { pool: p.name, autostart: (e.target as HTMLInputElement).checked }))} /></td>
              <td>{p.active ? bytes(p.capacity) : '—'}</td><td>{p.active ? bytes(p.allocation) : '—'}</td><td>{p.active ? bytes(p.available) : '—'}</td>
              <td><code>{p.path}</code></td>
              <td class="actions">
                {p.active
                  ? <button class="small" onClick={() => act(`Stopped pool ${p.name}`, () => call('pool.destroy', { pool: p.name }))}>Stop</button>
                  : <button class="small" onClick={() => act(`Started pool ${p.name}`, () => call('pool.start', { pool: p.name }))}>Start</button>}
                {!p.active && p.persistent && <button class="small danger" onClick={() => confirm(`Remove the definition of pool ${p.name}? Its files stay.`) && act(`Removed pool ${p.name}`, () => call('pool.undefine', { pool: p.name }))}>Remove</button>}
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {selected && <Volumes key={selected.name} pool={selected} notify={notify} eventTick={props.eventTick + tick} onChanged={reload} />}
    </section>
  );
}

function AddPool(props: { notify: Notify; onDone: (name?: string) => void }) {
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!NAME_RE.test(name)) return setError('The pool name may use letters, digits and _ . + - only.');
    if (!path.startsWith('/')) return setError('The folder must be an absolute path.');
    setBusy(true);
    setError('');
    try {
      await call('pool.define', { xml: dirPoolXml(name, path) });
      try {
        await call('pool.build', { pool: name });
        await call('pool.start', { pool: name });
        await call('pool.setAutostart', { pool: name, autostart: true });
      } catch (err) {
        await call('pool.undefine', { pool: name }).catch(() => undefined); // leave nothing half-made
        throw err;
      }
      props.notify('info', `Created pool ${name}`);
      props.onDone(name);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form dialog" name="add-pool" onSubmit={submit}>
      <h2>Add a storage pool (a folder of disk images)</h2>
      <div class="row">
        <label>Name <input name="pool-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="e.g. fast" /></label>
        <label class="grow">Folder <input name="pool-path" value={path} onInput={(e) => setPath((e.target as HTMLInputElement).value)} placeholder="/var/lib/tsvirt/fast" /></label>
      </div>
      {error && <div class="form-error" role="alert">{error}</div>}
      <div class="form-buttons"><span class="grow" /><button type="button" onClick={() => props.onDone()}>Cancel</button><button class="primary" name="create-pool" disabled={busy}>Create</button></div>
    </form>
  );
}

function Volumes(props: { pool: PoolSummary; notify: Notify; eventTick: number; onChanged: () => void }) {
  const { pool, notify } = props;
  const [adding, setAdding] = useState(false);
  const [upload, setUpload] = useState<{ vol: string; done: number; total: number } | undefined>();
  const { value: vols, error, reload, act } = useLoaded(
    async () => (pool.active ? byName((await call('vol.list', { pool: pool.name })).volumes) : []),
    [pool.name, pool.active, props.eventTick], notify);
  const changed = () => { reload(); props.onChanged(); };
  const del = (v: VolSummary) => confirm(`Delete volume ${v.name}? Its data is lost.`) &&
    act(`Deleted volume ${v.name}`, () => call('vol.delete', { pool: pool.name, vol: v.name })).then(props.onChanged);
  const startUpload = (v: VolSummary, file: File) => {
    setUpload({ vol: v.name, done: 0, total: file.size });
    // XHR, not fetch: only XHR reports upload progress
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `${VOLUME_STREAM_PATH}?pool=${encodeURIComponent(pool.name)}&vol=${encodeURIComponent(v.name)}`);
    for (const [k, val] of Object.entries(csrfHeader())) xhr.setRequestHeader(k, val);
    xhr.upload.onprogress = (e) => setUpload({ vol: v.name, done: e.loaded, total: e.total || file.size });
    xhr.onloadend = () => {
      setUpload(undefined);
      if (xhr.status === 200) notify('info', `Uploaded ${file.name} to ${v.name}`);
      else {
        let msg = `HTTP ${xhr.status || 'error'}`;
        try { msg = JSON.parse(xhr.responseText).error.message; } catch { /* not JSON */ }
        notify('error', `Upload to ${v.name}: ${msg}`);
      }
      changed();
    };
    xhr.send(file);
  };

  return (
    <div class="card volumes">
      <div class="page-head"><h2>Volumes in {pool.name}</h2><span class="grow" />
        {pool.active && <button name="add-volume" onClick={() => setAdding(!adding)}>+ New volume</button>}
      </div>
      {!pool.active && <p class="muted">The pool is not active. Start it to see its volumes.</p>}
      {error && <div class="form-error">{error}</div>}
      {adding && <AddVolume pool={pool.name} notify={notify} onDone={() => { setAdding(false); changed(); }} />}
      {upload && (
        <div class="progress" data-vol={upload.vol}>
          Uploading to {upload.vol}: <progress max={upload.total} value={upload.done} /> {Math.floor((100 * upload.done) / Math.max(1, upload.total))}%
        </div>
      )}
      {vols && vols.length === 0 && pool.active && <p class="muted">No volumes.</p>}
      {vols && vols.length > 0 && (
        <table class="grid">
          <thead><tr><th>Name</th><th>Format</th><th>Capacity</th><th>Allocation</th><th>Path</th><th /></tr></thead>
          <tbody>{vols.map((v) => (
            <tr key={v.name} data-vol={v.name}>
              <td>{v.name}</td><td>{v.format}</td><td>{bytes(v.capacity)}</td><td>{bytes(v.allocation)}</td><td><code>{v.path}</code></td>
              <td class="actions">
                <label class="button small upload">Upload…<input type="file" name={`upload-${v.name}`} hidden disabled={!!upload}
                  onChange={(e) => {
                    const input = e.target as HTMLInputElement;
                    const f = input.files?.[0];
                    input.value = ''; // the same file may be chosen again
                    if (f) startUpload(v, f);
                  }} /></label>
                <button class="small danger" onClick={() => del(v)}>Delete</button>
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}

function AddVolume(props: { pool: string; notify: Notify; onDone: () => void }) {
  const [name, setName] = useState('');
  const [size, setSize] = useState(1);
  const [unit, setUnit] = useState('GiB');
  const [format, setFormat] = useState('qcow2');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!NAME_RE.test(name)) return setError('The volume name may use letters, digits and _ . + - only.');
    if (!(size > 0)) return setError('The size must be more than 0.');
    try {
      await call('vol.create', { pool: props.pool, xml: volumeXml(name, toBytes(size, unit), format) });
      props.notify('info', `Created volume ${name}`);
      props.onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="form dialog" name="add-volume" onSubmit={submit}>
      <div class="row">
        <label class="grow">Name <input name="vol-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="e.g. data.qcow2" /></label>
        <label>Size <input name="vol-size" type="number" min={0} step="any" value={size} onInput={(e) => setSize(Number((e.target as HTMLInputElement).value))} /></label>
        <label>Unit <select name="vol-unit" value={unit} onChange={(e) => setUnit((e.target as HTMLSelectElement).value)}><option>MiB</option><option>GiB</option><option>TiB</option></select></label>
        <label>Format <select name="vol-format" value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value)}><option>qcow2</option><option>raw</option></select></label>
      </div>
      {error && <div class="form-error" role="alert">{error}</div>}
      <div class="form-buttons"><span class="grow" /><button type="button" onClick={props.onDone}>Cancel</button><button class="primary" name="create-volume">Create</button></div>
    </form>
  );
}
