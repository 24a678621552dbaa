// Domain procedures of the REMOTE program (remote_protocol.x) beyond the basics: device
// attach/detach/update, statistics (block, interface, memory, vCPUs), addresses, keys,
// job and control info, block info, and the security label calls.
import { array, hyper, int, opaque, struct, uhyper, uint } from './xdr.js';
import { DomArgs, DomFlagsArgs, NonnullDomain, NonnullString, OptString, typedParams } from './remote-types.js';
import { proc } from './procs.js';

const DomXml = struct('remote_domain_attach_device_args', { dom: NonnullDomain, xml: NonnullString });
const DomXmlFlags = struct('remote_domain_attach_device_flags_args', { dom: NonnullDomain, xml: NonnullString, flags: uint });

// `char x<N>` in the .x file: each char travels as a 4-byte int, NUL included
const SECURITY_LABEL_MAX = 4097;
const SECURITY_MODEL_MAX = 257;
const SECURITY_DOI_MAX = 257;
const SecurityLabel = struct('remote_domain_get_security_label_ret', { label: array(int, SECURITY_LABEL_MAX), enforcing: int });

const IpAddr = struct('remote_domain_ip_addr', { type: int, addr: NonnullString, prefix: uint });
const Iface = struct('remote_domain_interface', { name: NonnullString, hwaddr: OptString, addrs: array(IpAddr, 2048) });
const VcpuInfo = struct('remote_vcpu_info', { number: uint, state: int, cpu_time: uhyper, cpu: int });

export const domainDeviceProcs = {
  DOMAIN_ATTACH_DEVICE: proc(8, DomXml, null),
  DOMAIN_DETACH_DEVICE: proc(13, DomXml, null),
  DOMAIN_ATTACH_DEVICE_FLAGS: proc(160, DomXmlFlags, null),
  DOMAIN_DETACH_DEVICE_FLAGS: proc(161, DomXmlFlags, null),
  DOMAIN_UPDATE_DEVICE_FLAGS: proc(174, DomXmlFlags, null),

  DOMAIN_BLOCK_STATS: proc(64, struct('remote_domain_block_stats_args', { dom: NonnullDomain, path: NonnullString }),
    struct('remote_domain_block_stats_ret', { rd_req: hyper, rd_bytes: hyper, wr_req: hyper, wr_bytes: hyper, errs: hyper })),
  DOMAIN_INTERFACE_STATS: proc(65, struct('remote_domain_interface_stats_args', { dom: NonnullDomain, device: NonnullString }),
    struct('remote_domain_interface_stats_ret', {
      rx_bytes: hyper, rx_packets: hyper, rx_errs: hyper, rx_drop: hyper, tx_bytes: hyper, tx_packets: hyper, tx_errs: hyper, tx_drop: hyper,
    })),
  DOMAIN_MEMORY_STATS: proc(159, struct('remote_domain_memory_stats_args', { dom: NonnullDomain, maxStats: uint, flags: uint }),
    struct('remote_domain_memory_stats_ret', { stats: array(struct('remote_domain_memory_stat', { tag: int, val: uhyper }), 1024) })),
  DOMAIN_SET_MEMORY: proc(31, struct('remote_domain_set_memory_args', { dom: NonnullDomain, memory: uhyper }), null),
  DOMAIN_SET_MEMORY_FLAGS: proc(204, struct('remote_domain_set_memory_flags_args', { dom: NonnullDomain, memory: uhyper, flags: uint }), null),
  DOMAIN_SET_MEMORY_STATS_PERIOD: proc(308, struct('remote_domain_set_memory_stats_period_args', { dom: NonnullDomain, period: int, flags: uint }), null),
  DOMAIN_BLOCK_STATS_FLAGS: proc(243, struct('remote_domain_block_stats_flags_args', { dom: NonnullDomain, path: NonnullString, nparams: int, flags: uint }),
    struct('remote_domain_block_stats_flags_ret', { params: typedParams(16), nparams: int })),
  DOMAIN_GET_VCPUS: proc(20, struct('remote_domain_get_vcpus_args', { dom: NonnullDomain, maxinfo: int, maplen: int }),
    struct('remote_domain_get_vcpus_ret', { info: array(VcpuInfo, 16384), cpumaps: opaque(8388608) })),
  DOMAIN_GET_VCPU_PIN_INFO: proc(230, struct('remote_domain_get_vcpu_pin_info_args', { dom: NonnullDomain, ncpumaps: int, maplen: int, flags: uint }),
    struct('remote_domain_get_vcpu_pin_info_ret', { cpumaps: opaque(8388608), num: int })),
  DOMAIN_GET_VCPUS_FLAGS: proc(200, DomFlagsArgs, struct('remote_domain_get_vcpus_flags_ret', { num: int })),
  DOMAIN_INTERFACE_ADDRESSES: proc(353, struct('remote_domain_interface_addresses_args', { dom: NonnullDomain, source: uint, flags: uint }),
    struct('remote_domain_interface_addresses_ret', { ifaces: array(Iface, 2048) })),
  DOMAIN_SEND_KEY: proc(226, struct('remote_domain_send_key_args', {
    dom: NonnullDomain, codeset: uint, holdtime: uint, keycodes: array(uint, 16), flags: uint,
  }), null),

  DOMAIN_SET_METADATA: proc(264, struct('remote_domain_set_metadata_args', {
    dom: NonnullDomain, type: int, metadata: OptString, key: OptString, uri: OptString, flags: uint,
  }), null),
  DOMAIN_GET_METADATA: proc(265, struct('remote_domain_get_metadata_args', { dom: NonnullDomain, type: int, uri: OptString, flags: uint }),
    struct('remote_domain_get_metadata_ret', { metadata: NonnullString })),
  DOMAIN_GET_CONTROL_INFO: proc(229, DomFlagsArgs, struct('remote_domain_get_control_info_ret', { state: uint, details: uint, stateTime: uhyper })),
  // DOMAIN_GET_JOB_INFO, DOMAIN_GET_JOB_STATS: procs-save.ts
  DOMAIN_GET_BLOCK_INFO: proc(194, struct('remote_domain_get_block_info_args', { dom: NonnullDomain, path: NonnullString, flags: uint }),
    struct('remote_domain_get_block_info_ret', { allocation: uhyper, capacity: uhyper, physical: uhyper })),

  DOMAIN_GET_SECURITY_LABEL: proc(121, DomArgs, SecurityLabel),
  DOMAIN_GET_SECURITY_LABEL_LIST: proc(278, DomArgs, struct('remote_domain_get_security_label_list_ret', { labels: array(SecurityLabel, 64), ret: int })),
  NODE_GET_SECURITY_MODEL: proc(122, null, struct('remote_node_get_security_model_ret', { model: array(int, SECURITY_MODEL_MAX), doi: array(int, SECURITY_DOI_MAX) })),
  // host CPUs for vCPU maps (virsh vcpuinfo, libvirt-python's vcpus())
  NODE_GET_CPU_MAP: proc(293, struct('remote_node_get_cpu_map_args', { need_map: int, need_online: int, flags: uint }),
    struct('remote_node_get_cpu_map_ret', { cpumap: opaque(2048), online: uint, ret: int })),
  DOMAIN_GET_MESSAGES: proc(426, DomFlagsArgs, struct('remote_domain_get_messages_ret', { msgs: array(NonnullString, 2048) })),
};
