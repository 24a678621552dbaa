// Connects networks to domains: a DomainResourceProvider that gives every
// <interface type='network'|'bridge'> a tap on the right bridge (type='ethernet': a tap of its
// own, see ethernet-tap.ts), passed to QEMU as an
// open descriptor (see src/host/tap.ts for how, and why hot-plug names it instead), and
// records the tap name (live <target dev/>, and the status file for release()).
import { closeSync } from 'node:fs';
import type { Domain, NetInterface } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { deleteLink, getLink, ownerAlias, setMaster, setUp } from '../host/link.js';
import { createTap, openTap } from '../host/tap.js';
import { TAP_TYPES } from '../qemu/argv-net.js';
import { prepareEthernetTap, runScript } from './ethernet-tap.js';
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
      const names = new Map<string, string>();
      try {
        for (const [i, iface] of def.devices.interfaces.entries()) {
          if (!TAP_TYPES.has(iface.type)) continue; // user, sockets, null; argv refuses the rest
          const where = `domain '${def.name}' interface ${i} (mac ${iface.mac})`;
          let name: string;
          if (iface.type === 'ethernet') {
            name = await prepareEthernetTap(iface, `domain/${def.name}`, where, undo);
            // managed='no' taps are the user's: not recorded for deletion (libvirt keeps them)
            record[`${iface.target?.managed === false ? 'utap' : 'tap'}.${name}`] = name;
            if (iface.downscript) record[`down.${name}`] = iface.downscript;
          } else {
            const bridge = await bridgeFor(iface, nets, where);
            name = await createTap(`domain/${def.name}`);
            undo.push(() => removeTap(name));
            await plugTap(name, bridge, `domain/${def.name}`, iface.mtu);
            record[`tap.${name}`] = name;
          }
          tapFds[i] = (await openTap(name)).fd;
          names.set(iface.mac, name);
        }
      } catch (e) {
        // start.ts owns the descriptors only once prepare() returned them
        for (const fd of Object.values(tapFds)) closeSync(fd);
        throw e;
      }
      return {
        tapFds, record,
        // by MAC: on hot-plug `live` is the whole domain while `def` held just the new NIC
        adjustLive: (live: Domain) => {
          for (const n of live.devices.interfaces) if (names.has(n.mac)) n.target = { ...n.target, dev: names.get(n.mac)! };
        },
      };
    },
    async release(_def: Domain, record: Record<string, string>) {
      for (const [k, v] of Object.entries(record)) if (k.startsWith('down.')) await runScript(v, k.slice(5), 'downscript').catch(() => undefined);
      for (const [k, name] of Object.entries(record)) if (k.startsWith('tap.')) await removeTap(name).catch(() => undefined);
    },
  };
}
