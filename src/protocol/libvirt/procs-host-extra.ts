// Connection-wide procedures that libvirt's clients (virt-manager, virsh domstats) call and
// that belong to no other family: statistics of many domains at once, of one domain's CPU
// use per host CPU, and of the host's CPUs and memory.
import { array, int, struct, uhyper, uint } from './xdr.js';
import { DOMAIN_LIST_MAX, NonnullDomain, NonnullString, TYPED_PARAMS_MAX, typedParams } from './remote-types.js';
import { proc } from './procs.js';

export const DomainStatsRecord = struct('remote_domain_stats_record', { dom: NonnullDomain, params: typedParams(TYPED_PARAMS_MAX) });

// REMOTE_NODE_CPU_STATS_MAX, REMOTE_NODE_MEMORY_STATS_MAX, REMOTE_DOMAIN_GET_CPU_STATS_MAX
const NODE_STATS_MAX = 16;
const DOMAIN_CPU_STATS_MAX = 2048;
const NodeStat = struct('remote_node_get_cpu_stats', { field: NonnullString, value: uhyper });

export const hostExtraProcs = {
  CONNECT_GET_ALL_DOMAIN_STATS: proc(344,
    struct('remote_connect_get_all_domain_stats_args', { doms: array(NonnullDomain, DOMAIN_LIST_MAX), stats: uint, flags: uint }),
    struct('remote_connect_get_all_domain_stats_ret', { retStats: array(DomainStatsRecord, DOMAIN_LIST_MAX) })),
  NODE_GET_CPU_STATS: proc(227, struct('remote_node_get_cpu_stats_args', { cpuNum: int, nparams: int, flags: uint }),
    struct('remote_node_get_cpu_stats_ret', { params: array(NodeStat, NODE_STATS_MAX), nparams: int })),
  NODE_GET_MEMORY_STATS: proc(228, struct('remote_node_get_memory_stats_args', { nparams: int, cellNum: int, flags: uint }),
    struct('remote_node_get_memory_stats_ret', { params: array(NodeStat, NODE_STATS_MAX), nparams: int })),
  DOMAIN_GET_CPU_STATS: proc(262,
    struct('remote_domain_get_cpu_stats_args', { dom: NonnullDomain, nparams: uint, start_cpu: int, ncpus: uint, flags: uint }),
    struct('remote_domain_get_cpu_stats_ret', { params: typedParams(DOMAIN_CPU_STATS_MAX), nparams: int })),
};
