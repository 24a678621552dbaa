// Every REMOTE procedure tsvirt implements, gathered from the families.
import type { Impls } from './rpc-impl.js';
import { connectImpls } from './impl-connect.js';
import { domainImpls } from './impl-domain.js';
import { domainDeviceImpls } from './impl-domain-devices.js';
import { networkImpls } from './impl-network.js';
import { nodedevImpls } from './impl-nodedev.js';
import { eventImpls } from './impl-events.js';
import { storageImpls } from './impl-storage.js';
import { consoleImpls } from './impl-console.js';
import { hostExtraImpls } from './impl-host-extra.js';
import { graphicsImpls } from './impl-graphics.js';
import { qemuImpls } from './impl-qemu.js';
import { agentCommandImpls } from './impl-agent-commands.js';
import { snapshotImpls } from './impl-snapshot.js';
import { migrationImpls } from './impl-migration.js';
import { blockJobImpls } from './impl-blockjob.js';
import { saveImpls } from './impl-save.js';

export const remoteImpls: Impls = {
  ...connectImpls,
  ...domainImpls,
  ...domainDeviceImpls,
  ...networkImpls,
  ...nodedevImpls,
  ...eventImpls,
  ...storageImpls,
  ...consoleImpls,
  ...hostExtraImpls,
  ...graphicsImpls,
  ...qemuImpls, // the QEMU program's (keyed QEMU_...)
  ...agentCommandImpls,
  ...snapshotImpls,
  ...migrationImpls,
  ...blockJobImpls,
  ...saveImpls,
};
