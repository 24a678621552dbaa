// Storage, networks and host devices: one data-driven page each, shown when the daemon
// offers the list method (from its OpenAPI document). The table's columns come from the
// rows the API returns, so new fields show without UI changes.
import { useEffect, useState } from 'preact/hooks';
import { call, errorText } from './api.js';
import type { Notify } from './app.js';

type AnyCall = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
const anyCall = call as unknown as AnyCall;

export interface ResourcePageDef {
  id: string;
  title: string;
  /** the list method; the page exists when the daemon has it */
  method: string;
  params?: Record<string, unknown>;
  /** start/stop methods and their parameter name, when they exist */
  toggle?: { start: string; stop: string; param: string };
  hidden?: string[];
}

export const RESOURCE_PAGES: ResourcePageDef[] = [
  { id: 'storage', title: 'Storage', method: 'pool.list', toggle: { start: 'pool.start', stop: 'pool.destroy', param: 'pool' }, hidden: ['uuid'] },
  { id: 'networks', title: 'Networks', method: 'network.list', toggle: { start: 'network.start', stop: 'network.destroy', param: 'network' }, hidden: ['uuid'] },
  { id: 'hostdevs', title: 'Host devices', method: 'nodedev.list', params: { cap: 'pci' } },
];

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function cell(key: string, v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number' && /code$/i.test(key)) return `0x${v.toString(16).padStart(6, '0')}`;
  if (typeof v === 'number' && /capacity|allocation|available|physical|size/i.test(key)) return bytes(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const title = (k: string) => k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

export function ResourcePage(props: { page: ResourcePageDef; notify: Notify; eventTick: number }) {
  const { page, notify } = props;
  const [rows, setRows] = useState<Array<Record<string, unknown>> | undefined>();
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    anyCall(page.method, page.params ?? {}).then((r) => {
      const list = Object.values(r).find(Array.isArray) as Array<Record<string, unknown>> | undefined;
      setRows(list ?? []);
      setError('');
    }, (e) => setError(errorText(e)));
  }, [page.id, tick, props.eventTick]);

  const cols = rows && rows.length ? Object.keys(Object.assign({}, ...rows)).filter((k) => !page.hidden?.includes(k)) : [];
  const toggle = async (row: Record<string, unknown>) => {
    const t = page.toggle!;
    const m = row.active ? t.stop : t.start;
    try {
      await anyCall(m, { [t.param]: row.name });
    } catch (e) {
      notify('error', `${row.active ? 'Stop' : 'Start'} ${String(row.name)}: ${errorText(e)}`);
    }
    setTick((x) => x + 1);
  };
  return (
    <section>
      <div class="page-head"><h1>{page.title}</h1><span class="grow" /><button onClick={() => setTick((x) => x + 1)}>Refresh</button></div>
      {error && <div class="form-error">{error}</div>}
      {rows === undefined ? <p class="muted">Loading…</p> : rows.length === 0 ? <div class="empty"><p>Nothing here yet.</p></div> : (
        <table class="grid">
          <thead><tr>{cols.map((c) => <th>{title(c)}</th>)}{page.toggle && <th />}</tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                {cols.map((c) => <td>{cell(c, r[c])}</td>)}
                {page.toggle && <td><button class="small" onClick={() => toggle(r)}>{r.active ? 'Stop' : 'Start'}</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
