// A scripted qemu-ga for unit tests: a unix socket server that parses what the GuestAgent
// client sends (dropping what comes before a 0xFF, as qemu-ga's parser does) and lets the test
// answer each message. Removed, with its socket, when the test ends.
import { createServer, type Server, type Socket } from 'node:net';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type AgentHandler = (msg: Record<string, any>, sock: Socket, raw: Buffer) => void;

/** A peer that answers like qemu-ga: what `handle` writes back for each JSON line it reads. */
export async function agentPeer(t: { after(fn: () => unknown): void }, handle: AgentHandler) {
  const dir = await fs.mkdtemp(join(tmpdir(), 'ga-'));
  const path = join(dir, 'org.qemu.guest_agent.0');
  const received: Array<Record<string, any>> = [];
  const sockets: Socket[] = [];
  let connections = 0;
  const server: Server = createServer((sock) => {
    connections++;
    sockets.push(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let nl: number;
      while ((nl = buf.indexOf(0x0a)) >= 0) {
        const raw = buf.subarray(0, nl);
        buf = buf.subarray(nl + 1);
        // qemu-ga's parser drops everything up to a 0xFF it is sent
        const at = raw.lastIndexOf(0xff);
        const msg = JSON.parse(raw.subarray(at + 1).toString());
        received.push(msg);
        handle(msg, sock, raw);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    await fs.rm(dir, { recursive: true, force: true });
  });
  return { path, received, connections: () => connections, sockets };
}

/** the answer to guest-sync-delimited: 0xFF, then the id back */
export const syncReply = (msg: Record<string, any>, sock: Socket) => {
  sock.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(JSON.stringify({ return: msg.arguments.id }) + '\n')]));
};
