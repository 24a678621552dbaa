// cloud-init NoCloud seeds (virt-install --cloud-init): the daemon makes the seed ISO, stores
// it as a pool volume '<domain>-cidata.iso' and puts it in the persistent definition as a CD-ROM.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';
import { VolSummarySchema } from './methods-storage.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

export const CloudInitParamsSchema = z.object({
  domain: DomainRefSchema,
  pool: z.string().optional().describe("the pool the seed volume goes to (default 'default')"),
  password: z.string().optional().describe("root's and the default user's password (never stored by tsvirt)"),
  passwordGenerate: z.boolean().optional().describe('a random password, returned once in the result; the default user must change it at first login (virt-install root-password-generate)'),
  sshKeys: z.array(z.string()).optional().describe("authorized_keys lines for the default user"),
  hostname: z.string().optional(),
  userData: z.string().optional().describe('the user-data file, verbatim (instead of password and sshKeys)'),
  metaData: z.string().optional().describe('the meta-data file, verbatim (instead of hostname; default instance-id is the UUID)'),
  networkConfig: z.string().optional().describe('the network-config file, verbatim'),
});

export const cloudInitMethods = {
  'domain.attachCloudInit': method({
    params: CloudInitParamsSchema,
    result: z.object({
      volume: VolSummarySchema,
      /** the CD-ROM's target (sda, hdc, ...) */
      target: z.string(),
      /** false when the definition already had this seed: only the volume was made anew */
      attached: z.boolean(),
      /** only with passwordGenerate */
      password: z.string().optional(),
    }),
    readonly: false,
    summary: 'make a cloud-init NoCloud seed volume and attach it as a CD-ROM to the persistent definition (virt-install --cloud-init)',
  }),
};
