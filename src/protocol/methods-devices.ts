// Device attach/detach/update on a domain (virsh attach-device, detach-device,
// update-device, attach-disk, detach-disk): one device's XML and virsh's flags.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

export const DeviceChangeSchema = z.object({
  domain: DomainRefSchema,
  /** the XML of ONE device: <disk>, <interface>, <hostdev>, ... */
  xml: z.string(),
  /** change the running domain */
  live: z.boolean().optional(),
  /** change the persistent definition */
  config: z.boolean().optional(),
  /** live when running, else config (the default when no flag is given) */
  current: z.boolean().optional(),
  /** config, plus live when running */
  persistent: z.boolean().optional(),
});

const Empty = z.object({});

export const deviceMethods = {
  'domain.attachDevice': method({ params: DeviceChangeSchema, result: Empty, readonly: false, summary: 'add one device, live (hot-plug) and/or to the definition (virsh attach-device)' }),
  'domain.detachDevice': method({ params: DeviceChangeSchema, result: Empty, readonly: false, summary: 'remove one device, live (hot-unplug) and/or from the definition (virsh detach-device)' }),
  'domain.updateDevice': method({ params: DeviceChangeSchema, result: Empty, readonly: false, summary: 'change one device in place (virsh update-device)' }),
};
