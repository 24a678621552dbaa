// The shared types of libvirt's REMOTE program (remote_protocol.x "Data types"), declared
// once; the procedures (procs-*.ts) are built from them.
import { array, fixedOpaque, int, optional, string, struct, union, uint, hyper, uhyper, double, type Infer, type XdrType } from './xdr.js';

export const STRING_MAX = 4194304; // REMOTE_STRING_MAX
export const DOMAIN_LIST_MAX = 16384;
export const NETWORK_LIST_MAX = 16384;
export const STORAGE_POOL_LIST_MAX = 16384;
export const STORAGE_VOL_LIST_MAX = 16384;
export const NODE_DEVICE_LIST_MAX = 65536;
export const NODE_DEVICE_CAPS_LIST_MAX = 65536;
export const AUTH_TYPE_LIST_MAX = 20;
export const TYPED_PARAMS_MAX = 262144; // REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX, the largest list of typed params

export const NonnullString = string(STRING_MAX);
export const OptString = optional(NonnullString);
export const Uuid = fixedOpaque(16);

export const NonnullDomain = struct('remote_nonnull_domain', { name: NonnullString, uuid: Uuid, id: int });
export type NonnullDomain = Infer<typeof NonnullDomain>;
export const NonnullNetwork = struct('remote_nonnull_network', { name: NonnullString, uuid: Uuid });
export type NonnullNetwork = Infer<typeof NonnullNetwork>;
export const NonnullStoragePool = struct('remote_nonnull_storage_pool', { name: NonnullString, uuid: Uuid });
export type NonnullStoragePool = Infer<typeof NonnullStoragePool>;
export const NonnullStorageVol = struct('remote_nonnull_storage_vol', { pool: NonnullString, name: NonnullString, key: NonnullString });
export type NonnullStorageVol = Infer<typeof NonnullStorageVol>;
export const NonnullNodeDevice = struct('remote_nonnull_node_device', { name: NonnullString });
export type NonnullNodeDevice = Infer<typeof NonnullNodeDevice>;
export const OptDomain = optional(NonnullDomain);
export const OptNetwork = optional(NonnullNetwork);
export const OptStoragePool = optional(NonnullStoragePool);
export const OptNodeDevice = optional(NonnullNodeDevice);

/** virTypedParameterType numbers */
export const TypedParamType = { INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7 } as const;

export const TypedParamValue = union('remote_typed_param_value', {
  1: int, 2: uint, 3: hyper, 4: uhyper, 5: double, 6: int, 7: NonnullString,
});
export const TypedParam = struct('remote_typed_param', { field: NonnullString, value: TypedParamValue });
export type TypedParam = Infer<typeof TypedParam>;
export function typedParams(max: number): XdrType<TypedParam[]> {
  return array(TypedParam, max);
}

/** a struct of just a domain: the args of the many calls that take only it */
export const DomArgs = struct('dom_args', { dom: NonnullDomain });
export const DomFlagsArgs = struct('dom_flags_args', { dom: NonnullDomain, flags: uint });
export const DomRet = struct('dom_ret', { dom: NonnullDomain });
