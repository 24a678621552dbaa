// What a test tsvirtd holds in memory, measured without the noise of its resident size:
// SIGUSR1 opens Node's inspector (on 127.0.0.1, a port of the test's choosing), which runs a
// full garbage collection and reports process.memoryUsage(). RSS after the same work varies by
// a third between runs (V8 keeps or returns heap pages as it likes); live memory after a GC does not.
import { WebSocket } from 'ws';
import { startTestDaemon, type TestDaemon } from './daemon.js';

export interface HeldMemory {
  /** V8 heap in use plus memory outside it that JS objects hold (Buffers), bytes */
  held: number;
  heapUsed: number;
  external: number;
}

/** NODE_OPTIONS for the daemon: the inspector (when SIGUSR1 opens it) listens on this loopback port */
export function inspectorOptions(port: number): string {
  return `--inspect-port=127.0.0.1:${port}`;
}

/** a test daemon whose inspector a heldMemory() call can open on `port` */
export async function startDaemonWithInspector(port: number): Promise<TestDaemon> {
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ''} ${inspectorOptions(port)}`.trim();
  try {
    return await startTestDaemon();
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

export async function heldMemory(pid: number, port: number): Promise<HeldMemory> {
  process.kill(pid, 'SIGUSR1');
  let target: string | undefined;
  for (const end = Date.now() + 10_000; !target && Date.now() < end;) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
      target = list[0]?.webSocketDebuggerUrl;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!target) throw new Error(`the daemon's inspector did not open on port ${port}`);
  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let id = 0;
  const call = (method: string, params?: unknown) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const my = ++id;
    const onMsg = (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: unknown };
      if (m.id !== my) return;
      ws.off('message', onMsg);
      if (m.error) reject(new Error(JSON.stringify(m.error)));
      else resolve(m.result ?? {});
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ id: my, method, params }));
  });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const u = JSON.parse((r.result as { value: string }).value) as { heapUsed: number; external: number };
    return { held: u.heapUsed + u.external, heapUsed: u.heapUsed, external: u.external };
  } finally {
    ws.close();
  }
}
