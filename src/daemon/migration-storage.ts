// The storage side of migrate --copy-storage-all. The source describes each copied disk
// (virtual size, format, and which file it is: boot id + device + inode); the destination
// makes the images that are missing (as libvirt's qemuMigrationDstPrecreateStorage does)
// and refuses an image that is the source's own file: mirroring a disk onto itself would
// destroy it, which libvirt does not check.
import { promises as fs, readFileSync } from 'node:fs';
import type { Disk } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { createCopyTarget } from '../qemu/block-job-flows.js';
import { imageInfo } from '../storage/qemu-img.js';

export interface CopiedDisk {
  dev: string;
  size: number;
  format: string;
  /** boot id:device:inode of the source's image */
  file?: string;
}

let bootId: string | undefined;

/** boot id:device:inode, the same string on both ends only for the same file on the same running host */
export async function fileIdentity(file: string): Promise<string | undefined> {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const st = await fs.stat(file);
    return `${bootId}:${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Destination: checks each disk against the source's description and creates the missing
 * images. Returns the files it created (removed again when the migration fails).
 */
export async function precreateCopiedDisks(disks: Disk[], described: CopiedDisk[] | undefined): Promise<string[]> {
  const created: string[] = [];
  try {
    for (const d of disks) {
      const file = d.source!.file!;
      const src = described?.find((x) => x.dev === d.target.dev);
      if (!src) throw new TsvirtError('operation-invalid', `Requested operation is not valid: the source did not describe disk '${d.target.dev}' for a storage copy`);
      const format = d.driver?.type ?? src.format;
      const id = await fileIdentity(file);
      if (id && src.file && id === src.file) {
        throw new TsvirtError('config-unsupported', `unsupported configuration: disk '${d.target.dev}' on the destination is the source's own image '${file}' (shared storage): migrate without --copy-storage-all, or give the destination another path with --xml`);
      }
      if (id) {
        const info = await imageInfo(file, format);
        if (info.virtualSize < src.size) throw new TsvirtError('operation-invalid', `Requested operation is not valid: disk '${d.target.dev}' on the destination ('${file}', ${info.virtualSize} bytes) is smaller than the source's (${src.size} bytes)`);
        continue;
      }
      await createCopyTarget({ path: file, format, blockdev: false }, [{ path: file, format, size: src.size }], false);
      created.push(file);
    }
  } catch (e) {
    await removeFiles(created);
    throw e;
  }
  return created;
}

export async function removeFiles(files: string[]): Promise<void> {
  for (const f of files) await fs.rm(f, { force: true }).catch(() => undefined);
}
