// Migration procedures of the REMOTE program (remote_protocol.x): protocol v3 with typed
// parameters (BEGIN3 .. CONFIRM3 _PARAMS, as virsh 9.0 and libvirtd use them) and the
// tunables (max downtime, max speed).
import { int, opaque, struct, uhyper, uint } from './xdr.js';
import { DomFlagsArgs, NonnullDomain, NonnullString, OptString, typedParams } from './remote-types.js';
import { proc } from './procs.js';

const MIGRATE_COOKIE_MAX = 4194304; // REMOTE_MIGRATE_COOKIE_MAX
const PARAM_LIST_MAX = 64; // REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX
const Params = typedParams(PARAM_LIST_MAX);
const Cookie = opaque(MIGRATE_COOKIE_MAX);

export const migrationProcs = {
  DOMAIN_MIGRATE_SET_MAX_DOWNTIME: proc(166, struct('remote_domain_migrate_set_max_downtime_args', { dom: NonnullDomain, downtime: uhyper, flags: uint }), null),
  DOMAIN_MIGRATE_SET_MAX_SPEED: proc(207, struct('remote_domain_migrate_set_max_speed_args', { dom: NonnullDomain, bandwidth: uhyper, flags: uint }), null),
  DOMAIN_MIGRATE_GET_MAX_SPEED: proc(242, DomFlagsArgs, struct('remote_domain_migrate_get_max_speed_ret', { bandwidth: uhyper })),
  DOMAIN_MIGRATE_GET_MAX_DOWNTIME: proc(387, DomFlagsArgs, struct('remote_domain_migrate_get_max_downtime_ret', { downtime: uhyper })),
  DOMAIN_MIGRATE_BEGIN3_PARAMS: proc(302,
    struct('remote_domain_migrate_begin3_params_args', { dom: NonnullDomain, params: Params, flags: uint }),
    struct('remote_domain_migrate_begin3_params_ret', { cookie_out: Cookie, xml: NonnullString })),
  DOMAIN_MIGRATE_PREPARE3_PARAMS: proc(303,
    struct('remote_domain_migrate_prepare3_params_args', { params: Params, cookie_in: Cookie, flags: uint }),
    struct('remote_domain_migrate_prepare3_params_ret', { cookie_out: Cookie, uri_out: OptString })),
  DOMAIN_MIGRATE_PERFORM3_PARAMS: proc(305,
    struct('remote_domain_migrate_perform3_params_args', { dom: NonnullDomain, dconnuri: OptString, params: Params, cookie_in: Cookie, flags: uint }),
    struct('remote_domain_migrate_perform3_params_ret', { cookie_out: Cookie })),
  DOMAIN_MIGRATE_FINISH3_PARAMS: proc(306,
    struct('remote_domain_migrate_finish3_params_args', { params: Params, cookie_in: Cookie, flags: uint, cancelled: int }),
    struct('remote_domain_migrate_finish3_params_ret', { dom: NonnullDomain, cookie_out: Cookie })),
  DOMAIN_MIGRATE_CONFIRM3_PARAMS: proc(307,
    struct('remote_domain_migrate_confirm3_params_args', { dom: NonnullDomain, params: Params, cookie_in: Cookie, flags: uint, cancelled: int }),
    null),
};
