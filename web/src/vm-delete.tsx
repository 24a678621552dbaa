// "Delete virtual machine", as virt-manager's: forced off if it runs, its definition
// removed, and, when asked, the storage volumes behind its disks deleted too (as
// `virsh undefine --remove-all-storage`: CD-ROMs and files outside pools are kept).
import { useEffect, useState } from 'preact/hooks';
import type { DomainSummary } from '../../src/protocol/types.js';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import { readDomain } from './domain-xml.js';

interface Vol { target: string; vol: string; pool?: string; label: string }

const running = (s: string) => s === 'running' || s === 'paused' || s === 'blocked' || s === 'pmsuspended' || s === 'shutdown';

export function DeleteVm(props: { dom: DomainSummary; notify: Notify; onClose: (deleted: boolean) => void }) {
  const { dom, notify } = props;
  const [vols, setVols] = useState<Vol[] | undefined>();
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [withStorage, setWithStorage] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    (async () => {
      const view = readDomain((await call('domain.getXml', { domain: dom.name, inactive: dom.persistent })).xml);
      const out: Vol[] = [];
      for (const d of view.disks.filter((x) => x.device !== 'cdrom' && x.source)) {
        const [pool, volume] = d.type === 'volume' ? d.source.split('/') : [undefined, d.source];
        // only volumes tsvirt manages can be deleted through it
        const found = await call('vol.lookup', { vol: volume!, pool }).then(() => true, () => false);
        if (found) out.push({ target: d.target, vol: volume!, pool, label: `${d.target}: ${d.source}` });
      }
      setVols(out);
      setChosen(new Set(out.map((v) => v.target)));
    })().catch((e) => { setVols([]); setError(errorText(e)); });
  }, [dom.name]);

  const del = async () => {
    setBusy(true);
    setError('');
    try {
      if (running(dom.state)) await call('domain.destroy', { domain: dom.name });
      if (dom.persistent) await call('domain.undefine', { domain: dom.name });
      const failed: string[] = [];
      for (const v of withStorage ? (vols ?? []).filter((x) => chosen.has(x.target)) : []) {
        await call('vol.delete', { vol: v.vol, pool: v.pool }).catch((e) => failed.push(`${v.label} (${errorText(e)})`));
      }
      if (failed.length) notify('error', `Deleted ${dom.name}, but not its volumes ${failed.join(', ')}`);
      else notify('info', `Deleted ${dom.name}${withStorage && chosen.size ? ` and ${chosen.size} volume${chosen.size > 1 ? 's' : ''}` : ''}`);
      props.onClose(true);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <div class="modal-back" role="dialog" aria-modal="true" aria-label={`Delete ${dom.name}`}>
      <div class="card modal form">
        <h2>Delete the virtual machine '{dom.name}'?</h2>
        {running(dom.state) && <p class="hint">It is running and will be forced off.</p>}
        <label class="inline"><input type="checkbox" name="delete-storage" checked={withStorage} disabled={!vols?.length}
          onChange={(e) => setWithStorage((e.target as HTMLInputElement).checked)} /> Also delete its storage volumes</label>
        {vols === undefined && <p class="muted">Looking up its disks…</p>}
        {vols && vols.length === 0 && <p class="muted small">It has no disks in storage pools; disk images elsewhere are kept.</p>}
        {vols && vols.length > 0 && withStorage && (
          <ul class="vols">{vols.map((v) => (
            <li><label class="inline"><input type="checkbox" name={`delete-vol-${v.target}`} checked={chosen.has(v.target)} onChange={(e) => {
              const next = new Set(chosen);
              if ((e.target as HTMLInputElement).checked) next.add(v.target); else next.delete(v.target);
              setChosen(next);
            }} /> <code>{v.label}</code></label></li>
          ))}</ul>
        )}
        {error && <div class="form-error" role="alert">{error}</div>}
        <div class="form-buttons"><span class="grow" />
          <button type="button" onClick={() => props.onClose(false)} disabled={busy}>Cancel</button>
          <button class="primary danger-bg" name="confirm-delete" onClick={del} disabled={busy}>{busy ? 'Deleting…' : 'Delete'}</button>
        </div>
      </div>
    </div>
  );
}
