// Virtual network procedures of the REMOTE program (remote_protocol.x "Network calls"):
// lists, lookups, definitions, lifecycle, XML, autostart, bridge, DHCP leases, update.
import { array, hyper, int, optional, struct, uint } from './xdr.js';
import { NETWORK_LIST_MAX, NonnullNetwork, NonnullString, OptString, Uuid } from './remote-types.js';
import { proc } from './procs.js';

const REMOTE_NETWORK_DHCP_LEASES_MAX = 65536;

const Num = struct('num_ret', { num: int });
const Names = struct('network_names_ret', { names: array(NonnullString, NETWORK_LIST_MAX) });
const MaxNames = struct('network_maxnames_args', { maxnames: int });
const NetArgs = struct('network_args', { net: NonnullNetwork });
const NetRet = struct('network_ret', { net: NonnullNetwork });
const XmlArgs = struct('network_xml_args', { xml: NonnullString });
const XmlFlagsArgs = struct('network_xml_flags_args', { xml: NonnullString, flags: uint });

export const DhcpLease = struct('remote_network_dhcp_lease', {
  iface: NonnullString, expirytime: hyper, type: int, mac: OptString, iaid: OptString,
  ipaddr: NonnullString, prefix: uint, hostname: OptString, clientid: OptString,
});

export const networkProcs = {
  CONNECT_LIST_DEFINED_NETWORKS: proc(36, MaxNames, Names),
  CONNECT_LIST_NETWORKS: proc(38, MaxNames, Names),
  NETWORK_CREATE: proc(39, NetArgs, null),
  NETWORK_CREATE_XML: proc(40, XmlArgs, NetRet),
  NETWORK_DEFINE_XML: proc(41, XmlArgs, NetRet),
  NETWORK_DESTROY: proc(42, NetArgs, null),
  NETWORK_GET_XML_DESC: proc(43, struct('remote_network_get_xml_desc_args', { net: NonnullNetwork, flags: uint }), struct('remote_network_get_xml_desc_ret', { xml: NonnullString })),
  NETWORK_GET_AUTOSTART: proc(44, NetArgs, struct('remote_network_get_autostart_ret', { autostart: int })),
  NETWORK_GET_BRIDGE_NAME: proc(45, NetArgs, struct('remote_network_get_bridge_name_ret', { name: NonnullString })),
  NETWORK_LOOKUP_BY_NAME: proc(46, struct('remote_network_lookup_by_name_args', { name: NonnullString }), NetRet),
  NETWORK_LOOKUP_BY_UUID: proc(47, struct('remote_network_lookup_by_uuid_args', { uuid: Uuid }), NetRet),
  NETWORK_SET_AUTOSTART: proc(48, struct('remote_network_set_autostart_args', { net: NonnullNetwork, autostart: int }), null),
  NETWORK_UNDEFINE: proc(49, NetArgs, null),
  CONNECT_NUM_OF_DEFINED_NETWORKS: proc(50, null, Num),
  CONNECT_NUM_OF_NETWORKS: proc(52, null, Num),
  NETWORK_IS_ACTIVE: proc(152, NetArgs, struct('remote_network_is_active_ret', { active: int })),
  NETWORK_IS_PERSISTENT: proc(153, NetArgs, struct('remote_network_is_persistent_ret', { persistent: int })),
  CONNECT_LIST_ALL_NETWORKS: proc(283, struct('remote_connect_list_all_networks_args', { need_results: int, flags: uint }),
    struct('remote_connect_list_all_networks_ret', { nets: array(NonnullNetwork, NETWORK_LIST_MAX), ret: uint })),
  NETWORK_UPDATE: proc(291, struct('remote_network_update_args', {
    net: NonnullNetwork, command: uint, section: uint, parentIndex: int, xml: NonnullString, flags: uint,
  }), null),
  NETWORK_GET_DHCP_LEASES: proc(341, struct('remote_network_get_dhcp_leases_args', { net: NonnullNetwork, mac: optional(NonnullString), need_results: int, flags: uint }),
    struct('remote_network_get_dhcp_leases_ret', { leases: array(DhcpLease, REMOTE_NETWORK_DHCP_LEASES_MAX), ret: uint })),
  NETWORK_DEFINE_XML_FLAGS: proc(432, XmlFlagsArgs, NetRet),
  NETWORK_CREATE_XML_FLAGS: proc(437, XmlFlagsArgs, NetRet),
};
