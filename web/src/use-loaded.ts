// What the list pages share: a value loaded from the API again on reload() and on every
// event (eventTick), its load error, and act(): run a change, say how it went, reload.
import { useEffect, useState } from 'preact/hooks';
import { errorText } from './api.js';
import type { Notify } from './app.js';

export interface Loaded<T> {
  value: T | undefined;
  error: string;
  reload: () => void;
  /** a counter that moves on every reload, for children that load on their own */
  tick: number;
  act: (what: string, fn: () => Promise<unknown>) => Promise<void>;
}

export function useLoaded<T>(load: () => Promise<T>, deps: unknown[], notify: Notify): Loaded<T> {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const reload = () => setTick((x) => x + 1);
  useEffect(() => {
    load().then((v) => { setValue(v); setError(''); }, (e) => setError(errorText(e)));
  }, [tick, ...deps]);
  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      notify('info', what);
    } catch (e) {
      notify('error', `${what}: ${errorText(e)}`);
    }
    reload();
  };
  return { value, error, reload, tick, act };
}

export const byName = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => a.name.localeCompare(b.name));
