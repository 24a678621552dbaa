// Event procedures of the REMOTE program (remote_protocol.x): the calls that register and
// deregister event callbacks, and the messages the daemon sends for each event.
// Three generations for domains: the first (105/106, lifecycle only, message 107), "any"
// (167/168, one callback per event id, messages without a callback id) and "callback"
// (316/317, callback ids and a domain filter, messages 318...). Networks, pools, node
// devices and secrets only have the callback style.
import { int, optional, struct } from './xdr.js';
import {
  NonnullDomain, NonnullNetwork, NonnullNodeDevice, NonnullStoragePool, NonnullString, OptDomain, OptNetwork, OptNodeDevice,
  OptStoragePool, Uuid,
} from './remote-types.js';
import { proc } from './procs.js';

export const NonnullSecret = struct('remote_nonnull_secret', { uuid: Uuid, usageType: int, usageID: NonnullString });
const OptSecret = optional(NonnullSecret);

const EventId = struct('remote_connect_domain_event_register_any_args', { eventID: int });
const CallbackId = struct('callback_id', { callbackID: int });
const CbRegistered = struct('remote_connect_domain_event_register_ret', { cb_registered: int });

/** VIR_<OBJECT>_EVENT_ID_LAST of libvirt 9.0: ids at or above are refused */
export const EVENT_ID_LAST = { domain: 27, network: 1, storagePool: 2, nodeDevice: 2, secret: 2 } as const;
/** the "any" style stops at VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: newer ids need callback ids */
export const LEGACY_DOMAIN_EVENT_ID_MAX = 15;
export const DOMAIN_EVENT_ID_LIFECYCLE = 0;
export const DOMAIN_EVENT_ID_DEVICE_REMOVED = 15;
export const DOMAIN_EVENT_ID_AGENT_LIFECYCLE = 18;
export const NETWORK_EVENT_ID_LIFECYCLE = 0;
export const STORAGE_POOL_EVENT_ID_LIFECYCLE = 0;
export const STORAGE_POOL_EVENT_ID_REFRESH = 1;

export const eventProcs = {
  CONNECT_DOMAIN_EVENT_REGISTER: proc(105, null, CbRegistered),
  CONNECT_DOMAIN_EVENT_DEREGISTER: proc(106, null, CbRegistered),
  CONNECT_DOMAIN_EVENT_REGISTER_ANY: proc(167, EventId, null),
  CONNECT_DOMAIN_EVENT_DEREGISTER_ANY: proc(168, EventId, null),
  CONNECT_NETWORK_EVENT_REGISTER_ANY: proc(313, struct('remote_connect_network_event_register_any_args', { eventID: int, net: OptNetwork }), CallbackId),
  CONNECT_NETWORK_EVENT_DEREGISTER_ANY: proc(314, CallbackId, null),
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: proc(316, struct('remote_connect_domain_event_callback_register_any_args', { eventID: int, dom: OptDomain }), CallbackId),
  CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: proc(317, CallbackId, null),
  CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: proc(368, struct('remote_connect_storage_pool_event_register_any_args', { eventID: int, pool: OptStoragePool }), CallbackId),
  CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY: proc(369, CallbackId, null),
  CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY: proc(374, struct('remote_connect_node_device_event_register_any_args', { eventID: int, dev: OptNodeDevice }), CallbackId),
  CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY: proc(375, CallbackId, null),
  CONNECT_SECRET_EVENT_REGISTER_ANY: proc(380, struct('remote_connect_secret_event_register_any_args', { eventID: int, secret: OptSecret }), CallbackId),
  CONNECT_SECRET_EVENT_DEREGISTER_ANY: proc(381, CallbackId, null),
};

const LifecycleMsg = struct('remote_domain_event_lifecycle_msg', { dom: NonnullDomain, event: int, detail: int });
const DeviceRemovedMsg = struct('remote_domain_event_device_removed_msg', { dom: NonnullDomain, devAlias: NonnullString });

/** the messages (type MESSAGE) the daemon sends: a number and the type of the body */
export const eventMessages = {
  DOMAIN_EVENT_LIFECYCLE: { num: 107, body: LifecycleMsg },
  DOMAIN_EVENT_DEVICE_REMOVED: { num: 311, body: DeviceRemovedMsg },
  NETWORK_EVENT_LIFECYCLE: {
    num: 315, body: struct('remote_network_event_lifecycle_msg', { callbackID: int, net: NonnullNetwork, event: int, detail: int }),
  },
  DOMAIN_EVENT_CALLBACK_LIFECYCLE: {
    num: 318, body: struct('remote_domain_event_callback_lifecycle_msg', { callbackID: int, msg: LifecycleMsg }),
  },
  DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED: {
    num: 333, body: struct('remote_domain_event_callback_device_removed_msg', { callbackID: int, msg: DeviceRemovedMsg }),
  },
  STORAGE_POOL_EVENT_LIFECYCLE: {
    num: 370, body: struct('remote_storage_pool_event_lifecycle_msg', { callbackID: int, pool: NonnullStoragePool, event: int, detail: int }),
  },
  STORAGE_POOL_EVENT_REFRESH: {
    num: 373, body: struct('remote_storage_pool_event_refresh_msg', { callbackID: int, pool: NonnullStoragePool }),
  },
  DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE: {
    num: 348, body: struct('remote_domain_event_callback_agent_lifecycle_msg', { callbackID: int, dom: NonnullDomain, state: int, reason: int }),
  },
  NODE_DEVICE_EVENT_LIFECYCLE: {
    num: 376, body: struct('remote_node_device_event_lifecycle_msg', { callbackID: int, dev: NonnullNodeDevice, event: int, detail: int }),
  },
} as const;
