// Connects networks to domains: a DomainResourceProvider that gives every
// <interface type='network'|'bridge'> a tap on the right bridge, passed to QEMU as an
// open descriptor (see src/host/tap.ts), and records the tap name (live <target dev/>).
import { closeSync } from 'node:fs';
import type { Domain, NetInterface } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { deleteLink, getLink, ownerAlias, setMaster, setUp } from '../host/link.js';
import { openTap } from '../host/tap.js';
import { runOk } from '../util/spawn.js';
import type { DomainResourceProvider } from '../qemu/host-resources.js';
import type { NetworkService } from './network-service.js';

/** The host bridge a NIC plugs into. */
export async function bridgeFor(iface: NetInterface, nets: NetworkService, where: string): Promise<string> {
  let bridge: string | undefined;
  if (iface.type === 'network') {
    if (!iface.source?.network) throw new TsvirtError('xml-error', `${where}: <interface type='network'> needs <source network='...'/>`);
    bridge = nets.activeDef(iface.source.network).bridge?.name;
  } else bridge = iface.source?.bridge;
  if (!bridge) throw new TsvirtError('xml-error', `${where}: <interface type='bridge'> needs <source bridge='...'/>`);
  if ((await getLink(bridge))?.kind !== 'bridge') throw new TsvirtError('operation-failed', `${where}: host bridge '${bridge}' does not exist`);
  return bridge;
}

/** Puts a tap on a bridge, named as tsvirt's (so release may delete it). */
export async function plugTap(tap: string, bridge: string, owner: string, mtu?: number): Promise<void> {
  await runOk('ip', ['link', 'set', 'dev', tap, 'alias', ownerAlias(owner), ...(mtu ? ['mtu', String(mtu)] : [])]);
  await setMaster(tap, bridge);
  await setUp(tap);
}

/** Deletes a tap if it is still there and tsvirt made it. */
export async function removeTap(tap: string): Promise<void> {
  const link = await getLink(tap);
  if (link?.alias?.startsWith('tsvirt:')) await deleteLink(tap);
}

export function networkResourceProvider(nets: NetworkService): DomainResourceProvider {
  return {
    name: 'network',
    async prepare(def: Domain, undo) {
      const tapFds: Record<number, number> = {};
      const record: Record<string, string> = {};
      const names: Record<number, string> = {};
      try {
        for (const [i, iface] of def.devices.interfaces.entries()) {
          if (iface.type === 'user') continue;
          const where = `domain '${def.name}' interface ${i} (mac ${iface.mac})`;
          const bridge = await bridgeFor(iface, nets, where);
          const { fd, name } = await openTap(iface.target?.dev && !iface.target.dev.startsWith('vnet') ? iface.target.dev : 'vnet%d');
          tapFds[i] = fd;
          names[i] = name;
          record[`tap${i}`] = name;
          await plugTap(name, bridge, `domain/${def.name}`, iface.mtu);
          undo.push(() => removeTap(name));
        }
      } catch (e) {
        // start.ts owns the descriptors only once prepare() returned them
        for (const fd of Object.values(tapFds)) closeSync(fd);
        throw e;
      }
      return {
        tapFds, record,
        adjustLive: (live: Domain) => {
          for (const [i, name] of Object.entries(names)) live.devices.interfaces[Number(i)].target = { dev: name };
        },
      };
    },
    async release(_def: Domain, record: Record<string, string>) {
      // taps opened by descriptor vanish with QEMU; hot-plugged (persistent) ones stay until here
      for (const [k, name] of Object.entries(record)) if (k.startsWith('tap')) await removeTap(name).catch(() => undefined);
    },
  };
}
