// Connection and host procedures: open/close, features, versions, host facts.
import * as os from 'node:os';
import { TsvirtError } from '../../util/errors.js';
import type { Impls } from './rpc-impl.js';

/** VIR_DRV_FEATURE_* numbers libvirtd says yes to and tsvirt honours */
const FEATURES = new Set([
  4, // MIGRATION_P2P
  6, // MIGRATION_V3
  7, // MIGRATE_CHANGE_PROTECTION
  13, // MIGRATION_PARAMS
  8, // FD_PASSING: clients may send CALL_WITH_FDS (none is used yet)
  9, // TYPED_PARAM_STRING
  10, // PROGRAM_KEEPALIVE
  14, // REMOTE_EVENT_CALLBACK
  15, // REMOTE_CLOSE_CALLBACK
  16, // NETWORK_UPDATE_HAS_CORRECT_ORDER
]);

const versionNumber = (v: string): bigint => {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return BigInt(a * 1_000_000 + b * 1_000 + c);
};

const URI_RE = /^(qemu|kvm)(\+unix)?:\/\/\/(system|session)(\?.*)?$/;

export const connectImpls: Impls = {
  AUTH_LIST: () => ({ types: [0] }), // REMOTE_AUTH_NONE: the socket's permissions are the access control
  CONNECT_SUPPORTS_FEATURE: ({ feature }) => ({ supported: FEATURES.has(feature) ? 1 : 0 }),
  CONNECT_OPEN: ({ name }, ctx) => {
    // the remote driver sends the URI without its transport and socket parts
    const uri = name ?? 'qemu:///system';
    if (uri !== '' && !URI_RE.test(uri)) {
      throw new TsvirtError('no-connect', `no connection driver available for ${uri}`);
    }
    ctx.conn.uri = uri === '' ? 'qemu:///system' : uri.replace(/\?.*$/, '');
    ctx.conn.opened = true;
  },
  CONNECT_CLOSE: (_a, ctx) => {
    ctx.conn.opened = false;
  },
  CONNECT_REGISTER_CLOSE_CALLBACK: () => undefined,
  CONNECT_UNREGISTER_CLOSE_CALLBACK: () => undefined,
  CONNECT_GET_TYPE: () => ({ type: 'QEMU' }),
  CONNECT_GET_URI: (_a, ctx) => ({ uri: ctx.conn.uri }),
  CONNECT_IS_SECURE: () => ({ secure: 1 }), // a unix socket
  CONNECT_GET_VERSION: async (_a, ctx) => ({ hv_ver: versionNumber((await ctx.call('connect.getVersion', {})).hypervisorVersion) }),
  CONNECT_GET_LIB_VERSION: async (_a, ctx) => ({ lib_ver: versionNumber((await ctx.call('connect.getVersion', {})).libvirtCompat) }),
  CONNECT_GET_HOSTNAME: async (_a, ctx) => ({ hostname: (await ctx.call('connect.getHostname', {})).hostname }),
  CONNECT_GET_CAPABILITIES: async (_a, ctx) => ({ capabilities: (await ctx.call('connect.getCapabilities', {})).xml }),
  CONNECT_GET_DOMAIN_CAPABILITIES: async (a, ctx) => {
    const virttype = a.virttype ?? undefined;
    if (virttype !== undefined && virttype !== 'qemu' && virttype !== 'kvm') {
      throw new TsvirtError('invalid-arg', `unknown virttype: ${virttype}`);
    }
    const xml = (await ctx.call('connect.getDomainCapabilities', {
      emulator: a.emulatorbin ?? undefined, arch: a.arch ?? undefined, machine: a.machine ?? undefined, virttype,
    })).xml;
    return { capabilities: xml };
  },
  CONNECT_GET_MAX_VCPUS: () => ({ max_vcpus: 255 }), // QEMU 7.2's limit for i440fx; q35 allows more
  CONNECT_GET_SYSINFO: async (_a, ctx) => ({ sysinfo: (await ctx.call('connect.getSysinfo', {})).xml }),
  NODE_GET_INFO: async (_a, ctx) => {
    const n = await ctx.call('node.getInfo', {});
    return { model: n.model, memory: BigInt(n.memoryKiB), cpus: n.cpus, mhz: Math.round(n.mhz), nodes: n.nodes, sockets: n.sockets, cores: n.cores, threads: n.threads };
  },
  NODE_GET_FREE_MEMORY: () => ({ freeMem: BigInt(os.freemem()) }),
};
