// Save / restore / managed save procedures and the domain job ones (remote_protocol.x).
import { int, struct, uhyper, uint } from './xdr.js';
import { DomArgs, DomFlagsArgs, NonnullDomain, NonnullString, OptString, typedParams } from './remote-types.js';
import { proc } from './procs.js';

const JOB_STATS_MAX = 64; // REMOTE_DOMAIN_JOB_STATS_MAX
const XmlRet = (name: string) => struct(name, { xml: NonnullString });

export const saveProcs = {
  DOMAIN_SAVE: proc(55, struct('remote_domain_save_args', { dom: NonnullDomain, to: NonnullString }), null),
  DOMAIN_SAVE_FLAGS: proc(232, struct('remote_domain_save_flags_args', { dom: NonnullDomain, to: NonnullString, dxml: OptString, flags: uint }), null),
  DOMAIN_RESTORE: proc(54, struct('remote_domain_restore_args', { from: NonnullString }), null),
  DOMAIN_RESTORE_FLAGS: proc(233, struct('remote_domain_restore_flags_args', { from: NonnullString, dxml: OptString, flags: uint }), null),
  DOMAIN_SAVE_IMAGE_GET_XML_DESC: proc(235, struct('remote_domain_save_image_get_xml_desc_args', { file: NonnullString, flags: uint }),
    XmlRet('remote_domain_save_image_get_xml_desc_ret')),
  DOMAIN_SAVE_IMAGE_DEFINE_XML: proc(236, struct('remote_domain_save_image_define_xml_args', { file: NonnullString, dxml: NonnullString, flags: uint }), null),
  DOMAIN_MANAGED_SAVE: proc(182, DomFlagsArgs, null),
  DOMAIN_HAS_MANAGED_SAVE_IMAGE: proc(183, DomFlagsArgs, struct('remote_domain_has_managed_save_image_ret', { result: int })),
  DOMAIN_MANAGED_SAVE_REMOVE: proc(184, DomFlagsArgs, null),
  DOMAIN_MANAGED_SAVE_GET_XML_DESC: proc(388, DomFlagsArgs, XmlRet('remote_domain_managed_save_get_xml_desc_ret')),
  DOMAIN_MANAGED_SAVE_DEFINE_XML: proc(389, struct('remote_domain_managed_save_define_xml_args', { dom: NonnullDomain, dxml: OptString, flags: uint }), null),
  DOMAIN_GET_JOB_INFO: proc(163, DomArgs, struct('remote_domain_get_job_info_ret', {
    type: int, timeElapsed: uhyper, timeRemaining: uhyper, dataTotal: uhyper, dataProcessed: uhyper, dataRemaining: uhyper,
    memTotal: uhyper, memProcessed: uhyper, memRemaining: uhyper, fileTotal: uhyper, fileProcessed: uhyper, fileRemaining: uhyper,
  })),
  DOMAIN_GET_JOB_STATS: proc(298, DomFlagsArgs, struct('remote_domain_get_job_stats_ret', { type: int, params: typedParams(JOB_STATS_MAX) })),
  DOMAIN_ABORT_JOB: proc(164, DomArgs, null),
  DOMAIN_ABORT_JOB_FLAGS: proc(442, DomFlagsArgs, null),
};
