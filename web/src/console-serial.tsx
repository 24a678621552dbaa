// The serial console: xterm.js over /v1/console (the same WebSocket `virsh console` uses).
import { useEffect, useRef, useState } from 'preact/hooks';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { wsUrl } from './api.js';
import type { Notify } from './app.js';
import { ConsoleBar } from './console-common.js';

export function SerialConsole(props: { name: string; notify: Notify }) {
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    const term = new Terminal({
      // lineHeight 1.2: at 1x pixel density a row of exactly the font size clipped the underscores
      convertEol: false, cursorBlink: true, fontSize: 14, lineHeight: 1.2, scrollback: 5000, theme: { background: '#101418' } });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    fit.fit();
    const onResize = () => fit.fit();
    addEventListener('resize', onResize);
    // force: this page takes the console over from an older session of its own
    const ws = new WebSocket(wsUrl(`/v1/console?${new URLSearchParams({ domain: props.name, force: '1' })}`));
    ws.binaryType = 'arraybuffer';
    const enc = new TextEncoder();
    ws.onopen = () => {
      setStatus('connected');
      term.focus();
    };
    ws.onmessage = (m) => term.write(typeof m.data === 'string' ? m.data : new Uint8Array(m.data as ArrayBuffer));
    ws.onclose = (ev) => {
      setStatus('disconnected');
      term.write(`\r\n\x1b[33m[console closed${ev.reason ? `: ${ev.reason}` : ''}]\x1b[0m\r\n`);
      if (ev.code === 4000 && ev.reason) props.notify('error', `Serial console: ${ev.reason}`);
    };
    const input = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(enc.encode(d)));
    return () => {
      removeEventListener('resize', onResize);
      input.dispose();
      ws.close();
      term.dispose();
    };
  }, [props.name]);
  return (
    <div class="console">
      <ConsoleBar name={props.name} notify={props.notify} status={status} />
      <div class="serial-term" ref={box} />
    </div>
  );
}
