// Connection and host procedures of the REMOTE program (remote_protocol.x).
import { array, fixedChars, int, struct, uhyper, uint } from './xdr.js';
import { AUTH_TYPE_LIST_MAX, NonnullString, OptString } from './remote-types.js';
import { proc } from './procs.js';

const Flags = struct('flags_args', { flags: uint });
const Str = (field: string) => struct(`${field}_ret`, { [field]: NonnullString });

export const connectProcs = {
  CONNECT_OPEN: proc(1, struct('remote_connect_open_args', { name: OptString, flags: uint }), null),
  CONNECT_CLOSE: proc(2, null, null),
  CONNECT_GET_TYPE: proc(3, null, Str('type')),
  CONNECT_GET_VERSION: proc(4, null, struct('remote_connect_get_version_ret', { hv_ver: uhyper })),
  CONNECT_GET_MAX_VCPUS: proc(5, struct('remote_connect_get_max_vcpus_args', { type: OptString }), struct('remote_connect_get_max_vcpus_ret', { max_vcpus: int })),
  NODE_GET_INFO: proc(6, null, struct('remote_node_get_info_ret', {
    model: fixedChars(32), memory: uhyper, cpus: int, mhz: int, nodes: int, sockets: int, cores: int, threads: int,
  })),
  CONNECT_GET_CAPABILITIES: proc(7, null, Str('capabilities')),
  CONNECT_GET_HOSTNAME: proc(59, null, Str('hostname')),
  CONNECT_SUPPORTS_FEATURE: proc(60, struct('remote_connect_supports_feature_args', { feature: int }), struct('remote_connect_supports_feature_ret', { supported: int })),
  AUTH_LIST: proc(66, null, struct('remote_auth_list_ret', { types: array(int, AUTH_TYPE_LIST_MAX) })),
  NODE_GET_FREE_MEMORY: proc(102, null, struct('remote_node_get_free_memory_ret', { freeMem: uhyper })),
  CONNECT_GET_URI: proc(110, null, Str('uri')),
  CONNECT_IS_SECURE: proc(149, null, struct('remote_connect_is_secure_ret', { secure: int })),
  CONNECT_GET_LIB_VERSION: proc(157, null, struct('remote_connect_get_lib_version_ret', { lib_ver: uhyper })),
  CONNECT_GET_SYSINFO: proc(203, Flags, Str('sysinfo')),
  CONNECT_GET_DOMAIN_CAPABILITIES: proc(342, struct('remote_connect_get_domain_capabilities_args', {
    emulatorbin: OptString, arch: OptString, machine: OptString, virttype: OptString, flags: uint,
  }), Str('capabilities')),
  CONNECT_REGISTER_CLOSE_CALLBACK: proc(360, null, null),
  CONNECT_UNREGISTER_CLOSE_CALLBACK: proc(361, null, null),
};
