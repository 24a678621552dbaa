// One typed function per QMP command (QEMU 7.2 schema). The only place that knows
// QMP command names and argument spellings; callers pass the monitor first.
import type { QmpMonitor, QmpExecuteOptions } from './qmp-monitor.js';

type Mon = Pick<QmpMonitor, 'execute'>;
type Opts = QmpExecuteOptions;

// ---- session and run state ----

export async function qmpCapabilities(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('qmp_capabilities', undefined, opts);
}

export async function cont(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('cont', undefined, opts);
}

export async function stop(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('stop', undefined, opts);
}

/** ACPI power button: the guest decides whether to shut down. */
export async function systemPowerdown(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('system_powerdown', undefined, opts);
}

export async function systemReset(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('system_reset', undefined, opts);
}

/** QEMU exits right after answering; the monitor then sees 'close'. */
export async function quit(mon: Mon, opts?: Opts): Promise<void> {
  await mon.execute('quit', undefined, opts);
}

export interface QmpStatus {
  /** "running", "paused", "prelaunch", "shutdown", "guest-panicked", "inmigrate", ... */
  status: string;
  running: boolean;
  singlestep?: boolean;
}

export function queryStatus(mon: Mon, opts?: Opts): Promise<QmpStatus> {
  return mon.execute<QmpStatus>('query-status', undefined, opts);
}

export interface QmpVersion {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

export function queryVersion(mon: Mon, opts?: Opts): Promise<QmpVersion> {
  return mon.execute<QmpVersion>('query-version', undefined, opts);
}

export function queryTarget(mon: Mon, opts?: Opts): Promise<{ arch: string }> {
  return mon.execute<{ arch: string }>('query-target', undefined, opts);
}

export function queryKvm(mon: Mon, opts?: Opts): Promise<{ enabled: boolean; present: boolean }> {
  return mon.execute('query-kvm', undefined, opts);
}

// ---- capabilities ----

export interface QmpMachineInfo {
  name: string;
  alias?: string;
  'is-default'?: boolean;
  'cpu-max': number;
  'hotpluggable-cpus': boolean;
  'numa-mem-supported': boolean;
  deprecated: boolean;
  'default-cpu-type'?: string;
  'default-ram-id'?: string;
  acpi?: boolean;
}

export function queryMachines(mon: Mon, opts?: Opts): Promise<QmpMachineInfo[]> {
  return mon.execute<QmpMachineInfo[]>('query-machines', undefined, opts);
}

export interface QmpCpuDefinition {
  name: string;
  'migration-safe'?: boolean;
  static: boolean;
  'unavailable-features'?: string[];
  typename: string;
  'alias-of'?: string;
  deprecated: boolean;
}

export function queryCpuDefinitions(mon: Mon, opts?: Opts): Promise<QmpCpuDefinition[]> {
  return mon.execute<QmpCpuDefinition[]>('query-cpu-definitions', undefined, opts);
}

export interface QomTypeInfo {
  name: string;
  abstract?: boolean;
  parent?: string;
}

export function qomListTypes(
  mon: Mon, filter: { implements?: string; abstract?: boolean } = {}, opts?: Opts,
): Promise<QomTypeInfo[]> {
  const args: Record<string, unknown> = {};
  if (filter.implements !== undefined) args.implements = filter.implements;
  if (filter.abstract !== undefined) args.abstract = filter.abstract;
  return mon.execute<QomTypeInfo[]>('qom-list-types', args, opts);
}

export function qomGet<T = unknown>(mon: Mon, path: string, property: string, opts?: Opts): Promise<T> {
  return mon.execute<T>('qom-get', { path, property }, opts);
}

export async function qomSet(mon: Mon, path: string, property: string, value: unknown, opts?: Opts): Promise<void> {
  await mon.execute('qom-set', { path, property, value }, opts);
}

// ---- chardevs, display, input ----

export interface QmpChardevInfo {
  label: string;
  /** e.g. "pty:/dev/pts/3", "unix:/run/x.sock,server=on", "file" */
  filename: string;
  'frontend-open'?: boolean;
}

export function queryChardev(mon: Mon, opts?: Opts): Promise<QmpChardevInfo[]> {
  return mon.execute<QmpChardevInfo[]>('query-chardev', undefined, opts);
}

export interface QmpVncInfo {
  enabled: boolean;
  host?: string;
  family?: string;
  service?: string;
  auth?: string;
  clients?: Array<{ host: string; service: string; family: string; websocket: boolean }>;
}

export function queryVnc(mon: Mon, opts?: Opts): Promise<QmpVncInfo> {
  return mon.execute<QmpVncInfo>('query-vnc', undefined, opts);
}

/** Sets the VNC password (QEMU 7.2: set_password with protocol vnc). */
export async function setVncPassword(mon: Mon, password: string, opts?: Opts): Promise<void> {
  await mon.execute('set_password', { protocol: 'vnc', password }, opts);
}

export interface QmpSpiceInfo {
  enabled: boolean;
  migrated: boolean;
  host?: string;
  port?: number;
  'tls-port'?: number;
  auth?: string;
  'mouse-mode': string;
  channels?: Array<{ host: string; port: string; family: string; 'channel-type': number }>;
}

export function querySpice(mon: Mon, opts?: Opts): Promise<QmpSpiceInfo> {
  return mon.execute<QmpSpiceInfo>('query-spice', undefined, opts);
}

/** set_password for VNC or SPICE; `connected` (SPICE: fail, disconnect, keep) says what happens to connected clients. */
export async function setGraphicsPassword(mon: Mon, protocol: 'vnc' | 'spice', password: string, connected?: string, opts?: Opts): Promise<void> {
  await mon.execute('set_password', { protocol, password, ...(connected ? { connected } : {}) }, opts);
}

/** expire_password: `time` is 'now', 'never', '+SECONDS' or an absolute UNIX time in seconds. */
export async function expireGraphicsPassword(mon: Mon, protocol: 'vnc' | 'spice', time: string, opts?: Opts): Promise<void> {
  await mon.execute('expire_password', { protocol, time }, opts);
}

/**
 * Presses the keys together, then releases them. A key is a QEMU qcode name
 * ("ctrl", "alt", "delete", "a", "ret") or a number (a raw scancode).
 */
export async function sendKey(mon: Mon, keys: Array<string | number>, holdTimeMs?: number, opts?: Opts): Promise<void> {
  const args: Record<string, unknown> = {
    keys: keys.map((k) => (typeof k === 'number' ? { type: 'number', data: k } : { type: 'qcode', data: k })),
  };
  if (holdTimeMs !== undefined) args['hold-time'] = holdTimeMs;
  await mon.execute('send-key', args, opts);
}

/** Runs an HMP (human monitor) command line and returns its text output. */
export function humanMonitorCommand(mon: Mon, commandLine: string, opts?: Opts): Promise<string> {
  return mon.execute<string>('human-monitor-command', { 'command-line': commandLine }, opts);
}

// ---- hot-plug ----

/** props holds `driver`, `id` and the device's properties, as on the -device command line. */
export async function deviceAdd(mon: Mon, props: Record<string, unknown>, opts?: Opts): Promise<void> {
  await mon.execute('device_add', props, opts);
}

/** Asks the guest to release the device; completion is the DEVICE_DELETED event. */
export async function deviceDel(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('device_del', { id }, opts);
}

/** props as for -blockdev (driver, node-name, file, ...). */
export async function blockdevAdd(mon: Mon, props: Record<string, unknown>, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-add', props, opts);
}

export async function blockdevDel(mon: Mon, nodeName: string, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-del', { 'node-name': nodeName }, opts);
}

export interface QmpBlockInfo {
  device: string;
  /** QOM path of the guest device, e.g. /machine/peripheral/virtio-disk1/virtio-backend */
  qdev?: string;
  inserted?: { 'node-name': string; file: string; image?: { 'virtual-size': number; 'actual-size'?: number } };
}

/** Block backends with their guest device and top node. */
export function queryBlock(mon: Mon, opts?: Opts): Promise<QmpBlockInfo[]> {
  return mon.execute('query-block', undefined, opts);
}

/** Every named block node (flat: no nested backing chains). */
export function queryNamedBlockNodes(mon: Mon, opts?: Opts): Promise<Array<{ 'node-name': string; file: string; drv: string }>> {
  return mon.execute('query-named-block-nodes', { flat: true }, opts);
}

// ---- removable media (CD-ROM, floppy): the guest device keeps its id, the medium changes ----

/** Opens the tray; `force` opens it even when the guest locked it. */
export async function blockdevOpenTray(mon: Mon, id: string, force: boolean, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-open-tray', { id, force }, opts);
}

export async function blockdevCloseTray(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-close-tray', { id }, opts);
}

/** Takes the medium out of an open tray (no-op when there is none). */
export async function blockdevRemoveMedium(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-remove-medium', { id }, opts);
}

/** Puts the block node `nodeName` into the device's open, empty tray. */
export async function blockdevInsertMedium(mon: Mon, id: string, nodeName: string, opts?: Opts): Promise<void> {
  await mon.execute('blockdev-insert-medium', { id, 'node-name': nodeName }, opts);
}

/** props as for -netdev: `type`, `id` and the backend's options. */
export async function netdevAdd(mon: Mon, props: Record<string, unknown>, opts?: Opts): Promise<void> {
  await mon.execute('netdev_add', props, opts);
}

export async function netdevDel(mon: Mon, id: string, opts?: Opts): Promise<void> {
  await mon.execute('netdev_del', { id }, opts);
}

/** Link state of a NIC (its device id) or netdev. */
export async function setLink(mon: Mon, name: string, up: boolean, opts?: Opts): Promise<void> {
  await mon.execute('set_link', { name, up }, opts);
}

// ---- memory and CPUs ----

/** Current balloon size in bytes ("actual"); fails with DeviceNotActive when there is no balloon. */
export function queryBalloon(mon: Mon, opts?: Opts): Promise<{ actual: number }> {
  return mon.execute<{ actual: number }>('query-balloon', undefined, opts);
}

/** Asks the balloon driver for a new guest memory size, in bytes. */
export async function balloon(mon: Mon, bytes: number, opts?: Opts): Promise<void> {
  await mon.execute('balloon', { value: bytes }, opts);
}

export interface QmpCpuInfoFast {
  'cpu-index': number;
  'qom-path': string;
  'thread-id': number;
  target: string;
  props?: { 'node-id'?: number; 'socket-id'?: number; 'core-id'?: number; 'thread-id'?: number };
}

export function queryCpusFast(mon: Mon, opts?: Opts): Promise<QmpCpuInfoFast[]> {
  return mon.execute<QmpCpuInfoFast[]>('query-cpus-fast', undefined, opts);
}

// ---- statistics ----

/** I/O counters of one block backend (QEMU's BlockDeviceStats, the fields tsvirt reads). */
export interface QmpBlockDeviceStats {
  rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number; flush_operations: number;
  rd_total_time_ns: number; wr_total_time_ns: number; flush_total_time_ns: number;
  failed_rd_operations?: number; failed_wr_operations?: number; failed_flush_operations?: number;
  /** the highest offset written, bytes: libvirt's block allocation figure */
  wr_highest_offset?: number;
}

export interface QmpBlockStats {
  /** the backend name; empty for -blockdev backends */
  device?: string;
  /** qdev id or QOM path of the guest device, e.g. /machine/peripheral/virtio-disk0/virtio-backend */
  qdev?: string;
  'node-name'?: string;
  stats: QmpBlockDeviceStats;
}

/** Counters of every block backend attached to a guest device. */
export function queryBlockstats(mon: Mon, opts?: Opts): Promise<QmpBlockStats[]> {
  return mon.execute<QmpBlockStats[]>('query-blockstats', { 'query-nodes': false }, opts);
}
