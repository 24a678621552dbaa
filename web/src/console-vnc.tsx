// The graphical console: noVNC over /v1/vnc, which tsvirtd splices to the guest's VNC
// server on 127.0.0.1 or a unix socket. scaleViewport keeps the pointer correct when the
// screen is drawn smaller than the guest's resolution.
import { useEffect, useRef, useState } from 'preact/hooks';
import RFB from '@novnc/novnc';
import { wsUrl } from './api.js';
import type { Notify } from './app.js';
import { ConsoleBar } from './console-common.js';

export function VncConsole(props: { name: string; notify: Notify }) {
  const box = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | undefined>();
  const [status, setStatus] = useState('connecting');
  const [scale, setScale] = useState(true);
  useEffect(() => {
    const r = new RFB(box.current!, wsUrl(`/v1/vnc?${new URLSearchParams({ domain: props.name })}`), { wsProtocols: ['binary'] });
    r.scaleViewport = true;
    r.background = '#101418';
    r.addEventListener('connect', () => setStatus('connected'));
    r.addEventListener('disconnect', (e: Event) => {
      const clean = (e as CustomEvent<{ clean: boolean }>).detail?.clean;
      setStatus('disconnected');
      if (!clean) props.notify('error', `Graphical console of ${props.name}: connection lost`);
    });
    r.addEventListener('securityfailure', (e: Event) => props.notify('error', `Graphical console: ${(e as CustomEvent<{ reason?: string }>).detail?.reason ?? 'security failure'}`));
    rfb.current = r;
    return () => {
      rfb.current = undefined;
      r.disconnect();
    };
  }, [props.name]);
  useEffect(() => {
    if (rfb.current) rfb.current.scaleViewport = scale;
  }, [scale]);
  return (
    <div class="console">
      <ConsoleBar name={props.name} notify={props.notify} status={status}>
        <label class="inline small"><input type="checkbox" checked={scale} onChange={(e) => setScale((e.target as HTMLInputElement).checked)} /> Scale to window</label>
      </ConsoleBar>
      <div class="vnc-screen" ref={box} />
    </div>
  );
}
