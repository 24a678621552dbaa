// Every procedure tsvirt implements, by number: the union of the families in procs-*.ts.
import type { ProcDef } from './procs.js';
import { REMOTE_PROC_NAMES } from './proc-names.js';
import { connectProcs } from './procs-connect.js';
import { domainProcs } from './procs-domain.js';
import { domainDeviceProcs } from './procs-domain-devices.js';
import { networkProcs } from './procs-network.js';
import { nodedevProcs } from './procs-nodedev.js';
import { eventProcs } from './procs-events.js';
import { storageProcs } from './procs-storage.js';
import { consoleProcs } from './procs-console.js';
import { hostExtraProcs } from './procs-host-extra.js';
import { graphicsProcs } from './procs-graphics.js';
import { agentCommandProcs } from './procs-agent-commands.js';
import { snapshotProcs } from './procs-snapshot.js';
import { migrationProcs } from './procs-migration.js';
import { blockJobProcs } from './procs-blockjob.js';
import { saveProcs } from './procs-save.js';

export const remoteProcs = {
  ...connectProcs,
  ...domainProcs,
  ...domainDeviceProcs,
  ...networkProcs,
  ...nodedevProcs,
  ...eventProcs,
  ...storageProcs,
  ...consoleProcs,
  ...hostExtraProcs,
  ...graphicsProcs,
  ...agentCommandProcs,
  ...snapshotProcs,
  ...migrationProcs,
  ...blockJobProcs,
  ...saveProcs,
};
export type RemoteProcName = keyof typeof remoteProcs;

export const procsByNumber: ReadonlyMap<number, ProcDef & { name: string }> = new Map(
  Object.entries(remoteProcs).map(([name, p]) => [p.num, { ...(p as ProcDef), name }]),
);

/** libvirt's name of a procedure number, or undefined when libvirt 9.0 has no such procedure */
export function procName(num: number): string | undefined {
  return num > 0 && num < REMOTE_PROC_NAMES.length ? REMOTE_PROC_NAMES[num] : undefined;
}
