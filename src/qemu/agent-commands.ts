// The guest-* commands of the QEMU guest agent that the agent-based domain calls use
// (domifaddr --source agent, domfsinfo, domfsfreeze/thaw, domtime, guestinfo,
// set-user-password, domhostname), and the mapping of their replies to libvirt's shapes,
// as src/qemu/qemu_agent.c does. Only this file knows those command names.
import type { Disk, Domain } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { AgentCommandError, type GuestAgent } from './guest-agent.js';

type Agent = Pick<GuestAgent, 'command'>;

export interface AgentIpAddress {
  type: 'ipv4' | 'ipv6';
  ip: string;
  prefix: number;
}
export interface AgentInterface {
  name: string;
  mac?: string;
  addrs: AgentIpAddress[];
}

/** guest-network-get-interfaces; aliases (eth0:1) join their interface, lo included, as libvirt */
export async function agentInterfaces(agent: Agent): Promise<AgentInterface[]> {
  const reply = await agent.command<unknown>('guest-network-get-interfaces');
  if (!Array.isArray(reply)) throw malformed('guest-network-get-interfaces', 'return data was not an array');
  const out: AgentInterface[] = [];
  for (const raw of reply as Array<Record<string, unknown>>) {
    if (typeof raw?.name !== 'string') throw malformed('guest-network-get-interfaces', "interface without a 'name'");
    const name = raw.name.split(':')[0]!;
    let iface = out.find((i) => i.name === name);
    if (!iface) {
      iface = { name, addrs: [] };
      if (typeof raw['hardware-address'] === 'string') iface.mac = raw['hardware-address'];
      out.push(iface);
    }
    for (const a of (raw['ip-addresses'] ?? []) as Array<Record<string, unknown>>) {
      const type = a['ip-address-type'];
      if (type !== 'ipv4' && type !== 'ipv6') throw malformed('guest-network-get-interfaces', `unknown ip address type '${String(type)}'`);
      if (typeof a['ip-address'] !== 'string') throw malformed('guest-network-get-interfaces', "address without 'ip-address'");
      iface.addrs.push({ type, ip: a['ip-address'], prefix: Number(a.prefix ?? 0) });
    }
  }
  return out;
}

export interface AgentFsDisk {
  /** the domain disk's target (vda) it is on, when tsvirt can tell which */
  alias?: string;
  serial?: string;
  /** the guest's device node (/dev/vda1) */
  device?: string;
}
export interface AgentFilesystem {
  mountpoint: string;
  name: string;
  fstype: string;
  totalBytes?: number;
  usedBytes?: number;
  disks: AgentFsDisk[];
}

interface PciAddr { domain?: number; bus?: number; slot?: number; function?: number }

/** The domain disk behind a guest disk: same PCI address (virtio-blk), or same serial. */
function diskByAddress(def: Domain, agentDisk: Record<string, unknown>): Disk | undefined {
  const pci = agentDisk['pci-controller'] as PciAddr | undefined;
  const byPci = pci && def.devices.disks.find((d) => d.address?.type === 'pci' && d.address.domain === (pci.domain ?? 0)
    && d.address.bus === pci.bus && d.address.slot === pci.slot && d.address.function === pci.function);
  if (byPci) return byPci;
  const serial = agentDisk.serial;
  return typeof serial === 'string' && serial ? def.devices.disks.find((d) => d.serial === serial) : undefined;
}

/** guest-get-fsinfo, in mount order (qemu-ga lists the last mounted first) */
export async function agentFilesystems(agent: Agent, def: Domain): Promise<AgentFilesystem[]> {
  const reply = await agent.command<unknown>('guest-get-fsinfo');
  if (!Array.isArray(reply)) throw malformed('guest-get-fsinfo', 'return data was not an array');
  return (reply as Array<Record<string, unknown>>).slice().reverse().map((fs) => {
    if (typeof fs.mountpoint !== 'string' || typeof fs.name !== 'string' || typeof fs.type !== 'string') {
      throw malformed('guest-get-fsinfo', "filesystem without 'mountpoint', 'name' or 'type'");
    }
    const disks = ((fs.disk ?? []) as Array<Record<string, unknown>>).map((d) => {
      const out: AgentFsDisk = {};
      const alias = diskByAddress(def, d)?.target.dev;
      if (alias) out.alias = alias;
      if (typeof d.serial === 'string') out.serial = d.serial;
      if (typeof d.dev === 'string') out.device = d.dev;
      return out;
    });
    const r: AgentFilesystem = { mountpoint: fs.mountpoint, name: fs.name, fstype: fs.type, disks };
    if (typeof fs['total-bytes'] === 'number') r.totalBytes = fs['total-bytes'];
    if (typeof fs['used-bytes'] === 'number') r.usedBytes = fs['used-bytes'];
    return r;
  });
}

/** guest-fsfreeze-freeze(-list): how many filesystems it froze */
export async function agentFsFreeze(agent: Agent, mountpoints?: string[]): Promise<number> {
  const n = mountpoints?.length
    ? await agent.command<number>('guest-fsfreeze-freeze-list', { mountpoints })
    : await agent.command<number>('guest-fsfreeze-freeze');
  return count('guest-fsfreeze-freeze', n);
}

/** guest-fsfreeze-thaw: how many filesystems it thawed */
export async function agentFsThaw(agent: Agent): Promise<number> {
  return count('guest-fsfreeze-thaw', await agent.command<number>('guest-fsfreeze-thaw'));
}

/** guest-get-time: nanoseconds since the epoch, split as virDomainGetTime returns them */
export async function agentGetTime(agent: Agent): Promise<{ seconds: number; nseconds: number }> {
  const ns = await agent.command<number>('guest-get-time');
  if (typeof ns !== 'number' || !Number.isFinite(ns)) throw malformed('guest-get-time', 'return data was not a number');
  const seconds = Math.floor(ns / 1e9);
  // the reply is a JSON number past 2^53: the last few nanoseconds are approximate
  const nseconds = Math.min(999_999_999, Math.max(0, Math.round(ns - seconds * 1e9)));
  return { seconds, nseconds };
}

/** guest-set-time: to the given time, or (no time) from the guest's RTC, as virDomainSetTime --sync */
export async function agentSetTime(agent: Agent, time?: { seconds: number; nseconds: number }): Promise<void> {
  if (!time) {
    await agent.command('guest-set-time');
    return;
  }
  // libvirt's check: the time in nanoseconds must fit a long long
  if (time.seconds > 9223372036) throw new TsvirtError('invalid-arg', `Time '${time.seconds}' is too big for guest agent`);
  if (time.seconds < 0 || time.nseconds < 0 || time.nseconds > 999_999_999) throw new TsvirtError('invalid-arg', 'time is out of range for the guest agent');
  await agent.command('guest-set-time', { time: time.seconds * 1e9 + time.nseconds });
}

/** guest-set-user-password: qemu-ga wants the password base64 encoded */
export async function agentSetUserPassword(agent: Agent, user: string, password: string, crypted: boolean): Promise<void> {
  await agent.command('guest-set-user-password', { username: user, password: Buffer.from(password, 'utf8').toString('base64'), crypted });
}

/** guest-get-host-name */
export async function agentHostname(agent: Agent): Promise<string> {
  const r = await agent.command<Record<string, unknown>>('guest-get-host-name');
  if (typeof r?.['host-name'] !== 'string') throw malformed('guest-get-host-name', "'host-name' missing in guest-get-host-name reply");
  return r['host-name'];
}

// ---- guestinfo (virDomainGetGuestInfo): each part as libvirt reads it

export interface AgentUser { name: string; domain?: string; loginTimeMs: number }
export interface AgentOsInfo {
  id?: string; name?: string; prettyName?: string; version?: string; versionId?: string;
  kernelRelease?: string; kernelVersion?: string; machine?: string; variant?: string; variantId?: string;
}
export interface AgentTimezone { name?: string; offset: number }
export interface AgentDisk {
  name: string; partition: boolean; dependencies?: string[]; serial?: string; alias?: string; guestAlias?: string;
}

export async function agentUsers(agent: Agent): Promise<AgentUser[]> {
  const r = await agent.command<Array<Record<string, unknown>>>('guest-get-users');
  if (!Array.isArray(r)) throw malformed('guest-get-users', 'return data was not an array');
  return r.map((u) => {
    if (typeof u.user !== 'string') throw malformed('guest-get-users', "'user' missing in reply of guest-get-users");
    const out: AgentUser = { name: u.user, loginTimeMs: Math.round(Number(u['login-time'] ?? 0) * 1000) };
    if (typeof u.domain === 'string') out.domain = u.domain;
    return out;
  });
}

const OS_FIELDS: Array<[keyof AgentOsInfo, string]> = [
  ['id', 'id'], ['name', 'name'], ['prettyName', 'pretty-name'], ['version', 'version'], ['versionId', 'version-id'],
  ['kernelRelease', 'kernel-release'], ['kernelVersion', 'kernel-version'], ['machine', 'machine'], ['variant', 'variant'], ['variantId', 'variant-id'],
];

export async function agentOsInfo(agent: Agent): Promise<AgentOsInfo> {
  const r = await agent.command<Record<string, unknown>>('guest-get-osinfo');
  const out: AgentOsInfo = {};
  for (const [key, field] of OS_FIELDS) if (typeof r?.[field] === 'string') out[key] = r[field] as string;
  return out;
}

export async function agentTimezone(agent: Agent): Promise<AgentTimezone> {
  const r = await agent.command<Record<string, unknown>>('guest-get-timezone');
  if (typeof r?.offset !== 'number') throw malformed('guest-get-timezone', "'offset' missing in reply of guest-get-timezone");
  return typeof r.zone === 'string' ? { name: r.zone, offset: r.offset } : { offset: r.offset };
}

export async function agentDisks(agent: Agent, def: Domain): Promise<AgentDisk[]> {
  const r = await agent.command<Array<Record<string, unknown>>>('guest-get-disks');
  if (!Array.isArray(r)) throw malformed('guest-get-disks', 'return data was not an array');
  return r.map((d) => {
    if (typeof d.name !== 'string') throw malformed('guest-get-disks', "disk without 'name'");
    const out: AgentDisk = { name: d.name, partition: d.partition === true };
    if (Array.isArray(d.dependencies)) out.dependencies = d.dependencies.filter((x): x is string => typeof x === 'string');
    const addr = d.address as Record<string, unknown> | undefined;
    if (addr) {
      if (typeof addr.serial === 'string') out.serial = addr.serial;
      const disk = diskByAddress(def, addr);
      if (disk) out.alias = disk.target.dev;
    }
    if (typeof d.alias === 'string') out.guestAlias = d.alias;
    return out;
  });
}

/** the agent does not have the command (older qemu-ga, or disabled by the guest's policy) */
export function isUnsupportedByAgent(e: unknown): boolean {
  return e instanceof AgentCommandError && (e.agentClass === 'CommandNotFound' || e.agentClass === 'CommandDisabled');
}

function count(cmd: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw malformed(cmd, 'malformed return value');
  return n;
}

function malformed(cmd: string, why: string): TsvirtError {
  return new TsvirtError('internal-error', `${cmd}: ${why}`);
}
