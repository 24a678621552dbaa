// "Delete virtual machine", as virt-manager's: forced off if it runs, its definition
// removed and, when asked, the storage volumes behind the chosen disks deleted by the
// daemon (domain.undefine with storage, as `virsh undefine --storage`). CD-ROMs are kept;
// a disk that is no tsvirt volume is reported back, not removed.
import { useEffect, useState } from 'preact/hooks';
import type { DomainSummary } from '../../src/protocol/types.js';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import { readDomain, type DiskView } from './domain-xml.js';
import { isActive } from './format.js';

export function DeleteVm(props: { dom: DomainSummary; notify: Notify; onClose: (deleted: boolean) => void }) {
  const { dom, notify } = props;
  const [disks, setDisks] = useState<DiskView[] | undefined>();
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [withStorage, setWithStorage] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!dom.persistent) return setDisks([]); // a transient domain has no definition to undefine with its storage
    call('domain.getXml', { domain: dom.name, inactive: true }).then((r) => {
      const list = readDomain(r.xml).disks.filter((d) => d.device !== 'cdrom' && d.source);
      setDisks(list);
      setChosen(new Set(list.map((d) => d.target)));
    }, (e) => { setDisks([]); setError(errorText(e)); });
  }, [dom.name]);

  const del = async () => {
    setBusy(true);
    setError('');
    try {
      if (isActive(dom.state)) await call('domain.destroy', { domain: dom.name });
      const storage = withStorage ? [...chosen] : undefined;
      // its UEFI variables go with it, as virt-manager's delete removes them
      const r = dom.persistent ? await call('domain.undefine', { domain: dom.name, storage, nvram: true }) : {};
      const removed = (r.volumes ?? []).filter((v) => v.removed).length;
      const failed = (r.volumes ?? []).filter((v) => !v.removed).map((v) => v.error);
      if (failed.length) notify('error', `Deleted ${dom.name}, but not all its volumes: ${failed.join('; ')}`);
      else notify('info', `Deleted ${dom.name}${removed ? ` and ${removed} volume${removed > 1 ? 's' : ''}` : ''}`);
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
        {isActive(dom.state) && <p class="hint">It is running and will be forced off.</p>}
        <label class="inline"><input type="checkbox" name="delete-storage" checked={withStorage} disabled={!disks?.length}
          onChange={(e) => setWithStorage((e.target as HTMLInputElement).checked)} /> Also delete its storage volumes</label>
        {disks === undefined && <p class="muted">Looking up its disks…</p>}
        {disks && disks.length === 0 && <p class="muted small">No disks whose storage could be deleted.</p>}
        {disks && disks.length > 0 && withStorage && (
          <ul class="vols">{disks.map((d) => (
            <li><label class="inline"><input type="checkbox" name={`delete-vol-${d.target}`} checked={chosen.has(d.target)} onChange={(e) => {
              const next = new Set(chosen);
              if ((e.target as HTMLInputElement).checked) next.add(d.target); else next.delete(d.target);
              setChosen(next);
            }} /> <code>{d.target}: {d.source}</code></label></li>
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
