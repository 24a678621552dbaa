// Domain calls answered by the QEMU guest agent inside the guest (virsh domifaddr --source
// agent, domfsinfo, domfsfreeze/domfsthaw, domtime, guestinfo, set-user-password,
// domhostname). As in libvirt, none is allowed on the read-only socket: they run code
// in the guest.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

const Dom = z.object({ domain: DomainRefSchema });
const Empty = z.object({});
const opt = <T extends z.ZodType>(t: T) => t.optional();

export const AgentInterfaceSchema = z.object({
  name: z.string().describe("the guest's name of the interface (lo, enp1s0)"),
  mac: opt(z.string()),
  addrs: z.array(z.object({ type: z.enum(['ipv4', 'ipv6']), ip: z.string(), prefix: z.number().int() })),
});

export const GuestFilesystemSchema = z.object({
  mountpoint: z.string(), name: z.string().describe('guest device (vda1)'), fstype: z.string(),
  totalBytes: opt(z.number()), usedBytes: opt(z.number()),
  disks: z.array(z.object({
    alias: opt(z.string().describe("the domain disk's target (vda)")), serial: opt(z.string()), device: opt(z.string()),
  })),
});

export const GUEST_INFO_TYPES = ['users', 'os', 'timezone', 'hostname', 'filesystem', 'disks', 'interfaces'] as const;

export const GuestInfoSchema = z.object({
  users: opt(z.array(z.object({ name: z.string(), domain: opt(z.string()), loginTimeMs: z.number() }))),
  os: opt(z.object({
    id: opt(z.string()), name: opt(z.string()), prettyName: opt(z.string()), version: opt(z.string()), versionId: opt(z.string()),
    kernelRelease: opt(z.string()), kernelVersion: opt(z.string()), machine: opt(z.string()), variant: opt(z.string()), variantId: opt(z.string()),
  })),
  timezone: opt(z.object({ name: opt(z.string()), offset: z.number().int().describe('seconds east of UTC') })),
  hostname: opt(z.string()),
  filesystems: opt(z.array(GuestFilesystemSchema)),
  disks: opt(z.array(z.object({
    name: z.string(), partition: z.boolean(), dependencies: opt(z.array(z.string())),
    serial: opt(z.string()), alias: opt(z.string()), guestAlias: opt(z.string()),
  }))),
  interfaces: opt(z.array(AgentInterfaceSchema)),
});
export type GuestInfo = z.infer<typeof GuestInfoSchema>;

export const agentMethods = {
  'domain.agentInterfaces': method({
    params: Dom, result: z.object({ interfaces: z.array(AgentInterfaceSchema) }), readonly: false,
    summary: "the guest's network interfaces and addresses, from the guest agent (virsh domifaddr --source agent)",
  }),
  'domain.fsInfo': method({
    params: Dom, result: z.object({ filesystems: z.array(GuestFilesystemSchema) }), readonly: false,
    summary: "the guest's mounted filesystems and the domain disks under them (virsh domfsinfo)",
  }),
  'domain.fsFreeze': method({
    params: Dom.extend({ mountpoints: opt(z.array(z.string()).describe('only these; default all')) }),
    result: z.object({ count: z.number().int() }), readonly: false,
    summary: "freeze the guest's filesystems (virsh domfsfreeze)",
  }),
  'domain.fsThaw': method({
    params: Dom.extend({ mountpoints: opt(z.array(z.string()).describe('not supported by the QEMU agent: thaw is all or nothing')) }),
    result: z.object({ count: z.number().int() }), readonly: false,
    summary: "thaw the guest's frozen filesystems (virsh domfsthaw)",
  }),
  'domain.getTime': method({
    params: Dom, result: z.object({ seconds: z.number().int(), nseconds: z.number().int() }), readonly: false,
    summary: "the guest's clock (virsh domtime)",
  }),
  'domain.setTime': method({
    params: Dom.extend({
      seconds: opt(z.number().int()), nseconds: opt(z.number().int()),
      sync: opt(z.boolean().describe("set the guest's clock from its RTC instead (virsh domtime --sync)")),
    }),
    result: Empty, readonly: false, summary: "set the guest's clock (virsh domtime --time/--now/--sync)",
  }),
  'domain.guestInfo': method({
    params: Dom.extend({ types: opt(z.array(z.enum(GUEST_INFO_TYPES)).describe('default: every kind the agent supports')) }),
    result: GuestInfoSchema, readonly: false,
    summary: "users, OS, time zone, host name, filesystems, disks and interfaces as the guest sees them (virsh guestinfo)",
  }),
  'domain.setUserPassword': method({
    params: Dom.extend({ user: z.string(), password: z.string(), encrypted: opt(z.boolean().describe('the password is already crypt(3)ed')) }),
    result: Empty, readonly: false, summary: "set a guest user's password (virsh set-user-password)",
  }),
  'domain.getHostname': method({
    params: Dom.extend({ source: opt(z.enum(['agent', 'lease']).describe('default agent')) }),
    result: z.object({ hostname: z.string() }), readonly: false,
    summary: "the guest's host name, from the guest agent or the DHCP leases (virsh domhostname)",
  }),
};
