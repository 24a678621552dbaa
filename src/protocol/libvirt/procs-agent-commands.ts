// Domain procedures of the REMOTE program (remote_protocol.x) that libvirt answers with the
// QEMU guest agent: filesystems (info, freeze, thaw), the guest's clock, guest info,
// a user's password and the host name. (domifaddr's DOMAIN_INTERFACE_ADDRESSES is in
// procs-domain-devices.ts, for its lease and arp sources too.)
import { array, hyper, int, struct, uint } from './xdr.js';
import { DomFlagsArgs, NonnullDomain, NonnullString, OptString, typedParams } from './remote-types.js';
import { proc } from './procs.js';

const FSFREEZE_MOUNTPOINTS_MAX = 256; // REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX
const FSINFO_MAX = 256; // REMOTE_DOMAIN_FSINFO_MAX
const FSINFO_DISKS_MAX = 256; // REMOTE_DOMAIN_FSINFO_DISKS_MAX
const GUEST_INFO_PARAMS_MAX = 2048; // REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX

const FsFreezeArgs = struct('remote_domain_fsfreeze_args', {
  dom: NonnullDomain, mountpoints: array(NonnullString, FSFREEZE_MOUNTPOINTS_MAX), flags: uint,
});
const FsInfo = struct('remote_domain_fsinfo', {
  mountpoint: NonnullString, name: NonnullString, fstype: NonnullString, dev_aliases: array(NonnullString, FSINFO_DISKS_MAX),
});

export const agentCommandProcs = {
  DOMAIN_FSFREEZE: proc(335, FsFreezeArgs, struct('remote_domain_fsfreeze_ret', { filesystems: int })),
  DOMAIN_FSTHAW: proc(336, FsFreezeArgs, struct('remote_domain_fsthaw_ret', { filesystems: int })),
  DOMAIN_GET_TIME: proc(337, DomFlagsArgs, struct('remote_domain_get_time_ret', { seconds: hyper, nseconds: uint })),
  DOMAIN_SET_TIME: proc(338, struct('remote_domain_set_time_args', { dom: NonnullDomain, seconds: hyper, nseconds: uint, flags: uint }), null),
  DOMAIN_GET_FSINFO: proc(349, DomFlagsArgs, struct('remote_domain_get_fsinfo_ret', { info: array(FsInfo, FSINFO_MAX), ret: uint })),
  DOMAIN_SET_USER_PASSWORD: proc(357, struct('remote_domain_set_user_password_args', {
    dom: NonnullDomain, user: OptString, password: OptString, flags: uint,
  }), null),
  DOMAIN_GET_HOSTNAME: proc(277, DomFlagsArgs, struct('remote_domain_get_hostname_ret', { hostname: NonnullString })),
  DOMAIN_GET_GUEST_INFO: proc(418, struct('remote_domain_get_guest_info_args', { dom: NonnullDomain, types: uint, flags: uint }),
    struct('remote_domain_get_guest_info_ret', { params: typedParams(GUEST_INFO_PARAMS_MAX) })),
};
