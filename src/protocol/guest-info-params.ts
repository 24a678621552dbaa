// virDomainGetGuestInfo's answer as libvirt's typed parameters (user.count, os.id,
// fs.0.mountpoint, ...), in libvirt's order and with its types: the RPC reply carries them,
// and `tsvirt guestinfo` prints them as virsh does.
import type { GuestInfo } from './methods-agent.js';

export type GuestInfoParamType = 'int' | 'uint' | 'ullong' | 'boolean' | 'string';
export interface GuestInfoParam {
  field: string;
  type: GuestInfoParamType;
  value: string | number | boolean;
}

export function guestInfoParams(info: GuestInfo): GuestInfoParam[] {
  const out: GuestInfoParam[] = [];
  const add = (field: string, type: GuestInfoParamType, value: string | number | boolean | undefined) => {
    if (value !== undefined) out.push({ field, type, value });
  };
  if (info.users) {
    add('user.count', 'uint', info.users.length);
    info.users.forEach((u, i) => {
      add(`user.${i}.name`, 'string', u.name);
      add(`user.${i}.domain`, 'string', u.domain);
      add(`user.${i}.login-time`, 'ullong', u.loginTimeMs);
    });
  }
  if (info.os) {
    const o = info.os;
    add('os.id', 'string', o.id);
    add('os.name', 'string', o.name);
    add('os.pretty-name', 'string', o.prettyName);
    add('os.version', 'string', o.version);
    add('os.version-id', 'string', o.versionId);
    add('os.kernel-release', 'string', o.kernelRelease);
    add('os.kernel-version', 'string', o.kernelVersion);
    add('os.machine', 'string', o.machine);
    add('os.variant', 'string', o.variant);
    add('os.variant-id', 'string', o.variantId);
  }
  if (info.timezone) {
    add('timezone.name', 'string', info.timezone.name);
    add('timezone.offset', 'int', info.timezone.offset);
  }
  if (info.hostname !== undefined) add('hostname', 'string', info.hostname);
  if (info.filesystems) {
    add('fs.count', 'uint', info.filesystems.length);
    info.filesystems.forEach((f, i) => {
      add(`fs.${i}.mountpoint`, 'string', f.mountpoint);
      add(`fs.${i}.name`, 'string', f.name);
      add(`fs.${i}.fstype`, 'string', f.fstype);
      // libvirt leaves the sizes out when the agent does not know them
      if (f.totalBytes !== undefined && f.usedBytes !== undefined) {
        add(`fs.${i}.total-bytes`, 'ullong', f.totalBytes);
        add(`fs.${i}.used-bytes`, 'ullong', f.usedBytes);
      }
      add(`fs.${i}.disk.count`, 'uint', f.disks.length);
      f.disks.forEach((d, j) => {
        add(`fs.${i}.disk.${j}.alias`, 'string', d.alias);
        add(`fs.${i}.disk.${j}.serial`, 'string', d.serial);
        add(`fs.${i}.disk.${j}.device`, 'string', d.device);
      });
    });
  }
  if (info.disks) {
    add('disk.count', 'uint', info.disks.length);
    info.disks.forEach((d, i) => {
      add(`disk.${i}.name`, 'string', d.name);
      add(`disk.${i}.partition`, 'boolean', d.partition);
      if (d.dependencies) {
        add(`disk.${i}.dependency.count`, 'uint', d.dependencies.length);
        d.dependencies.forEach((dep, j) => add(`disk.${i}.dependency.${j}.name`, 'string', dep));
      }
      add(`disk.${i}.serial`, 'string', d.serial);
      add(`disk.${i}.alias`, 'string', d.alias);
      add(`disk.${i}.guest_alias`, 'string', d.guestAlias);
    });
  }
  if (info.interfaces) {
    add('if.count', 'uint', info.interfaces.length);
    info.interfaces.forEach((f, i) => {
      add(`if.${i}.name`, 'string', f.name);
      add(`if.${i}.hwaddr`, 'string', f.mac);
      add(`if.${i}.addr.count`, 'uint', f.addrs.length);
      f.addrs.forEach((a, j) => {
        add(`if.${i}.addr.${j}.type`, 'string', a.type);
        add(`if.${i}.addr.${j}.addr`, 'string', a.ip);
        add(`if.${i}.addr.${j}.prefix`, 'uint', a.prefix);
      });
    });
  }
  return out;
}

/** a typed parameter's value as virsh prints it (vshGetTypedParamValue) */
export function guestInfoParamText(p: GuestInfoParam): string {
  if (p.type === 'boolean') return p.value ? 'yes' : 'no';
  return String(p.value);
}
