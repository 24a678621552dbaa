// Every REMOTE procedure tsvirt implements, gathered from the families.
import type { Impls } from './rpc-impl.js';
import { connectImpls } from './impl-connect.js';
import { domainImpls } from './impl-domain.js';

export const remoteImpls: Impls = {
  ...connectImpls,
  ...domainImpls,
};
