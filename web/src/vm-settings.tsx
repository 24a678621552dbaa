// Settings and XML tabs: both end in domain.define of the whole inactive XML, so what
// the daemon checks (schema, model, devices) is checked here too and shown as the error.
import { useEffect, useState } from 'preact/hooks';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';
import { editSettings, readDomain } from './domain-xml.js';

const BOOT_DEVS = [['hd', 'Hard disk'], ['cdrom', 'CD-ROM'], ['network', 'Network (PXE)'], ['fd', 'Floppy']] as const;

const nextBootHint = (running: boolean) => running && <p class="hint">The virtual machine is running: changes apply at its next start.</p>;

export function Settings(props: { name: string; xml: string; running: boolean; notify: Notify; onSaved: () => void }) {
  const v = readDomain(props.xml);
  const [mem, setMem] = useState(v.memoryMiB);
  const [vcpus, setVcpus] = useState(v.vcpus);
  const [boot, setBoot] = useState<string[]>(v.bootDevs.length ? v.bootDevs : ['hd']);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await call('domain.define', { xml: editSettings(props.xml, { memoryMiB: mem, vcpus, bootDevs: boot }) });
      props.notify('info', `Saved the settings of ${props.name}`);
      props.onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const move = (i: number, d: -1 | 1) => {
    const b = [...boot];
    [b[i], b[i + d]] = [b[i + d], b[i]];
    setBoot(b);
  };
  return (
    <form class="card form" onSubmit={save}>
      {nextBootHint(props.running)}
      <div class="row">
        <label>Memory (MiB) <input name="memory" type="number" min={16} step={16} value={mem} onInput={(e) => setMem(Number((e.target as HTMLInputElement).value))} /></label>
        <label>vCPUs <input name="vcpus" type="number" min={1} value={vcpus} onInput={(e) => setVcpus(Number((e.target as HTMLInputElement).value))} /></label>
      </div>
      <fieldset>
        <legend>Boot order</legend>
        {v.kernel ? (
          <p class="muted">Boots the kernel {v.kernel} directly; edit the XML to change it.</p>
        ) : (
          <ol class="boot-order">
            {BOOT_DEVS.map(([dev, label]) => {
              const i = boot.indexOf(dev);
              return (
                <li>
                  <label class="inline"><input type="checkbox" checked={i >= 0} onChange={(e) => setBoot((e.target as HTMLInputElement).checked ? [...boot, dev] : boot.filter((x) => x !== dev))} /> {label}</label>
                  {i >= 0 && <span class="order">#{i + 1}</span>}
                  {i > 0 && <button type="button" class="small" onClick={() => move(i, -1)}>Up</button>}
                  {i >= 0 && i < boot.length - 1 && <button type="button" class="small" onClick={() => move(i, 1)}>Down</button>}
                </li>
              );
            })}
          </ol>
        )}
      </fieldset>
      {error && <div class="form-error" role="alert">{error}</div>}
      <div class="form-buttons"><span class="grow" /><button type="submit" class="primary" disabled={busy}>{busy ? 'Saving…' : 'Apply'}</button></div>
    </form>
  );
}

export function XmlEditor(props: { name: string; xml: string; running: boolean; notify: Notify; onSaved: () => void }) {
  const [text, setText] = useState(props.xml);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // a change from elsewhere replaces the text only while the user has not edited it
  useEffect(() => {
    if (!dirty) setText(props.xml);
  }, [props.xml]);

  const save = async () => {
    setError('');
    setBusy(true);
    // the daemon checks the XML and says what is wrong in its words (line and element), as virsh shows
    try {
      const d = await call('domain.define', { xml: text });
      if (d.name !== props.name) props.notify('info', `The XML defines '${d.name}', a new virtual machine`);
      else props.notify('info', `Saved the XML of ${props.name}`);
      setDirty(false);
      props.onSaved();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card form xml-tab">
      {nextBootHint(props.running)}
      <textarea name="xml" class="xml" spellcheck={false} value={text} onInput={(e) => { setText((e.target as HTMLTextAreaElement).value); setDirty(true); setError(''); }} />
      {error && <div class="form-error xml-error" role="alert">{error}</div>}
      <div class="form-buttons">
        <span class="muted">{dirty ? 'Edited, not saved' : 'The saved (inactive) definition'}</span>
        <span class="grow" />
        <button type="button" disabled={!dirty || busy} onClick={() => { setText(props.xml); setDirty(false); setError(''); }}>Revert</button>
        <button type="button" class="primary" name="save-xml" disabled={!dirty || busy} onClick={save}>{busy ? 'Saving…' : 'Save'}</button>
      </div>
    </div>
  );
}
