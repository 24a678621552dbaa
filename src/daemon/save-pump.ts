// Moving a QEMU migration stream between a unix socket and a file: QEMU runs with
// -sandbox spawn=deny (no exec: URIs) and cannot open files it was not given, so tsvirtd
// listens for `migrate unix:PATH` and appends what arrives to the save file, or connects
// to `migrate-incoming unix:PATH` and writes the file's stream into it.
import * as net from 'node:net';
import { createReadStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { TsvirtError } from '../util/errors.js';

export interface SocketToFile {
  /** resolves with the bytes written once QEMU closed the connection and the file is synced */
  done: Promise<number>;
  /** bytes appended so far */
  bytes(): number;
  close(): void;
}

/** Listens on `socketPath` for one connection and appends everything it sends to `fh` at `offset`. */
export async function receiveToFile(socketPath: string, fh: fs.FileHandle, offset: number): Promise<SocketToFile> {
  await fs.rm(socketPath, { force: true });
  let written = 0;
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  let conn: net.Socket | undefined;
  const done = new Promise<number>((resolve, reject) => {
    server.once('connection', (sock) => {
      conn = sock;
      server.close();
      let pos = offset;
      let chain = Promise.resolve();
      let failed: Error | undefined;
      sock.on('data', (chunk: Buffer) => {
        // writes are ordered; the socket pauses while one is pending so memory stays small
        sock.pause();
        chain = chain.then(async () => {
          if (failed) return;
          try {
            let off = 0;
            while (off < chunk.length) {
              const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, pos);
              off += bytesWritten;
              pos += bytesWritten;
              written += bytesWritten;
            }
          } catch (e) {
            failed = e as Error;
            sock.destroy();
          }
        }).finally(() => sock.resume());
      });
      sock.on('close', () => {
        void chain.then(async () => {
          if (failed) return reject(new TsvirtError('system-error', `cannot write save image: ${failed.message}`));
          await fh.sync();
          resolve(written);
        }).catch(reject);
      });
      sock.on('error', () => undefined);
    });
  });
  done.catch(() => undefined);
  return {
    done,
    bytes: () => written,
    close: () => {
      server.close();
      conn?.destroy();
      void fs.rm(socketPath, { force: true });
    },
  };
}

/** Connects to `socketPath` (retrying until QEMU listens, up to `timeoutMs`) and sends `file` from `offset`. */
export async function sendFileToSocket(file: string, offset: number, socketPath: string, signal?: AbortSignal, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let sock: net.Socket | undefined;
  while (!sock) {
    if (signal?.aborted) throw signal.reason;
    try {
      sock = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(socketPath, () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (Date.now() > until) throw new TsvirtError('operation-failed', `cannot connect to QEMU's incoming migration socket: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  // QEMU may close its end early (a bad stream): that ends the copy, QEMU's status says why
  sock.on('error', () => undefined);
  await pipeline(createReadStream(file, { start: offset }), sock, { signal }).catch((e: Error) => {
    if (signal?.aborted) throw signal.reason;
    if ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET') return;
    throw new TsvirtError('system-error', `cannot read save image '${file}': ${e.message}`);
  });
}
