// Atomic file writes: a reader sees the old file or the new one, never half of one,
// even if the process dies mid-write (temporary file, fsync, rename, fsync of the folder).
import { openSync, writeSync, fsync, fsyncSync, closeSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';

let counter = 0;
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
}

// The page-cache steps (open, write, close, rename) are synchronous: they take microseconds,
// and each of them as an async call was a thread-pool round trip. Only the fsyncs, which wait
// for the disk, leave the event loop.
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = tempName(file);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    await fsyncAsync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const dfd = openSync(path.dirname(file), 'r');
  try {
    await fsyncAsync(dfd);
  } finally {
    closeSync(dfd);
  }
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
}

export function writeFileAtomicSync(file: string, data: string | Buffer, mode = 0o600): void {
  const tmp = tempName(file);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  const dfd = openSync(path.dirname(file), 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
}
