// Node device procedures, each turned into the nodedev.* API calls that tsvirt's own CLI
// makes for the same virsh command. Every device tsvirt lists is active and not persistent
// (libvirt's udev-discovered devices).
import type { NodedevSummary } from '../../protocol/methods-nodedev.js';
import { TsvirtError } from '../../util/errors.js';
import type { Impls, RpcContext } from './rpc-impl.js';
import { checkFlags } from './rpc-errors.js';

// virConnectListAllNodeDeviceFlags: the capability bits tsvirt's devices can have
const CAP_BITS: Record<string, number> = { system: 1 << 0, pci: 1 << 1, net: 1 << 4 };
const CAP_MASK = (1 << 22) - 1; // every VIR_CONNECT_LIST_NODE_DEVICES_CAP_* of libvirt 9.0
const INACTIVE = 1 << 30;
const ACTIVE = 2 ** 31;

async function devices(ctx: RpcContext): Promise<NodedevSummary[]> {
  return (await ctx.call('nodedev.list', {})).devices;
}

/** one device by its node device name (or, as tsvirt's API allows, a PCI address) */
async function find(ctx: RpcContext, name: string): Promise<NodedevSummary> {
  const d = (await devices(ctx)).find((x) => x.name === name || (x.address !== undefined && x.address === name.toLowerCase()));
  if (!d) throw new TsvirtError('no-nodedev', `no node device with matching name '${name}'`);
  return d;
}

/**
 * Runs an API call on a device by its name, straight (no listing first: virt-manager asks
 * every device's XML); a device gone since reads as libvirt says it.
 */
async function onDev<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TsvirtError && e.code === 'no-nodedev') throw new TsvirtError('no-nodedev', `no node device with matching name '${name}'`);
    throw e;
  }
}

/** virConnectListAllNodeDevices' filter: any of the capability bits given, and the active/inactive bits */
export function nodedevFilter(flags: number): (d: NodedevSummary) => boolean {
  const f = flags >>> 0;
  const caps = f & CAP_MASK;
  const state = f & (INACTIVE | ACTIVE);
  return (d) => (!caps || d.caps.some((c) => ((CAP_BITS[c] ?? 0) & caps) !== 0)) && (!state || (f & ACTIVE) !== 0);
}

function names(list: NodedevSummary[], cap: string | null, maxnames: number): string[] {
  return list.filter((d) => cap === null || d.caps.includes(cap)).map((d) => d.name).slice(0, Math.max(0, maxnames));
}

export const nodedevImpls: Impls = {
  CONNECT_LIST_ALL_NODE_DEVICES: async ({ need_results, flags }, ctx) => {
    checkFlags(flags, CAP_MASK | INACTIVE | ACTIVE, 'virConnectListAllNodeDevices');
    const list = (await devices(ctx)).filter(nodedevFilter(flags));
    return { devices: need_results ? list.map((d) => ({ name: d.name })) : [], ret: list.length };
  },
  NODE_NUM_OF_DEVICES: async ({ cap, flags }, ctx) => {
    checkFlags(flags, 0, 'virNodeNumOfDevices');
    return { num: names(await devices(ctx), cap, Infinity).length };
  },
  NODE_LIST_DEVICES: async ({ cap, maxnames, flags }, ctx) => {
    checkFlags(flags, 0, 'virNodeListDevices');
    return { names: names(await devices(ctx), cap, maxnames) };
  },
  NODE_DEVICE_LOOKUP_BY_NAME: async ({ name }, ctx) => ({ dev: { name: (await find(ctx, name)).name } }),
  NODE_DEVICE_GET_XML_DESC: async ({ name, flags }, ctx) => {
    checkFlags(flags, 0, 'virNodeDeviceGetXMLDesc');
    return { xml: (await onDev(name, () => ctx.call('nodedev.getXml', { name }))).xml };
  },
  // the computer has no parent: libvirtd answers a null name, not an error
  NODE_DEVICE_GET_PARENT: async ({ name }, ctx) => ({ parentName: (await find(ctx, name)).parent ?? null }),
  NODE_DEVICE_NUM_OF_CAPS: async ({ name }, ctx) => ({ num: (await find(ctx, name)).caps.length }),
  NODE_DEVICE_LIST_CAPS: async ({ name, maxnames }, ctx) => ({ names: (await find(ctx, name)).caps.slice(0, Math.max(0, maxnames)) }),
  NODE_DEVICE_IS_ACTIVE: async ({ name }, ctx) => (await find(ctx, name), { active: 1 }),
  NODE_DEVICE_IS_PERSISTENT: async ({ name }, ctx) => (await find(ctx, name), { persistent: 0 }),
  NODE_DEVICE_GET_AUTOSTART: async ({ name }, ctx) => (await find(ctx, name), { autostart: 0 }),

  NODE_DEVICE_DETTACH: async ({ name }, ctx) => void (await onDev(name, () => ctx.call('nodedev.detach', { name }))),
  NODE_DEVICE_DETACH_FLAGS: async ({ name, driverName, flags }, ctx) => {
    checkFlags(flags, 0, 'virNodeDeviceDetachFlags');
    // libvirt's QEMU driver takes vfio (the default) only
    if (driverName !== null && driverName !== 'vfio') throw new TsvirtError('invalid-arg', `unsupported driver '${driverName}' (only vfio)`);
    await onDev(name, () => ctx.call('nodedev.detach', { name }));
  },
  NODE_DEVICE_RE_ATTACH: async ({ name }, ctx) => void (await onDev(name, () => ctx.call('nodedev.reattach', { name }))),
  NODE_DEVICE_RESET: async ({ name }, ctx) => void (await onDev(name, () => ctx.call('nodedev.reset', { name }))),
};
