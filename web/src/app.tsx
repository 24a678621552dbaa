// The shell: header, navigation, messages, the event subscription and the domain list
// every page shares. Pages reload what they show when an event arrives.
import { useEffect, useState, useCallback } from 'preact/hooks';
import type { DomainSummary } from '../../src/protocol/types.js';
import { availableMethods, call, errorText, setLoggedOutHandler, subscribeEvents } from './api.js';
import { VmList } from './vm-list.js';
import { CreateVm } from './create-vm.js';
import { VmDetails } from './vm-details.js';
import { StoragePage } from './storage-page.js';
import { NetworkPage } from './network-page.js';
import { HostdevPage } from './hostdev-page.js';

interface PageProps { item?: string; notify: Notify; eventTick: number }
/** Pages beside the VM list (#/ID[/ITEM]); each shows when the daemon offers its list method. */
const PAGES: Array<{ id: string; title: string; method: string; render: (p: PageProps) => preact.JSX.Element }> = [
  { id: 'storage', title: 'Storage', method: 'pool.list', render: (p) => <StoragePage pool={p.item} notify={p.notify} eventTick={p.eventTick} /> },
  { id: 'networks', title: 'Networks', method: 'network.list', render: (p) => <NetworkPage network={p.item} notify={p.notify} eventTick={p.eventTick} /> },
  { id: 'hostdevs', title: 'Host devices', method: 'nodedev.list', render: (p) => <HostdevPage notify={p.notify} eventTick={p.eventTick} /> },
];

export interface Message { id: number; kind: 'error' | 'info'; text: string }
export type Notify = (kind: Message['kind'], text: string) => void;

function useHash(): string {
  const [hash, setHash] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const on = () => setHash(location.hash.slice(1) || '/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function go(path: string): void {
  location.hash = path;
}

let nextId = 1;
const NONE: Set<string> = new Set();

export function App() {
  const route = useHash();
  const [domains, setDomains] = useState<DomainSummary[] | undefined>();
  /** what the daemon offers; undefined until it has said */
  const [offered, setOffered] = useState<Set<string> | undefined>();
  const methods = offered ?? NONE;
  const [connected, setConnected] = useState(false);
  /** "reconnecting" only after a connection was lost: the first one is "connecting" */
  const [everConnected, setEverConnected] = useState(false);
  const [loggedOut, setLoggedOut] = useState(false);
  const [messages, setMessages] = useState<Message[]>([]);
  const [eventTick, setEventTick] = useState(0);

  const notify: Notify = useCallback((kind, text) => {
    const m = { id: nextId++, kind, text };
    setMessages((ms) => [...ms.slice(-4), m]);
    if (kind === 'info') setTimeout(() => setMessages((ms) => ms.filter((x) => x !== m)), 4000);
  }, []);

  const reload = useCallback(async () => {
    try {
      setDomains((await call('domain.list', {})).domains.sort((a, b) => a.name.localeCompare(b.name)));
    } catch (e) {
      notify('error', `Cannot list virtual machines: ${errorText(e)}`);
    }
  }, [notify]);

  useEffect(() => {
    setLoggedOutHandler(() => setLoggedOut(true));
    availableMethods().then(setOffered, () => setOffered(NONE));
    // the list is reloaded on every (re)connect and on every event: no polling
    return subscribeEvents(
      () => {
        void reload();
        setEventTick((t) => t + 1);
      },
      (up) => {
        setConnected(up);
        if (up) {
          setEverConnected(true);
          void reload();
        }
      },
    );
  }, [reload]);

  if (loggedOut) {
    return (
      <div class="login-needed">
        <h1>Session ended</h1>
        <p>Run <code>tsvirt ui</code> on the host and open the new link.</p>
      </div>
    );
  }

  const parts = route.split('/').filter(Boolean).map(decodeURIComponent);
  // until the daemon has said what it offers, the menu shows every page (no menu that grows later)
  const pages = offered ? PAGES.filter((p) => offered.has(p.method)) : PAGES;
  let page;
  if (parts[0] === 'vm' && parts[1]) {
    page = <VmDetails key={parts[1]} name={parts[1]} tab={parts[2] ?? 'overview'} summary={domains?.find((d) => d.name === parts[1])} methods={methods} notify={notify} eventTick={eventTick} />;
  } else if (parts[0] === 'new') {
    page = <CreateVm methods={methods} notify={notify} />;
  } else if (pages.some((p) => p.id === parts[0])) {
    page = pages.find((p) => p.id === parts[0])!.render({ item: parts[1], notify, eventTick });
  } else {
    page = <VmList domains={domains} notify={notify} methods={methods} />;
  }
  const active = parts[0] ?? '';

  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">tsvirt</a>
        <nav>
          <a href="#/" class={active === '' || active === 'vm' || active === 'new' ? 'active' : ''}>Virtual machines</a>
          {pages.map((p) => <a href={`#/${p.id}`} class={active === p.id ? 'active' : ''}>{p.title}</a>)}
        </nav>
        <span class={`conn ${connected ? 'up' : 'down'}`} title="event stream from tsvirtd">{connected ? 'connected' : everConnected ? 'reconnecting…' : 'connecting…'}</span>
        <a class="logout" href="/logout">Log out</a>
      </header>
      <div class="messages" role="status">
        {messages.map((m) => (
          <div class={`msg ${m.kind}`} key={m.id}>
            <span>{m.text}</span>
            <button class="link" aria-label="dismiss" onClick={() => setMessages((ms) => ms.filter((x) => x.id !== m.id))}>×</button>
          </div>
        ))}
      </div>
      <main>{page}</main>
    </div>
  );
}
