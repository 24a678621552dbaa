// Volume upload and download, once for every transport: an upload takes the bytes in
// order and writes them into the volume from an offset, a download reads them out; both
// check the byte range against the volume, refuse a volume in use (upload), and report
// progress like other long volume work while they are open. The HTTP transport serves
// them as plain byte streams on the daemon socket (VOLUME_STREAM_PATH in
// protocol/methods-storage.ts); the libvirt transport as the streams of
// STORAGE_VOL_UPLOAD / STORAGE_VOL_DOWNLOAD (libvirt/impl-storage.ts).
import type * as http from 'node:http';
import { promises as fs } from 'node:fs';
import { once } from 'node:events';
import { TsvirtError } from '../util/errors.js';
import { VOLUME_STREAM_PATH } from '../protocol/paths.js';
import type { LocatedVolume, StorageService } from './storage-service.js';

const READ_CHUNK = 1024 * 1024;

export interface VolumeUpload {
  /** the next bytes; refused (nothing written) when they would pass the range */
  write(chunk: Buffer): Promise<void>;
  /** the next `length` bytes are zeros (a hole of a sparse stream) */
  zero(length: number): Promise<void>;
  /** all bytes are in */
  finish(): Promise<void>;
  /** stop; what was written stays */
  abort(): void;
}

export interface VolumeDownload {
  /** bytes the download gives in all */
  readonly total: number;
  /** the next bytes, or null at the end */
  read(): Promise<Buffer | null>;
  close(): void;
}

/** holds a progress entry (vol.getProgress) open until end(); a volume already busy is refused */
async function track(storage: StorageService, op: string, loc: LocatedVolume, total: number): Promise<{ report(n: number): void; end(): void }> {
  let report: ((done: number, total: number) => void) | undefined;
  let end!: () => void;
  const running = new Promise<void>((r) => (end = r));
  // tracked() checks and registers before it runs the job, synchronously
  const tracking = storage.tracked(op, loc.pool.def.name, loc.vol.name, total, (rep) => {
    report = rep;
    return running;
  });
  if (!report) await tracking;
  return { report: (n) => report!(n, total), end };
}

/**
 * An upload of `length` bytes (or, without it, up to the volume's end) at `offset`.
 * The caller checks read-only access first.
 */
export async function openVolumeUpload(storage: StorageService, vol: string, pool: string | undefined, offset: number, length?: number): Promise<VolumeUpload> {
  const t = await storage.streamTarget(vol, pool, 'upload', offset, length);
  const max = length ?? t.limit - offset;
  const progress = await track(storage, 'upload', t, max);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(t.vol.target.path!, 'r+');
  } catch (e) {
    progress.end();
    throw new TsvirtError('operation-failed', `cannot open volume '${t.vol.name}' for upload: ${(e as Error).message}`);
  }
  let pos = 0;
  let ended = false;
  const room = (n: number) => {
    if (pos + n <= max) return;
    if (length === undefined || offset + pos + n > t.limit) {
      throw new TsvirtError('invalid-arg', `upload of ${pos + n} bytes at offset ${offset} does not fit volume '${t.vol.name}' of ${t.limit} bytes`);
    }
    throw new TsvirtError('invalid-arg', `upload to volume '${t.vol.name}' has more than the ${length} bytes announced`);
  };
  const put = async (b: Buffer) => {
    for (let done = 0; done < b.length;) done += (await fh.write(b, done, b.length - done, offset + pos + done)).bytesWritten;
    pos += b.length;
    progress.report(pos);
  };
  const end = async () => {
    if (ended) return;
    ended = true;
    progress.end();
    await fh.close();
  };
  return {
    async write(chunk) {
      room(chunk.length);
      await put(chunk);
    },
    async zero(n) {
      if (!Number.isSafeInteger(n) || n < 0) throw new TsvirtError('invalid-arg', `invalid hole length ${n}`);
      room(n);
      const zeros = Buffer.alloc(Math.min(n, READ_CHUNK));
      for (let left = n; left > 0; left -= zeros.length) await put(left >= zeros.length ? zeros : zeros.subarray(0, left));
    },
    finish: end,
    abort: () => void end().catch(() => undefined),
  };
}

/** A download of `length` bytes (or, without it, to the volume's end) from `offset`. */
export async function openVolumeDownload(storage: StorageService, vol: string, pool: string | undefined, offset: number, length?: number): Promise<VolumeDownload> {
  const t = await storage.streamTarget(vol, pool, 'download', offset, length);
  const total = length ?? t.limit - offset;
  const progress = await track(storage, 'download', t, total);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(t.vol.target.path!, 'r');
  } catch (e) {
    progress.end();
    throw new TsvirtError('operation-failed', `cannot open volume '${t.vol.name}' for download: ${(e as Error).message}`);
  }
  let pos = 0;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    progress.end();
    void fh.close().catch(() => undefined);
  };
  return {
    total,
    async read() {
      if (closed || pos >= total) return null;
      const want = Math.min(READ_CHUNK, total - pos);
      const { bytesRead, buffer } = await fh.read(Buffer.alloc(want), 0, want, offset + pos);
      // a volume that shrank under us: it ends early, the reader sees fewer bytes
      if (bytesRead === 0) return null;
      pos += bytesRead;
      progress.report(pos);
      return buffer.subarray(0, bytesRead);
    },
    close,
  };
}

function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new TsvirtError('invalid-arg', `invalid ${name} '${v}': expected a non-negative integer`);
  return Number(v);
}

/** Handles the HTTP request when it is a volume stream; returns false for any other path. */
export async function handleVolumeStream(
  storage: StorageService, req: http.IncomingMessage, res: http.ServerResponse, readonly: boolean,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== VOLUME_STREAM_PATH) return false;
  const vol = url.searchParams.get('vol');
  if (!vol) throw new TsvirtError('invalid-arg', 'missing vol parameter');
  const pool = url.searchParams.get('pool') ?? undefined;
  const offset = intParam(url, 'offset') ?? 0;
  if (req.method === 'PUT') {
    if (readonly) throw new TsvirtError('operation-denied', 'operation forbidden: read only access prevents volume upload');
    const header = req.headers['content-length'];
    if (header === undefined) throw new TsvirtError('invalid-arg', 'volume upload needs a Content-Length');
    const up = await openVolumeUpload(storage, vol, pool, offset, Number(header));
    try {
      for await (const chunk of req) await up.write(chunk as Buffer);
      await up.finish();
    } catch (e) {
      up.abort();
      throw e;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
    return true;
  }
  if (req.method === 'GET') {
    const down = await openVolumeDownload(storage, vol, pool, offset, intParam(url, 'length'));
    try {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': down.total });
      for (let b = await down.read(); b; b = await down.read()) {
        if (!res.write(b)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (res.destroyed) break;
      }
      res.end();
    } catch {
      // once the headers are out an error can only cut the stream short: the client sees fewer bytes than announced
      res.destroy();
    } finally {
      down.close();
    }
    return true;
  }
  throw new TsvirtError('no-support', `no API at ${req.method} ${url.pathname}`);
}
