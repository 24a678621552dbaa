// Overwrites a file or block device with zeros in large chunks, reporting progress.
import { promises as fs } from 'node:fs';
import type { ProgressFn } from './backend.js';

const CHUNK = 4 * 1024 * 1024;

export async function zeroFile(file: string, bytes: number, progress?: ProgressFn): Promise<void> {
  const fh = await fs.open(file, 'r+');
  try {
    const zeros = Buffer.alloc(CHUNK);
    for (let off = 0; off < bytes; off += CHUNK) {
      const n = Math.min(CHUNK, bytes - off);
      await fh.write(zeros, 0, n, off);
      progress?.(off + n, bytes);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}
