// The API, defined once. Every transport (HTTP on the unix socket, later libvirt's
// RPC) turns its input into one call of a method listed here; the daemon's
// dispatcher validates params with these schemas, the client's types come from them.
import * as z from './schema.js';
import { DomainInfoSchema, DomainRefSchema, DomainStateSchema, DomainSummarySchema } from './types.js';
import { storageMethods } from './methods-storage.js';
import { deviceMethods } from './methods-devices.js';
import { networkMethods } from './methods-network.js';
import { webMethods } from './methods-web.js';
import { nodedevMethods } from './methods-nodedev.js';
import { statsMethods } from './methods-stats.js';
import { hostStatsMethods } from './methods-host-stats.js';
import { agentMethods } from './methods-agent.js';
import { cloudInitMethods } from './methods-cloud-init.js';
import { blockJobMethods } from './methods-blockjob.js';
import { agentCommandMethods } from './methods-agent-command.js';
import { saveMethods } from './methods-save.js';
import { snapshotMethods } from './methods-snapshot.js';
import { migrationMethods } from './methods-migration.js';

export interface MethodDef<P extends z.ZodType, R extends z.ZodType> {
  params: P;
  result: R;
  /** allowed on the read-only socket */
  readonly: boolean;
  summary: string;
}

export function method<P extends z.ZodType, R extends z.ZodType>(def: MethodDef<P, R>): MethodDef<P, R> {
  return def;
}

const Empty = z.object({});
/** a volume undefine was asked to delete: removed, or why not */
const RemovedVolumeSchema = z.object({ target: z.string(), source: z.string(), removed: z.boolean(), error: z.string().optional() });
const Dom = z.object({ domain: DomainRefSchema });
const Xml = z.object({ xml: z.string() });
const ShutdownMode = z.enum(['acpi', 'agent', 'initctl', 'signal', 'paravirt']);

export const methods = {
  'connect.getVersion': method({
    params: Empty,
    result: z.object({ hypervisor: z.string(), hypervisorVersion: z.string(), libraryVersion: z.string(), libvirtCompat: z.string() }),
    readonly: true,
    summary: 'versions of tsvirt and of the hypervisor (virsh version)',
  }),
  'connect.getHostname': method({
    params: Empty, result: z.object({ hostname: z.string() }), readonly: true, summary: 'host name (virsh hostname)',
  }),
  'connect.getCapabilities': method({
    params: Empty, result: Xml, readonly: true, summary: 'host capabilities XML (virsh capabilities)',
  }),
  'connect.getDomainCapabilities': method({
    params: z.object({
      emulator: z.string().optional(), arch: z.string().optional(),
      machine: z.string().optional(), virttype: z.enum(['qemu', 'kvm']).optional(),
    }),
    result: Xml, readonly: true, summary: 'domain capabilities XML (virsh domcapabilities)',
  }),
  'connect.getSysinfo': method({
    params: Empty, result: Xml, readonly: true, summary: "the host's SMBIOS facts as libvirt's <sysinfo> XML (virsh sysinfo)",
  }),
  'node.getInfo': method({
    params: Empty,
    result: z.object({
      model: z.string(), memoryKiB: z.number(), cpus: z.number().int(), mhz: z.number(),
      nodes: z.number().int(), sockets: z.number().int(), cores: z.number().int(), threads: z.number().int(),
    }),
    readonly: true, summary: 'host CPU and memory (virsh nodeinfo)',
  }),

  'domain.list': method({
    params: Empty, result: z.object({ domains: z.array(DomainSummarySchema) }), readonly: true,
    summary: 'all domains, running and defined (virsh list --all); filtering is the caller\'s',
  }),
  'domain.lookup': method({
    params: Dom, result: DomainSummarySchema, readonly: true, summary: 'find a domain by name, id or UUID',
  }),
  'domain.define': method({
    params: Xml, result: DomainSummarySchema, readonly: false,
    summary: 'define (or redefine) a persistent domain from XML (virsh define)',
  }),
  'domain.create': method({
    params: Xml.extend({ paused: z.boolean().optional() }), result: DomainSummarySchema, readonly: false,
    summary: 'start a transient domain from XML (virsh create)',
  }),
  'domain.undefine': method({
    params: Dom.extend({
      nvram: z.boolean().optional(), keepNvram: z.boolean().optional(),
      tpm: z.boolean().optional().describe('remove the TPM emulator state, also one with persistent_state'),
      keepTpm: z.boolean().optional().describe('keep the TPM emulator state'),
      managedSave: z.boolean().optional().describe('also remove its managed save image (refused without)'),
      snapshotsMetadata: z.boolean().optional().describe('also remove its snapshot metadata (refused without when it has snapshots and is inactive)'),
      removeAllStorage: z.boolean().optional().describe('also delete the storage volumes behind its disks (not CD-ROMs); only when it is not running'),
      storage: z.array(z.string()).optional().describe('also delete these of its disks\' volumes, by target (vda) or source'),
    }),
    result: z.object({ volumes: z.array(RemovedVolumeSchema).optional() }), readonly: false,
    summary: 'remove the persistent definition; a running domain goes on as transient (virsh undefine [--remove-all-storage])',
  }),
  'domain.start': method({
    params: Dom.extend({ paused: z.boolean().optional(), forceBoot: z.boolean().optional().describe('boot afresh, discarding a managed save image') }), result: DomainSummarySchema, readonly: false,
    summary: 'start a defined domain (virsh start); one with a managed save image resumes from it',
  }),
  'domain.shutdown': method({
    params: Dom.extend({ modes: z.array(ShutdownMode).optional() }), result: Empty, readonly: false,
    summary: 'ask the guest to shut down; returns at once (virsh shutdown)',
  }),
  'domain.reboot': method({
    params: Dom.extend({ modes: z.array(ShutdownMode).optional() }), result: Empty, readonly: false,
    summary: 'ask the guest to reboot (virsh reboot)',
  }),
  'domain.reset': method({ params: Dom, result: Empty, readonly: false, summary: 'hard reset (virsh reset)' }),
  'domain.destroy': method({
    params: Dom.extend({ graceful: z.boolean().optional() }), result: Empty, readonly: false,
    summary: 'stop now: QEMU quits, then is killed if it does not (virsh destroy)',
  }),
  'domain.suspend': method({ params: Dom, result: Empty, readonly: false, summary: 'pause vCPUs (virsh suspend)' }),
  'domain.resume': method({ params: Dom, result: Empty, readonly: false, summary: 'resume vCPUs (virsh resume)' }),
  'domain.getInfo': method({ params: Dom, result: DomainInfoSchema, readonly: true, summary: 'virsh dominfo' }),
  'domain.getState': method({
    params: Dom, result: z.object({ state: DomainStateSchema, reason: z.string() }), readonly: true,
    summary: 'state and reason (virsh domstate --reason)',
  }),
  'domain.getXml': method({
    params: Dom.extend({ inactive: z.boolean().optional() }), result: Xml, readonly: true,
    summary: 'the domain XML: live when running unless inactive (virsh dumpxml)',
  }),
  'domain.setAutostart': method({
    params: Dom.extend({ autostart: z.boolean() }), result: Empty, readonly: false,
    summary: 'start the domain when tsvirtd starts (virsh autostart)',
  }),
  ...storageMethods,
  ...deviceMethods,
  ...networkMethods,
  ...webMethods,
  ...nodedevMethods,
  ...statsMethods,
  ...hostStatsMethods,
  ...agentMethods,
  ...cloudInitMethods,
  ...blockJobMethods,
  ...agentCommandMethods,
  ...saveMethods,
  ...snapshotMethods,
  ...migrationMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export { API_PREFIX, EVENTS_PATH, CONSOLE_PATH, OPENAPI_PATH, METRICS_PATH } from './paths.js';
