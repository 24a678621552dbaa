// Node device procedures of the REMOTE program (remote_protocol.x "Node driver calls"):
// lists, lookup, XML, parent, capabilities, and detach/reattach/reset of PCI devices.
import { array, int, struct, uint } from './xdr.js';
import { NODE_DEVICE_CAPS_LIST_MAX, NODE_DEVICE_LIST_MAX, NonnullNodeDevice, NonnullString, OptString } from './remote-types.js';
import { proc } from './procs.js';

const Num = struct('num_ret', { num: int });
const Name = struct('node_device_name_args', { name: NonnullString });

export const nodedevProcs = {
  NODE_NUM_OF_DEVICES: proc(111, struct('remote_node_num_of_devices_args', { cap: OptString, flags: uint }), Num),
  NODE_LIST_DEVICES: proc(112, struct('remote_node_list_devices_args', { cap: OptString, maxnames: int, flags: uint }),
    struct('remote_node_list_devices_ret', { names: array(NonnullString, NODE_DEVICE_LIST_MAX) })),
  NODE_DEVICE_LOOKUP_BY_NAME: proc(113, Name, struct('remote_node_device_lookup_by_name_ret', { dev: NonnullNodeDevice })),
  NODE_DEVICE_GET_XML_DESC: proc(114, struct('remote_node_device_get_xml_desc_args', { name: NonnullString, flags: uint }),
    struct('remote_node_device_get_xml_desc_ret', { xml: NonnullString })),
  NODE_DEVICE_GET_PARENT: proc(115, Name, struct('remote_node_device_get_parent_ret', { parentName: OptString })),
  NODE_DEVICE_NUM_OF_CAPS: proc(116, Name, Num),
  NODE_DEVICE_LIST_CAPS: proc(117, struct('remote_node_device_list_caps_args', { name: NonnullString, maxnames: int }),
    struct('remote_node_device_list_caps_ret', { names: array(NonnullString, NODE_DEVICE_CAPS_LIST_MAX) })),
  NODE_DEVICE_DETTACH: proc(118, Name, null),
  NODE_DEVICE_RE_ATTACH: proc(119, Name, null),
  NODE_DEVICE_RESET: proc(120, Name, null),
  CONNECT_LIST_ALL_NODE_DEVICES: proc(285, struct('remote_connect_list_all_node_devices_args', { need_results: int, flags: uint }),
    struct('remote_connect_list_all_node_devices_ret', { devices: array(NonnullNodeDevice, NODE_DEVICE_LIST_MAX), ret: uint })),
  NODE_DEVICE_DETACH_FLAGS: proc(301, struct('remote_node_device_detach_flags_args', { name: NonnullString, driverName: OptString, flags: uint }), null),
  NODE_DEVICE_IS_PERSISTENT: proc(435, Name, struct('remote_node_device_is_persistent_ret', { persistent: int })),
  NODE_DEVICE_IS_ACTIVE: proc(436, Name, struct('remote_node_device_is_active_ret', { active: int })),
  NODE_DEVICE_GET_AUTOSTART: proc(433, Name, struct('remote_node_device_get_autostart_ret', { autostart: int })),
};
