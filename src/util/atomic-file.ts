// Atomic file writes: a reader sees the old file or the new one, never half of one,
// even if the process dies mid-write (temporary file, fsync, rename, fsync of the folder).
import { promises as fsp, openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';

let counter = 0;
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
}

// Every step runs in the thread pool: even a create can wait for the file system's journal
// commit, and the event loop must not (used for rare files: capability cache, SR-IOV settings;
// state folders use durable-dir.ts).
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = tempName(file);
  const fh = await fsp.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  const dh = await fsp.open(path.dirname(file), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
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
