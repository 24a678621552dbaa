// Volume upload/download over the daemon socket (VOLUME_STREAM_PATH): plain HTTP PUT/GET
// bodies, so bytes go through unchanged and no JSON encoding inflates them.
import * as http from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VOLUME_STREAM_PATH } from '../protocol/paths.js';
import { TsvirtError, type ErrorCode } from '../protocol/errors.js';
import type { Client } from './client.js';

export interface VolumeRange {
  vol: string;
  pool?: string;
  offset?: number;
  length?: number;
}

function query(r: VolumeRange): string {
  const q = new URLSearchParams({ vol: r.vol });
  if (r.pool) q.set('pool', r.pool);
  if (r.offset) q.set('offset', String(r.offset));
  if (r.length !== undefined) q.set('length', String(r.length));
  return `${VOLUME_STREAM_PATH}?${q}`;
}

function errorOf(res: http.IncomingMessage, body: string): TsvirtError {
  try {
    const e = JSON.parse(body).error;
    return new TsvirtError((e?.code as ErrorCode) ?? 'internal-error', e?.message ?? `HTTP ${res.statusCode}`);
  } catch {
    return new TsvirtError('internal-error', `HTTP ${res.statusCode} from tsvirtd`);
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    res.on('data', (c: Buffer) => (s += c.toString()));
    res.on('end', () => resolve(s));
    res.on('error', () => resolve(s));
  });
}

/** Sends `length` bytes of `input` into the volume at r.offset. */
export function uploadVolume(client: Client, r: VolumeRange, input: Readable, length: number, onBytes?: (n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath: client.target.socket, path: query({ ...r, length: undefined }), method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': length },
    }, async (res) => {
      const body = await readAll(res);
      if (res.statusCode === 200) return resolve();
      // refused (often before the body was read): stop sending
      input.destroy();
      req.destroy();
      reject(errorOf(res, body));
    });
    // the daemon may refuse before reading the body: its answer, not the broken pipe, is the error
    req.on('error', (e) => setTimeout(() => reject(new TsvirtError('no-connect', `volume upload: ${e.message}`)), 100));
    let sent = 0;
    input.on('data', (c: Buffer) => {
      sent += c.length;
      onBytes?.(sent);
    });
    pipeline(input, req).catch(() => undefined);
  });
}

/** Writes the volume's bytes (r.offset, r.length) to `output`; resolves when all arrived. */
export function downloadVolume(client: Client, r: VolumeRange, output: Writable, onBytes?: (n: number, total: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: client.target.socket, path: query(r), method: 'GET' }, async (res) => {
      if (res.statusCode !== 200) return reject(errorOf(res, await readAll(res)));
      const total = Number(res.headers['content-length'] ?? 0);
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        onBytes?.(got, total);
      });
      try {
        await pipeline(res, output);
        if (got !== total) throw new TsvirtError('operation-failed', `volume download ended after ${got} of ${total} bytes`);
        resolve();
      } catch (e) {
        reject(e instanceof TsvirtError ? e : new TsvirtError('operation-failed', `volume download: ${(e as Error).message}`));
      }
    });
    req.on('error', (e) => reject(new TsvirtError('no-connect', `volume download: ${e.message}`)));
    req.end();
  });
}
