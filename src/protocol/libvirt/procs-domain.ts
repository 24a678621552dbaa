// Domain procedures of the REMOTE program (remote_protocol.x): lookups, lists, lifecycle,
// definitions and information.
import { array, int, struct, uhyper, uint } from './xdr.js';
import { DomArgs, DomFlagsArgs, DomRet, DOMAIN_LIST_MAX, NonnullDomain, NonnullString, Uuid } from './remote-types.js';
import { proc } from './procs.js';

const Num = struct('num_ret', { num: int });
const Xml = struct('xml_ret', { xml: NonnullString });

export const domainProcs = {
  DOMAIN_CREATE: proc(9, DomArgs, null),
  DOMAIN_CREATE_XML: proc(10, struct('remote_domain_create_xml_args', { xml_desc: NonnullString, flags: uint }), DomRet),
  DOMAIN_DEFINE_XML: proc(11, struct('remote_domain_define_xml_args', { xml: NonnullString }), DomRet),
  DOMAIN_DESTROY: proc(12, DomArgs, null),
  DOMAIN_GET_XML_DESC: proc(14, DomFlagsArgs, Xml),
  DOMAIN_GET_AUTOSTART: proc(15, DomArgs, struct('remote_domain_get_autostart_ret', { autostart: int })),
  DOMAIN_GET_INFO: proc(16, DomArgs, struct('remote_domain_get_info_ret', {
    state: uint, maxMem: uhyper, memory: uhyper, nrVirtCpu: uint, cpuTime: uhyper,
  })),
  DOMAIN_GET_MAX_MEMORY: proc(17, DomArgs, struct('remote_domain_get_max_memory_ret', { memory: uhyper })),
  DOMAIN_GET_MAX_VCPUS: proc(18, DomArgs, Num),
  DOMAIN_GET_OS_TYPE: proc(19, DomArgs, struct('remote_domain_get_os_type_ret', { type: NonnullString })),
  CONNECT_LIST_DEFINED_DOMAINS: proc(21, struct('remote_connect_list_defined_domains_args', { maxnames: int }), struct('remote_connect_list_defined_domains_ret', { names: array(NonnullString, DOMAIN_LIST_MAX) })),
  DOMAIN_LOOKUP_BY_ID: proc(22, struct('remote_domain_lookup_by_id_args', { id: int }), DomRet),
  DOMAIN_LOOKUP_BY_NAME: proc(23, struct('remote_domain_lookup_by_name_args', { name: NonnullString }), DomRet),
  DOMAIN_LOOKUP_BY_UUID: proc(24, struct('remote_domain_lookup_by_uuid_args', { uuid: Uuid }), DomRet),
  CONNECT_NUM_OF_DEFINED_DOMAINS: proc(25, null, Num),
  DOMAIN_REBOOT: proc(27, DomFlagsArgs, null),
  DOMAIN_RESUME: proc(28, DomArgs, null),
  DOMAIN_SET_AUTOSTART: proc(29, struct('remote_domain_set_autostart_args', { dom: NonnullDomain, autostart: int }), null),
  DOMAIN_SHUTDOWN: proc(33, DomArgs, null),
  DOMAIN_SUSPEND: proc(34, DomArgs, null),
  DOMAIN_UNDEFINE: proc(35, DomArgs, null),
  CONNECT_LIST_DOMAINS: proc(37, struct('remote_connect_list_domains_args', { maxids: int }), struct('remote_connect_list_domains_ret', { ids: array(int, DOMAIN_LIST_MAX) })),
  CONNECT_NUM_OF_DOMAINS: proc(51, null, Num),
  DOMAIN_IS_ACTIVE: proc(150, DomArgs, struct('remote_domain_is_active_ret', { active: int })),
  DOMAIN_IS_PERSISTENT: proc(151, DomArgs, struct('remote_domain_is_persistent_ret', { persistent: int })),
  DOMAIN_CREATE_WITH_FLAGS: proc(196, DomFlagsArgs, DomRet),
  DOMAIN_IS_UPDATED: proc(202, DomArgs, struct('remote_domain_is_updated_ret', { updated: int })),
  DOMAIN_GET_STATE: proc(212, DomFlagsArgs, struct('remote_domain_get_state_ret', { state: int, reason: int })),
  DOMAIN_UNDEFINE_FLAGS: proc(231, DomFlagsArgs, null),
  DOMAIN_DESTROY_FLAGS: proc(234, DomFlagsArgs, null),
  DOMAIN_RESET: proc(245, DomFlagsArgs, null),
  DOMAIN_SHUTDOWN_FLAGS: proc(258, DomFlagsArgs, null),
  CONNECT_LIST_ALL_DOMAINS: proc(273, struct('remote_connect_list_all_domains_args', { need_results: int, flags: uint }), struct('remote_connect_list_all_domains_ret', { domains: array(NonnullDomain, DOMAIN_LIST_MAX), ret: uint })),
  DOMAIN_DEFINE_XML_FLAGS: proc(350, struct('remote_domain_define_xml_flags_args', { xml: NonnullString, flags: uint }), DomRet),
};
