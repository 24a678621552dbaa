// Block job procedures of the REMOTE program (remote_protocol.x): virsh blockcopy (BLOCK_REBASE
// with the COPY flag, or BLOCK_COPY), blockcommit, blockpull (BLOCK_PULL, or BLOCK_REBASE with
// a base), blockjob (GET_BLOCK_JOB_INFO, BLOCK_JOB_SET_SPEED, BLOCK_JOB_ABORT), and the
// BLOCK_JOB / BLOCK_JOB_2 event messages.
import { array, int, struct, uhyper, uint } from './xdr.js';
import { NonnullDomain, NonnullString, OptString, TypedParam } from './remote-types.js';
import { proc } from './procs.js';

const BLOCK_COPY_PARAMETERS_MAX = 16; // REMOTE_DOMAIN_BLOCK_COPY_PARAMETERS_MAX

const PathFlags = (name: string) => struct(name, { dom: NonnullDomain, path: NonnullString, flags: uint });

export const blockJobProcs = {
  DOMAIN_BLOCK_JOB_ABORT: proc(237, PathFlags('remote_domain_block_job_abort_args'), null),
  DOMAIN_GET_BLOCK_JOB_INFO: proc(238, PathFlags('remote_domain_get_block_job_info_args'), struct('remote_domain_get_block_job_info_ret', {
    found: int, type: int, bandwidth: uhyper, cur: uhyper, end: uhyper,
  })),
  DOMAIN_BLOCK_JOB_SET_SPEED: proc(239, struct('remote_domain_block_job_set_speed_args', {
    dom: NonnullDomain, path: NonnullString, bandwidth: uhyper, flags: uint,
  }), null),
  DOMAIN_BLOCK_PULL: proc(240, struct('remote_domain_block_pull_args', { dom: NonnullDomain, path: NonnullString, bandwidth: uhyper, flags: uint }), null),
  DOMAIN_BLOCK_REBASE: proc(266, struct('remote_domain_block_rebase_args', {
    dom: NonnullDomain, path: NonnullString, base: OptString, bandwidth: uhyper, flags: uint,
  }), null),
  DOMAIN_BLOCK_COMMIT: proc(290, struct('remote_domain_block_commit_args', {
    dom: NonnullDomain, disk: NonnullString, base: OptString, top: OptString, bandwidth: uhyper, flags: uint,
  }), null),
  DOMAIN_BLOCK_COPY: proc(345, struct('remote_domain_block_copy_args', {
    dom: NonnullDomain, path: NonnullString, destxml: NonnullString, params: array(TypedParam, BLOCK_COPY_PARAMETERS_MAX), flags: uint,
  }), null),
};

const BlockJobMsg = struct('remote_domain_event_block_job_msg', { dom: NonnullDomain, path: NonnullString, type: int, status: int });

/** VIR_DOMAIN_EVENT_ID_BLOCK_JOB (path of the disk) and _BLOCK_JOB_2 (its target) */
export const DOMAIN_EVENT_ID_BLOCK_JOB = 8;
export const DOMAIN_EVENT_ID_BLOCK_JOB_2 = 16;

export const blockJobMessages = {
  DOMAIN_EVENT_BLOCK_JOB: { num: 241, body: BlockJobMsg },
  DOMAIN_EVENT_CALLBACK_BLOCK_JOB: {
    num: 326, body: struct('remote_domain_event_callback_block_job_msg', { callbackID: int, msg: BlockJobMsg }),
  },
  DOMAIN_EVENT_BLOCK_JOB_2: {
    num: 339, body: struct('remote_domain_event_block_job_2_msg', { callbackID: int, dom: NonnullDomain, dst: NonnullString, type: int, status: int }),
  },
} as const;
