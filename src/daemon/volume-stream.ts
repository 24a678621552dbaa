// Volume upload/download as plain HTTP byte streams on the daemon socket (see
// VOLUME_STREAM_PATH in protocol/methods-storage.ts): PUT writes the request body into
// the volume, GET sends the volume's bytes. Both report progress like other long work.
import type * as http from 'node:http';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { TsvirtError } from '../util/errors.js';
import { VOLUME_STREAM_PATH } from '../protocol/paths.js';
import type { StorageService } from './storage-service.js';

function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new TsvirtError('invalid-arg', `invalid ${name} '${v}': expected a non-negative integer`);
  return Number(v);
}

function counter(report: (n: number) => void): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      report(n);
      cb(null, chunk);
    },
  });
}

/** Handles the request when it is a volume stream; returns false for any other path. */
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
    const length = Number(header);
    const t = await storage.streamTarget(vol, pool, 'upload', offset, length);
    await storage.tracked('upload', t.pool.def.name, t.vol.name, length, async (report) => {
      const out = createWriteStream(t.vol.target.path!, { flags: 'r+', start: offset, highWaterMark: 1024 * 1024 });
      await pipeline(req, counter((n) => report(n, length)), out);
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
    return true;
  }
  if (req.method === 'GET') {
    const length = intParam(url, 'length');
    const t = await storage.streamTarget(vol, pool, 'download', offset, length);
    const total = length ?? t.limit - offset;
    await storage.tracked('download', t.pool.def.name, t.vol.name, total, async (report) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      if (total === 0) return void res.end();
      const input = createReadStream(t.vol.target.path!, { start: offset, end: offset + total - 1, highWaterMark: 1024 * 1024 });
      // once the headers are out an error can only cut the stream short: the client sees fewer bytes than announced
      await pipeline(input, counter((n) => report(n, total)), res).catch(() => res.destroy());
    });
    return true;
  }
  throw new TsvirtError('no-support', `no API at ${req.method} ${url.pathname}`);
}
