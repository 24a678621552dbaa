// "Add hardware", as virt-manager's dialog: a disk from a pool's volumes, a NIC on a
// virtual network, or a PCI host device (each shown with its IOMMU group and whether the
// group is viable). The result is one device's XML for domain.attachDevice: live when the
// VM runs, and always in its definition.
import { useEffect, useState } from 'preact/hooks';
import type { NodedevSummary } from '../../src/protocol/methods-nodedev.js';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import type { DomainView } from './domain-xml.js';
import { viabilityText } from './hostdev-page.js';
import { networkNicXml, nextDiskTarget, pciHostdevXml, volumeDiskXml } from './resource-xml.js';

export type AddKind = 'disk' | 'nic' | 'hostdev';
interface Choice { value: string; label: string; disabled?: boolean }

export function AddDevice(props: { kind: AddKind; name: string; live: DomainView; notify: Notify; onDone: (changed: boolean) => void }) {
  const { kind, live } = props;
  const [choices, setChoices] = useState<Choice[] | undefined>();
  const [choice, setChoice] = useState('');
  const [bus, setBus] = useState('virtio');
  const [model, setModel] = useState('virtio');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    (async () => {
      const out: Choice[] = [];
      if (kind === 'disk') {
        // a disk names its volume by path (type='file') or as POOL/VOLUME (type='volume')
        const used = new Set(live.disks.map((d) => d.source));
        for (const p of (await call('pool.list', {})).pools.filter((x) => x.active)) {
          for (const v of (await call('vol.list', { pool: p.name })).volumes) {
            const attached = used.has(v.path) || used.has(`${p.name}/${v.name}`);
            out.push({ value: `${p.name}/${v.name}`, label: `${p.name}/${v.name} (${v.format})${attached ? ' — already attached' : ''}`, disabled: attached });
          }
        }
      } else if (kind === 'nic') {
        for (const n of (await call('network.list', {})).networks) out.push({ value: n.name, label: `${n.name}${n.active ? '' : ' (inactive)'}` });
      } else {
        const assigned = new Set(live.hostdevs.map((h) => h.address));
        for (const d of (await call('nodedev.list', { cap: 'pci' })).devices as NodedevSummary[]) {
          if (d.bridge || !d.address) continue;
          const taken = d.usedBy ? ` — used by ${d.usedBy}` : assigned.has(d.address) ? ' — already assigned' : '';
          out.push({
            value: d.address,
            label: `${d.address} ${d.className ?? ''} ${d.product ?? ''} · IOMMU group ${d.iommuGroup ?? '—'}: ${viabilityText(d)}${taken}`,
            disabled: !!taken || d.iommuGroup === undefined,
          });
        }
      }
      setChoices(out);
      setChoice(out.find((c) => !c.disabled)?.value ?? '');
    })().catch((e) => setError(errorText(e)));
  }, [kind]);

  const xml = (): string => {
    if (kind === 'disk') {
      const [pool, ...rest] = choice.split('/');
      return volumeDiskXml(pool!, rest.join('/'), nextDiskTarget(live.disks.map((d) => d.target), bus), bus);
    }
    if (kind === 'nic') return networkNicXml(choice, model);
    return pciHostdevXml(choice);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!choice) return setError('Choose what to add.');
    setBusy(true);
    setError('');
    try {
      await call('domain.attachDevice', { domain: props.name, xml: xml(), persistent: true });
      props.notify('info', `Added ${kind === 'disk' ? `disk ${choice}` : kind === 'nic' ? `a NIC on ${choice}` : `PCI device ${choice}`} to ${props.name}`);
      props.onDone(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const title = kind === 'disk' ? 'Add a disk' : kind === 'nic' ? 'Add a network interface' : 'Add a PCI host device';
  return (
    <form class="card form dialog" name={`add-${kind}`} onSubmit={submit}>
      <h2>{title}</h2>
      {choices === undefined && !error && <p class="muted">Loading…</p>}
      {choices && choices.length === 0 && <p class="muted">{kind === 'disk' ? 'No volumes in active pools: create one on the Storage page.' : kind === 'nic' ? 'No virtual networks.' : 'No PCI devices.'}</p>}
      {choices && choices.length > 0 && (
        <label>{kind === 'disk' ? 'Volume' : kind === 'nic' ? 'Network' : 'PCI device'}
          <select name="device-choice" value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
            {choices.map((c) => <option value={c.value} disabled={c.disabled}>{c.label}</option>)}
          </select>
        </label>
      )}
      {kind === 'disk' && (
        <label>Bus <select name="disk-bus" value={bus} onChange={(e) => setBus((e.target as HTMLSelectElement).value)}><option>virtio</option><option>scsi</option><option>sata</option></select></label>
      )}
      {kind === 'nic' && (
        <label>Model <select name="nic-model" value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}><option>virtio</option><option>e1000</option><option>rtl8139</option></select></label>
      )}
      {kind === 'hostdev' && <p class="muted small">The device is bound to vfio-pci when the VM starts and given back to its driver when it stops. Every other device of its IOMMU group must be unused by the host (viable).</p>}
      {error && <div class="form-error" role="alert">{error}</div>}
      <div class="form-buttons"><span class="grow" /><button type="button" onClick={() => props.onDone(false)}>Cancel</button><button class="primary" name="add-device" disabled={busy || !choice}>Add</button></div>
    </form>
  );
}
