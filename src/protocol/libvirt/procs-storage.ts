// Storage pool and volume procedures of the REMOTE program (remote_protocol.x "Storage
// pool calls" and "Storage vol calls"): lists, lookups, definitions, lifecycle, XML,
// sizes, and volume upload/download, which open a stream.
import { array, int, struct, uhyper, uint } from './xdr.js';
import {
  NonnullStoragePool, NonnullStorageVol, NonnullString, OptString, STORAGE_POOL_LIST_MAX, STORAGE_VOL_LIST_MAX, Uuid,
} from './remote-types.js';
import { proc } from './procs.js';

const Num = struct('num_ret', { num: int });
const Names = struct('storage_names_ret', { names: array(NonnullString, STORAGE_POOL_LIST_MAX) });
const MaxNames = struct('storage_maxnames_args', { maxnames: int });
const PoolArgs = struct('storage_pool_args', { pool: NonnullStoragePool });
const PoolFlags = struct('storage_pool_flags_args', { pool: NonnullStoragePool, flags: uint });
const PoolRet = struct('storage_pool_ret', { pool: NonnullStoragePool });
const XmlFlags = struct('storage_xml_flags_args', { xml: NonnullString, flags: uint });
const Xml = struct('storage_xml_ret', { xml: NonnullString });
const VolArgs = struct('storage_vol_args', { vol: NonnullStorageVol });
const VolFlags = struct('storage_vol_flags_args', { vol: NonnullStorageVol, flags: uint });
const VolRet = struct('storage_vol_ret', { vol: NonnullStorageVol });
/** remote_storage_vol_get_info_ret: `char type` is an XDR int */
const VolInfo = struct('remote_storage_vol_get_info_ret', { type: int, capacity: uhyper, allocation: uhyper });
const Transfer = struct('remote_storage_vol_transfer_args', { vol: NonnullStorageVol, offset: uhyper, length: uhyper, flags: uint });

export const storageProcs = {
  CONNECT_NUM_OF_STORAGE_POOLS: proc(71, null, Num),
  CONNECT_LIST_STORAGE_POOLS: proc(72, MaxNames, Names),
  CONNECT_NUM_OF_DEFINED_STORAGE_POOLS: proc(73, null, Num),
  CONNECT_LIST_DEFINED_STORAGE_POOLS: proc(74, MaxNames, Names),
  CONNECT_FIND_STORAGE_POOL_SOURCES: proc(75, struct('remote_connect_find_storage_pool_sources_args', { type: NonnullString, srcSpec: OptString, flags: uint }), Xml),
  STORAGE_POOL_CREATE_XML: proc(76, XmlFlags, PoolRet),
  STORAGE_POOL_DEFINE_XML: proc(77, XmlFlags, PoolRet),
  STORAGE_POOL_CREATE: proc(78, PoolFlags, null),
  STORAGE_POOL_BUILD: proc(79, PoolFlags, null),
  STORAGE_POOL_DESTROY: proc(80, PoolArgs, null),
  STORAGE_POOL_DELETE: proc(81, PoolFlags, null),
  STORAGE_POOL_UNDEFINE: proc(82, PoolArgs, null),
  STORAGE_POOL_REFRESH: proc(83, PoolFlags, null),
  STORAGE_POOL_LOOKUP_BY_NAME: proc(84, struct('remote_storage_pool_lookup_by_name_args', { name: NonnullString }), PoolRet),
  STORAGE_POOL_LOOKUP_BY_UUID: proc(85, struct('remote_storage_pool_lookup_by_uuid_args', { uuid: Uuid }), PoolRet),
  STORAGE_POOL_LOOKUP_BY_VOLUME: proc(86, VolArgs, PoolRet),
  /** `unsigned char state` is an XDR unsigned int */
  STORAGE_POOL_GET_INFO: proc(87, PoolArgs, struct('remote_storage_pool_get_info_ret', { state: uint, capacity: uhyper, allocation: uhyper, available: uhyper })),
  STORAGE_POOL_GET_XML_DESC: proc(88, PoolFlags, Xml),
  STORAGE_POOL_GET_AUTOSTART: proc(89, PoolArgs, struct('remote_storage_pool_get_autostart_ret', { autostart: int })),
  STORAGE_POOL_SET_AUTOSTART: proc(90, struct('remote_storage_pool_set_autostart_args', { pool: NonnullStoragePool, autostart: int }), null),
  STORAGE_POOL_NUM_OF_VOLUMES: proc(91, PoolArgs, Num),
  STORAGE_POOL_LIST_VOLUMES: proc(92, struct('remote_storage_pool_list_volumes_args', { pool: NonnullStoragePool, maxnames: int }),
    struct('remote_storage_pool_list_volumes_ret', { names: array(NonnullString, STORAGE_VOL_LIST_MAX) })),
  STORAGE_VOL_CREATE_XML: proc(93, struct('remote_storage_vol_create_xml_args', { pool: NonnullStoragePool, xml: NonnullString, flags: uint }), VolRet),
  STORAGE_VOL_DELETE: proc(94, VolFlags, null),
  STORAGE_VOL_LOOKUP_BY_NAME: proc(95, struct('remote_storage_vol_lookup_by_name_args', { pool: NonnullStoragePool, name: NonnullString }), VolRet),
  STORAGE_VOL_LOOKUP_BY_KEY: proc(96, struct('remote_storage_vol_lookup_by_key_args', { key: NonnullString }), VolRet),
  STORAGE_VOL_LOOKUP_BY_PATH: proc(97, struct('remote_storage_vol_lookup_by_path_args', { path: NonnullString }), VolRet),
  STORAGE_VOL_GET_INFO: proc(98, VolArgs, VolInfo),
  STORAGE_VOL_GET_XML_DESC: proc(99, VolFlags, Xml),
  STORAGE_VOL_GET_PATH: proc(100, VolArgs, struct('remote_storage_vol_get_path_ret', { name: NonnullString })),
  STORAGE_VOL_CREATE_XML_FROM: proc(125, struct('remote_storage_vol_create_xml_from_args', {
    pool: NonnullStoragePool, xml: NonnullString, clonevol: NonnullStorageVol, flags: uint,
  }), VolRet),
  STORAGE_POOL_IS_ACTIVE: proc(154, PoolArgs, struct('remote_storage_pool_is_active_ret', { active: int })),
  STORAGE_POOL_IS_PERSISTENT: proc(155, PoolArgs, struct('remote_storage_pool_is_persistent_ret', { persistent: int })),
  STORAGE_VOL_WIPE: proc(165, VolFlags, null),
  STORAGE_VOL_UPLOAD: proc(208, Transfer, null, 'write'),
  STORAGE_VOL_DOWNLOAD: proc(209, Transfer, null, 'read'),
  STORAGE_VOL_WIPE_PATTERN: proc(259, struct('remote_storage_vol_wipe_pattern_args', { vol: NonnullStorageVol, algorithm: uint, flags: uint }), null),
  STORAGE_VOL_RESIZE: proc(260, struct('remote_storage_vol_resize_args', { vol: NonnullStorageVol, capacity: uhyper, flags: uint }), null),
  CONNECT_LIST_ALL_STORAGE_POOLS: proc(281, struct('remote_connect_list_all_storage_pools_args', { need_results: int, flags: uint }),
    struct('remote_connect_list_all_storage_pools_ret', { pools: array(NonnullStoragePool, STORAGE_POOL_LIST_MAX), ret: uint })),
  STORAGE_POOL_LIST_ALL_VOLUMES: proc(282, struct('remote_storage_pool_list_all_volumes_args', { pool: NonnullStoragePool, need_results: int, flags: uint }),
    struct('remote_storage_pool_list_all_volumes_ret', { vols: array(NonnullStorageVol, STORAGE_VOL_LIST_MAX), ret: uint })),
  STORAGE_VOL_GET_INFO_FLAGS: proc(378, VolFlags, VolInfo),
  STORAGE_POOL_LOOKUP_BY_TARGET_PATH: proc(391, struct('remote_storage_pool_lookup_by_target_path_args', { path: NonnullString }), PoolRet),
  CONNECT_GET_STORAGE_POOL_CAPABILITIES: proc(403, struct('remote_connect_get_storage_pool_capabilities_args', { flags: uint }),
    struct('remote_connect_get_storage_pool_capabilities_ret', { capabilities: NonnullString })),
};
