// Host devices: the host's PCI devices with their IOMMU groups (and whether a group could
// go to a guest now), Ethernet devices with their full addresses (lspci -D | grep -i
// ethernet), and the number of SR-IOV virtual functions of each physical function.
import { useState } from 'preact/hooks';
import type { NodedevSummary } from '../../src/protocol/methods-nodedev.js';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import { useLoaded } from './use-loaded.js';

export function viabilityText(d: NodedevSummary): string {
  if (d.bridge) return 'bridge: cannot be assigned';
  if (d.iommuGroup === undefined) return 'no IOMMU group';
  if (d.groupViable) return 'viable';
  return `not viable: ${(d.groupBlockers ?? []).map((b) => `${b.address} (${b.driver ?? 'no driver'})`).join(', ')} also in group`;
}

export function HostdevPage(props: { notify: Notify; eventTick: number }) {
  const { notify } = props;
  const [ethernet, setEthernet] = useState(false);
  const [busy, setBusy] = useState(false);
  const [wanted, setWanted] = useState<Record<string, number>>({});
  const { value: devs, error, reload } = useLoaded(
    async () => (await call('nodedev.list', ethernet ? { cap: 'pci', class: 'ethernet' } : { cap: 'pci' })).devices,
    [ethernet, props.eventTick], notify);

  const setVfs = async (d: NodedevSummary) => {
    const n = wanted[d.name] ?? d.numVfs ?? 0;
    setBusy(true);
    try {
      const r = await call('nodedev.setSriov', { name: d.name, numVfs: n });
      notify('info', n === 0 ? `${d.address} has no VFs now` : `${d.address} has ${r.vfs.length} VFs: ${r.vfs.join(', ')}`);
    } catch (e) {
      notify('error', `SR-IOV on ${d.address}: ${errorText(e)}`);
    } finally {
      setBusy(false);
      reload();
    }
  };

  return (
    <section>
      <div class="page-head"><h1>Host devices</h1><span class="grow" />
        <label class="inline"><input type="checkbox" name="only-ethernet" checked={ethernet} onChange={(e) => setEthernet((e.target as HTMLInputElement).checked)} /> Ethernet devices only</label>
        <button onClick={reload}>Refresh</button>
      </div>
      {error && <div class="form-error">{error}</div>}
      {devs === undefined ? <p class="muted">Loading…</p> : devs.length === 0 ? <div class="empty"><p>No {ethernet ? 'Ethernet ' : ''}PCI devices.</p></div> : (
        <table class="grid hostdevs">
          <thead><tr><th>Address</th><th>Class</th><th>Device</th><th>Driver</th><th>IOMMU group</th><th>SR-IOV</th><th>Used by</th></tr></thead>
          <tbody>{devs.map((d) => (
            <tr key={d.name} data-address={d.address}>
              <td><code>{d.address}</code></td>
              <td>{d.className ?? `0x${(d.classCode ?? 0).toString(16).padStart(6, '0')}`}</td>
              <td>{[d.vendor, d.product].filter(Boolean).join(' ') || '—'}</td>
              <td>{d.driver ?? '—'}</td>
              <td class="group" data-viable={String(!!d.groupViable)}>{d.iommuGroup ?? '—'} <span class="muted small">{viabilityText(d)}</span></td>
              <td class="sriov">{d.totalVfs !== undefined ? (
                <span class="vfs">
                  <input type="number" name={`vfs-${d.address}`} min={0} max={d.totalVfs} value={wanted[d.name] ?? d.numVfs ?? 0}
                    onInput={(e) => setWanted({ ...wanted, [d.name]: Number((e.target as HTMLInputElement).value) })} />
                  <span class="muted"> of {d.totalVfs} VFs</span>
                  <button class="small" name={`set-vfs-${d.address}`} disabled={busy} onClick={() => setVfs(d)}>Set</button>
                </span>
              ) : d.physfn ? <span class="muted">VF of <code>{d.physfn}</code></span> : '—'}</td>
              <td>{d.usedBy ?? '—'}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
