// Connection-wide procedures that libvirt's clients (virt-manager, virsh domstats) call and
// that belong to no other family: statistics of many domains at once.
import { array, struct, uint } from './xdr.js';
import { DOMAIN_LIST_MAX, NonnullDomain, TYPED_PARAMS_MAX, typedParams } from './remote-types.js';
import { proc } from './procs.js';

export const DomainStatsRecord = struct('remote_domain_stats_record', { dom: NonnullDomain, params: typedParams(TYPED_PARAMS_MAX) });

export const hostExtraProcs = {
  CONNECT_GET_ALL_DOMAIN_STATS: proc(344,
    struct('remote_connect_get_all_domain_stats_args', { doms: array(NonnullDomain, DOMAIN_LIST_MAX), stats: uint, flags: uint }),
    struct('remote_connect_get_all_domain_stats_ret', { retStats: array(DomainStatsRecord, DOMAIN_LIST_MAX) })),
};
