// The memory of an external snapshot (--memspec file=PATH,snapshot=external): written as
// libvirt writes it, a QEMU save image (header with the domain XML, then the migration
// stream), through the save helper's socket-to-file pump. The caller has paused the guest.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Domain } from '../conf/domain-types.js';
import { formatDomainXml } from '../conf/domain-xml.js';
import { TsvirtError } from '../util/errors.js';
import { migrateOut } from '../qemu/migration.js';
import type { QemuVm } from '../qemu/vm.js';
import type { DomainJob } from './domain-job.js';
import { encodeSaveHeader, SAVE_MAGIC } from './save-image.js';
import { receiveToFile } from './save-pump.js';

export async function saveMemory(vm: QemuVm, file: string, def: Domain, wasRunning: boolean, job: DomainJob): Promise<void> {
  const head = encodeSaveHeader({ xml: formatDomainXml(def, { inactive: true }), wasRunning, partial: true });
  const fh = await fs.open(file, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
    throw new TsvirtError('system-error', `Failed to create file '${file}': ${e.message}`);
  });
  const sock = path.join(path.dirname(vm.monitorPath), 'snapshot-mem.sock');
  let pump: Awaited<ReturnType<typeof receiveToFile>> | undefined;
  try {
    await fh.write(head, 0, head.length, 0);
    pump = await receiveToFile(sock, fh, head.length);
    job.migration = await migrateOut(vm.monitor, `unix:${sock}`, {
      parameters: { 'max-bandwidth': Number.MAX_SAFE_INTEGER }, signal: job.signal, onProgress: (i) => { job.migration = i; },
    }, 'snapshot');
    await pump.done;
    // only a complete image gets the real magic
    await fh.write(Buffer.from(SAVE_MAGIC, 'latin1'), 0, 16, 0);
    await fh.sync();
    await fh.close();
  } catch (e) {
    pump?.close();
    await fh.close().catch(() => undefined);
    await fs.rm(file, { force: true });
    throw e;
  } finally {
    await fs.rm(sock, { force: true });
  }
}
