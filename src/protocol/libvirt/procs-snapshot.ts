// Domain snapshot procedures of the REMOTE program (remote_protocol.x): what virsh's
// snapshot-* commands and libvirt-python's virDomainSnapshot call.
import { array, int, struct, uint } from './xdr.js';
import { DomFlagsArgs, NonnullDomain, NonnullString } from './remote-types.js';
import { proc } from './procs.js';

const SNAPSHOT_LIST_MAX = 16384; // REMOTE_DOMAIN_SNAPSHOT_LIST_MAX

export const NonnullSnapshot = struct('remote_nonnull_domain_snapshot', { name: NonnullString, dom: NonnullDomain });
const SnapFlags = struct('snap_flags_args', { snap: NonnullSnapshot, flags: uint });
const SnapRet = struct('snap_ret', { snap: NonnullSnapshot });
const Names = struct('snapshot_names_ret', { names: array(NonnullString, SNAPSHOT_LIST_MAX) });
const Num = struct('snapshot_num_ret', { num: int });
const AllRet = struct('snapshot_list_all_ret', { snapshots: array(NonnullSnapshot, SNAPSHOT_LIST_MAX), ret: int });

export const snapshotProcs = {
  DOMAIN_SNAPSHOT_CREATE_XML: proc(185, struct('remote_domain_snapshot_create_xml_args', { dom: NonnullDomain, xml_desc: NonnullString, flags: uint }), SnapRet),
  DOMAIN_SNAPSHOT_GET_XML_DESC: proc(186, SnapFlags, struct('remote_domain_snapshot_get_xml_desc_ret', { xml: NonnullString })),
  DOMAIN_SNAPSHOT_NUM: proc(187, DomFlagsArgs, Num),
  DOMAIN_SNAPSHOT_LIST_NAMES: proc(188, struct('remote_domain_snapshot_list_names_args', { dom: NonnullDomain, maxnames: int, flags: uint }), Names),
  DOMAIN_SNAPSHOT_LOOKUP_BY_NAME: proc(189, struct('remote_domain_snapshot_lookup_by_name_args', { dom: NonnullDomain, name: NonnullString, flags: uint }), SnapRet),
  DOMAIN_HAS_CURRENT_SNAPSHOT: proc(190, DomFlagsArgs, struct('remote_domain_has_current_snapshot_ret', { result: int })),
  DOMAIN_SNAPSHOT_CURRENT: proc(191, DomFlagsArgs, SnapRet),
  DOMAIN_REVERT_TO_SNAPSHOT: proc(192, SnapFlags, null),
  DOMAIN_SNAPSHOT_DELETE: proc(193, SnapFlags, null),
  DOMAIN_SNAPSHOT_GET_PARENT: proc(244, SnapFlags, SnapRet),
  DOMAIN_SNAPSHOT_NUM_CHILDREN: proc(246, SnapFlags, Num),
  DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES: proc(247, struct('remote_domain_snapshot_list_children_names_args', { snap: NonnullSnapshot, maxnames: int, flags: uint }), Names),
  DOMAIN_SNAPSHOT_IS_CURRENT: proc(271, SnapFlags, struct('remote_domain_snapshot_is_current_ret', { current: int })),
  DOMAIN_SNAPSHOT_HAS_METADATA: proc(272, SnapFlags, struct('remote_domain_snapshot_has_metadata_ret', { metadata: int })),
  DOMAIN_LIST_ALL_SNAPSHOTS: proc(274, struct('remote_domain_list_all_snapshots_args', { dom: NonnullDomain, need_results: int, flags: uint }), AllRet),
  DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN: proc(275, struct('remote_domain_snapshot_list_all_children_args', { snapshot: NonnullSnapshot, need_results: int, flags: uint }), AllRet),
};
