// Shared by both consoles: the toolbar with send-keys, and the key press through the API
// (QMP send-key), which works whatever the console's own protocol can send.
import { call, errorText } from './api.js';
import type { Notify } from './app.js';

export async function sendCtrlAltDel(name: string, notify: Notify): Promise<void> {
  try {
    await call('domain.sendKey', { domain: name, keys: ['ctrl', 'alt', 'delete'] });
    notify('info', `Sent Ctrl+Alt+Del to ${name}`);
  } catch (e) {
    notify('error', `Send keys: ${errorText(e)}`);
  }
}

export function ConsoleBar(props: { name: string; notify: Notify; status: string; children?: preact.ComponentChildren }) {
  return (
    <div class="console-bar">
      <span class="console-status" data-status={props.status}>{props.status}</span>
      <span class="grow" />
      {props.children}
      <button name="ctrl-alt-del" title="Press Ctrl+Alt+Del in the guest" onClick={() => sendCtrlAltDel(props.name, props.notify)}>Send Ctrl+Alt+Del</button>
    </div>
  );
}
