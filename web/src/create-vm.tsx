// "Create a new virtual machine": a form whose result is an ordinary domain XML, shown
// before it is sent to domain.define. Pools' volumes and networks are offered when the
// daemon has those APIs.
import { useEffect, useState } from 'preact/hooks';
import { call, errorText } from './api.js';
import { go, type Notify } from './app.js';
import { newVmXml, type NewVm } from './domain-xml.js';
import { NAME_RE, toBytes } from './format.js';
import { volumeXml } from './resource-xml.js';
import { CloudInitFields, NO_CLOUD_INIT, cloudInitParams, cloudInitProblem, type CloudInitChoice } from './create-vm-cloud-init.js';

interface Choice { value: string; label: string }

const INITIAL: NewVm = {
  name: '', type: 'qemu', memoryMiB: 512, vcpus: 1, boot: 'disk', kernel: '', initrd: '', cmdline: 'console=tty0 console=ttyS0',
  disk: '', diskFormat: 'qcow2', cdrom: '', network: '', graphics: true,
};

export function CreateVm(props: { methods: Set<string>; notify: Notify }) {
  const { methods, notify } = props;
  const [v, setV] = useState<NewVm>(INITIAL);
  const [volumes, setVolumes] = useState<Choice[]>([]);
  const [networks, setNetworks] = useState<Choice[]>([]);
  const [kvm, setKvm] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [showXml, setShowXml] = useState(false);
  const [pools, setPools] = useState<string[]>([]);
  /** a new volume for the disk: made in `pool` before the domain is defined */
  const [newVol, setNewVol] = useState<{ on: boolean; pool: string; sizeGiB: number }>({ on: false, pool: '', sizeGiB: 8 });
  const [cloudInit, setCloudInit] = useState<CloudInitChoice>(NO_CLOUD_INIT);
  const set = <K extends keyof NewVm>(k: K, value: NewVm[K]) => setV((old) => ({ ...old, [k]: value }));

  useEffect(() => {
    call('connect.getCapabilities', {}).then((c) => {
      if (/<domain type=['"]kvm['"]/.test(c.xml)) {
        setKvm(true);
        set('type', 'kvm');
      }
    }, () => undefined);
    if (methods.has('network.list')) {
      call('network.list', {}).then((r) => {
        setNetworks(r.networks.map((n) => ({ value: n.name, label: `${n.name}${n.active ? '' : ' (inactive)'}` })));
        // as virt-manager: the active `default` network, else the first active one, unless one was chosen
        const pick = r.networks.find((n) => n.name === 'default' && n.active) ?? r.networks.find((n) => n.active);
        if (pick) setV((old) => (old.network === '' ? { ...old, network: pick.name } : old));
      }, () => undefined);
    }
    if (methods.has('pool.list') && methods.has('vol.list')) {
      (async () => {
        const out: Choice[] = [];
        const active = (await call('pool.list', {})).pools.filter((p) => p.active);
        setPools(active.map((p) => p.name));
        setNewVol((n) => ({ ...n, pool: n.pool || active[0]?.name || '' }));
        for (const p of active) {
          for (const vol of (await call('vol.list', { pool: p.name })).volumes) out.push({ value: `${vol.path}|${vol.format}`, label: `${p.name}/${vol.name} (${vol.format})` });
        }
        setVolumes(out);
      })().catch(() => undefined);
    }
  }, [methods]);

  const volName = `${v.name || 'vm'}.${v.diskFormat}`;
  const xml = newVmXml(newVol.on ? { ...v, disk: '', diskPool: newVol.pool, diskVolume: volName } : v);
  const problem =
    !v.name.trim() ? 'Give the virtual machine a name.'
    : !NAME_RE.test(v.name) ? 'The name may use letters, digits and _ . + - only.'
    : v.boot === 'kernel' && !v.kernel.trim() ? 'Give the path of the kernel to boot.'
    : newVol.on && !(newVol.sizeGiB > 0) ? 'The new volume needs a size above 0.'
    : newVol.on && !newVol.pool ? 'Choose the pool for the new volume.'
    : v.boot === 'disk' && !newVol.on && !v.disk.trim() && !v.cdrom.trim() ? 'Give a disk image or an ISO to boot from.'
    : !(v.memoryMiB >= 16) ? 'Memory must be at least 16 MiB.'
    : !(v.vcpus >= 1 && Number.isInteger(v.vcpus)) ? 'vCPUs must be a whole number of 1 or more.'
    : cloudInitProblem(cloudInit);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (problem) return setError(problem);
    setBusy(true);
    setError('');
    let madeVol = false;
    try {
      if (newVol.on) {
        await call('vol.create', { pool: newVol.pool, xml: volumeXml(volName, toBytes(newVol.sizeGiB, 'GiB'), v.diskFormat) });
        madeVol = true;
      }
      const d = await call('domain.define', { xml });
      if (cloudInit.on) {
        // a VM whose seed could not be made is not left defined (it would boot unconfigured)
        await call('domain.attachCloudInit', cloudInitParams(d.name, cloudInit)).catch(async (err) => {
          await call('domain.undefine', { domain: d.name }).catch(() => undefined);
          throw err;
        });
      }
      notify('info', `Created ${d.name}${madeVol ? ` with a new ${newVol.sizeGiB} GiB volume ${newVol.pool}/${volName}` : ''}`);
      go(`/vm/${encodeURIComponent(d.name)}`);
    } catch (err) {
      // leave nothing half-made: the volume goes when the domain could not be defined
      if (madeVol) await call('vol.delete', { pool: newVol.pool, vol: volName }).catch(() => undefined);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const num = (k: 'memoryMiB' | 'vcpus') => (e: Event) => set(k, Number((e.target as HTMLInputElement).value));
  const text = (k: 'name' | 'kernel' | 'initrd' | 'cmdline' | 'disk' | 'cdrom') => (e: Event) => set(k, (e.target as HTMLInputElement).value);

  return (
    <section class="narrow">
      <div class="page-head"><h1>Create a virtual machine</h1></div>
      <form class="card form" onSubmit={submit}>
        <fieldset>
          <legend>Name and resources</legend>
          <label>Name <input name="name" value={v.name} onInput={text('name')} placeholder="e.g. web01" autoFocus /></label>
          <div class="row">
            <label>Memory (MiB) <input name="memory" type="number" min={16} step={16} value={v.memoryMiB} onInput={num('memoryMiB')} /></label>
            <label>vCPUs <input name="vcpus" type="number" min={1} max={64} value={v.vcpus} onInput={num('vcpus')} /></label>
            <label>Virtualization
              <select name="virttype" value={v.type} onChange={(e) => set('type', (e.target as HTMLSelectElement).value as NewVm['type'])}>
                <option value="kvm" disabled={!kvm}>KVM (hardware){kvm ? '' : ' — not available'}</option>
                <option value="qemu">QEMU (emulated, TCG)</option>
              </select>
            </label>
          </div>
        </fieldset>
        <fieldset>
          <legend>Boot from</legend>
          <div class="radios">
            <label class="inline"><input type="radio" name="boot" value="disk" checked={v.boot === 'disk'} onChange={() => set('boot', 'disk')} /> Disk image or ISO</label>
            <label class="inline"><input type="radio" name="boot" value="kernel" checked={v.boot === 'kernel'} onChange={() => set('boot', 'kernel')} /> Kernel and initrd (direct boot)</label>
          </div>
          {v.boot === 'kernel' ? (
            <>
              <label>Kernel path <input name="kernel" value={v.kernel} onInput={text('kernel')} placeholder="/var/lib/tsvirt/boot/vmlinuz" /></label>
              <label>Initrd path <input name="initrd" value={v.initrd} onInput={text('initrd')} placeholder="optional" /></label>
              <label>Kernel arguments <input name="cmdline" value={v.cmdline} onInput={text('cmdline')} /></label>
            </>
          ) : (
            <label>ISO image (CD-ROM) <input name="cdrom" value={v.cdrom} onInput={text('cdrom')} placeholder="optional: /path/to/installer.iso" /></label>
          )}
        </fieldset>
        <fieldset>
          <legend>Storage</legend>
          {pools.length > 0 && (
            <div class="row">
              <label class="inline"><input type="checkbox" name="new-volume" checked={newVol.on} onChange={(e) => setNewVol({ ...newVol, on: (e.target as HTMLInputElement).checked })} /> Create a new volume for the disk</label>
              {newVol.on && (
                <>
                  <label>Pool <select name="new-volume-pool" value={newVol.pool} onChange={(e) => setNewVol({ ...newVol, pool: (e.target as HTMLSelectElement).value })}>{pools.map((p) => <option>{p}</option>)}</select></label>
                  <label>Size (GiB) <input name="new-volume-size" type="number" min={0} step="any" value={newVol.sizeGiB} onInput={(e) => setNewVol({ ...newVol, sizeGiB: Number((e.target as HTMLInputElement).value) })} /></label>
                  <span class="muted small">named {volName}</span>
                </>
              )}
            </div>
          )}
          {volumes.length > 0 && !newVol.on && (
            <label>Existing volume
              <select name="volume" onChange={(e) => {
                const [path, fmt] = (e.target as HTMLSelectElement).value.split('|');
                set('disk', path ?? '');
                if (fmt === 'raw' || fmt === 'qcow2') set('diskFormat', fmt);
              }}>
                <option value="">— choose a volume from a pool —</option>
                {volumes.map((c) => <option value={c.value}>{c.label}</option>)}
              </select>
            </label>
          )}
          <div class="row">
            {!newVol.on && <label class="grow">Disk image path <input name="disk" value={v.disk} onInput={text('disk')} placeholder={v.boot === 'kernel' ? 'optional' : '/var/lib/tsvirt/images/disk.qcow2'} /></label>}
            <label>Format
              <select name="diskFormat" value={v.diskFormat} onChange={(e) => set('diskFormat', (e.target as HTMLSelectElement).value as NewVm['diskFormat'])}>
                <option value="qcow2">qcow2</option>
                <option value="raw">raw</option>
              </select>
            </label>
          </div>
        </fieldset>
        {methods.has('domain.attachCloudInit') && pools.length > 0 && <CloudInitFields value={cloudInit} pools={pools} onChange={setCloudInit} />}
        <fieldset>
          <legend>Network and display</legend>
          <label>Network
            <select name="network" value={v.network} onChange={(e) => set('network', (e.target as HTMLSelectElement).value)}>
              <option value="">No network</option>
              {networks.map((c) => <option value={c.value}>{c.label}</option>)}
            </select>
          </label>
          <label class="inline"><input type="checkbox" name="graphics" checked={v.graphics} onChange={(e) => set('graphics', (e.target as HTMLInputElement).checked)} /> Graphical console (VNC, reachable only through tsvirtd)</label>
        </fieldset>
        {(error || problem) && <div class={`form-error ${error ? '' : 'hint'}`} role="alert">{error || problem}</div>}
        <div class="form-buttons">
          <button type="button" class="link" onClick={() => setShowXml(!showXml)}>{showXml ? 'Hide' : 'Show'} XML</button>
          <span class="grow" />
          <a class="button" href="#/">Cancel</a>
          <button type="submit" class="primary" name="create" disabled={busy}>{busy ? 'Creating…' : 'Create'}</button>
        </div>
        {showXml && <pre class="xml-preview">{xml}</pre>}
      </form>
    </section>
  );
}
