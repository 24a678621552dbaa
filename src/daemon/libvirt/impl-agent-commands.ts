// The guest agent procedures (procs-agent-commands.ts), each one API call of
// src/protocol/methods-agent.ts; flags and type bits as libvirt's qemu driver checks them.
import { guestInfoParams, type GuestInfoParam } from '../../protocol/guest-info-params.js';
import { GUEST_INFO_TYPES } from '../../protocol/methods-agent.js';
import { TypedParamType, type TypedParam } from '../../protocol/libvirt/remote-types.js';
import { TsvirtError } from '../../util/errors.js';
import { checkFlags } from './rpc-errors.js';
import type { Impls } from './rpc-impl.js';
import { domRef } from './rpc-ids.js';

const TIME_SYNC = 1; // VIR_DOMAIN_TIME_SYNC
const PASSWORD_ENCRYPTED = 1; // VIR_DOMAIN_PASSWORD_ENCRYPTED
const HOSTNAME = { LEASE: 1, AGENT: 2 }; // VIR_DOMAIN_GET_HOSTNAME_*
// VIR_DOMAIN_GUEST_INFO_* bits, in GUEST_INFO_TYPES's order (users 1, os 2, ... interfaces 64)
const GUEST_INFO_ALL = (1 << GUEST_INFO_TYPES.length) - 1;

function typedParam(p: GuestInfoParam): TypedParam {
  switch (p.type) {
    case 'int': return { field: p.field, value: { type: TypedParamType.INT, value: Number(p.value) } };
    case 'uint': return { field: p.field, value: { type: TypedParamType.UINT, value: Number(p.value) } };
    case 'ullong': return { field: p.field, value: { type: TypedParamType.ULLONG, value: BigInt(Math.max(0, Math.round(Number(p.value)))) } };
    case 'boolean': return { field: p.field, value: { type: TypedParamType.BOOLEAN, value: p.value ? 1 : 0 } };
    default: return { field: p.field, value: { type: TypedParamType.STRING, value: String(p.value) } };
  }
}

export const agentCommandImpls: Impls = {
  DOMAIN_FSFREEZE: async ({ dom, mountpoints, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainFSFreeze');
    const r = await ctx.call('domain.fsFreeze', { domain: domRef(dom), mountpoints: mountpoints.length ? mountpoints : undefined });
    return { filesystems: r.count };
  },
  DOMAIN_FSTHAW: async ({ dom, mountpoints, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainFSThaw');
    const r = await ctx.call('domain.fsThaw', { domain: domRef(dom), mountpoints: mountpoints.length ? mountpoints : undefined });
    return { filesystems: r.count };
  },
  DOMAIN_GET_FSINFO: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainGetFSInfo');
    const { filesystems } = await ctx.call('domain.fsInfo', { domain: domRef(dom) });
    const info = filesystems.map((f) => ({
      mountpoint: f.mountpoint, name: f.name, fstype: f.fstype,
      dev_aliases: f.disks.flatMap((d) => (d.alias ? [d.alias] : [])),
    }));
    return { info, ret: info.length };
  },
  DOMAIN_GET_TIME: async ({ dom, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainGetTime');
    const t = await ctx.call('domain.getTime', { domain: domRef(dom) });
    return { seconds: BigInt(t.seconds), nseconds: t.nseconds };
  },
  DOMAIN_SET_TIME: async ({ dom, seconds, nseconds, flags }, ctx) => {
    checkFlags(flags, TIME_SYNC, 'qemuDomainSetTime');
    const sync = (flags & TIME_SYNC) !== 0;
    if (!sync && (seconds < 0n || seconds > BigInt(Number.MAX_SAFE_INTEGER))) throw new TsvirtError('invalid-arg', `Time '${seconds}' is too big for guest agent`);
    await ctx.call('domain.setTime', sync ? { domain: domRef(dom), sync } : { domain: domRef(dom), seconds: Number(seconds), nseconds });
  },
  DOMAIN_GET_GUEST_INFO: async ({ dom, types, flags }, ctx) => {
    checkFlags(flags, 0, 'qemuDomainGetGuestInfo');
    if (types & ~GUEST_INFO_ALL) throw new TsvirtError('invalid-arg', `unsupported guest information types '0x${((types & ~GUEST_INFO_ALL) >>> 0).toString(16)}'`);
    const asked = GUEST_INFO_TYPES.filter((_, i) => types & (1 << i));
    const info = await ctx.call('domain.guestInfo', { domain: domRef(dom), types: asked.length ? [...asked] : undefined });
    return { params: guestInfoParams(info).map(typedParam) };
  },
  DOMAIN_SET_USER_PASSWORD: async ({ dom, user, password, flags }, ctx) => {
    checkFlags(flags, PASSWORD_ENCRYPTED, 'qemuDomainSetUserPassword');
    if (user === null || password === null) throw new TsvirtError('invalid-arg', `${user === null ? 'user' : 'password'} in virDomainSetUserPassword must not be NULL`);
    await ctx.call('domain.setUserPassword', { domain: domRef(dom), user, password, encrypted: (flags & PASSWORD_ENCRYPTED) !== 0 });
  },
  DOMAIN_GET_HOSTNAME: async ({ dom, flags }, ctx) => {
    checkFlags(flags, HOSTNAME.LEASE | HOSTNAME.AGENT, 'qemuDomainGetHostname');
    if ((flags & HOSTNAME.LEASE) && (flags & HOSTNAME.AGENT)) {
      throw new TsvirtError('invalid-arg', "Flags 'VIR_DOMAIN_GET_HOSTNAME_LEASE' and 'VIR_DOMAIN_GET_HOSTNAME_AGENT' are mutually exclusive");
    }
    return ctx.call('domain.getHostname', { domain: domRef(dom), source: flags & HOSTNAME.LEASE ? 'lease' : 'agent' });
  },
};
