// Start / shut down / force off / reboot / pause / resume / delete buttons for one domain,
// enabled by its state as in virt-manager. Errors from the daemon become messages.
import { useState } from 'preact/hooks';
import type { DomainSummary } from '../../src/protocol/types.js';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import { isActive } from './format.js';
import { DeleteVm } from './vm-delete.js';

type Action = {
  label: string; title: string; when: (s: DomainSummary['state']) => boolean; run: (name: string) => Promise<unknown>; danger?: boolean;
  /** asked first (virt-manager's wording); no runs nothing */
  confirm?: (name: string) => string;
};

export const ACTIONS: Action[] = [
  { label: 'Start', title: 'Power on the virtual machine', when: (s) => s === 'shutoff' || s === 'crashed' || s === 'nostate', run: (d) => call('domain.start', { domain: d }) },
  { label: 'Resume', title: 'Resume the paused virtual machine', when: (s) => s === 'paused', run: (d) => call('domain.resume', { domain: d }) },
  { label: 'Pause', title: 'Pause the virtual CPUs', when: (s) => s === 'running' || s === 'blocked', run: (d) => call('domain.suspend', { domain: d }) },
  { label: 'Shut down', title: 'Ask the guest OS to power off (ACPI)', when: (s) => s === 'running' || s === 'blocked', run: (d) => call('domain.shutdown', { domain: d }) },
  { label: 'Reboot', title: 'Ask the guest OS to reboot', when: (s) => s === 'running' || s === 'blocked', run: (d) => call('domain.reboot', { domain: d }) },
  { label: 'Force off', title: 'Pull the plug: stop the virtual machine now', when: isActive, run: (d) => call('domain.destroy', { domain: d }), danger: true,
    confirm: (d) => `Are you sure you want to force off '${d}'?\n\nThis stops it at once, like pulling the plug: what the guest has not written to disk is lost.` },
];

export function VmActions(props: { dom: DomainSummary; notify: Notify; onDeleted?: () => void; compact?: boolean }) {
  const { dom, notify } = props;
  const [busy, setBusy] = useState<string | undefined>();
  const [deleting, setDeleting] = useState(false);
  const run = async (label: string, fn: () => Promise<unknown>) => {
    setBusy(label);
    try {
      await fn();
    } catch (e) {
      notify('error', `${label} ${dom.name}: ${errorText(e)}`);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div class={`actions ${props.compact ? 'compact' : ''}`}>
      {ACTIONS.filter((a) => a.when(dom.state)).map((a) => (
        <button class={a.danger ? 'danger' : ''} title={a.title} disabled={!!busy} onClick={() => (!a.confirm || confirm(a.confirm(dom.name))) && run(a.label, () => a.run(dom.name))}>
          {busy === a.label ? `${a.label}…` : a.label}
        </button>
      ))}
      <button class="danger" title="Force off if running, then remove the definition (and, if you choose, its storage)" disabled={!!busy} onClick={() => setDeleting(true)}>Delete</button>
      {deleting && <DeleteVm dom={dom} notify={notify} onClose={(deleted) => { setDeleting(false); if (deleted) props.onDeleted?.(); }} />}
    </div>
  );
}
