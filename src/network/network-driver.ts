// Starting and stopping a virtual network on the host: bridge + address + dnsmasq, an
// nft table for nat/route/isolated, ip_forward for nat/route. Every step registers its
// undo, so a failed start leaves nothing; stop removes exactly what start created.
import { promises as fs } from 'node:fs';
import { formatIpv4, networkOf, parseIpv4, prefixToMask } from '../conf/ipv4.js';
import type { NetworkDef } from '../conf/network-xml.js';
import { TsvirtError } from '../util/errors.js';
import { UndoStack } from '../util/undo.js';
import { addAddress, createBridge, deleteLink, getLink, ownerAlias, setUp } from '../host/link.js';
import { hasFirewall, installFirewall, removeFirewall } from '../host/nft.js';
import { dnsmasqFiles, dnsmasqPid, readLeases, restartDnsmasq, startDnsmasq, stopDnsmasq, type DnsmasqSpec, type Lease } from '../host/dnsmasq.js';

const owned = (def: NetworkDef) => ownerAlias(`network/${def.name}`);

function firewallMode(def: NetworkDef): 'nat' | 'route' | 'isolated' | undefined {
  if (def.forward?.mode === 'bridge') return undefined;
  return def.forward?.mode ?? 'isolated';
}

function subnet(def: NetworkDef): string | undefined {
  const ip = def.ips[0];
  return ip && `${formatIpv4(networkOf(parseIpv4(ip.address)!, ip.prefix))}/${ip.prefix}`;
}

function dnsmasqSpec(def: NetworkDef): DnsmasqSpec {
  const ip = def.ips[0];
  return {
    bridge: def.bridge!.name!, address: ip.address, netmask: formatIpv4(prefixToMask(ip.prefix)),
    ranges: ip.dhcp?.ranges ?? [], hosts: ip.dhcp?.hosts ?? [],
    domain: def.domain, forwarders: def.dns?.forwarders ?? [], dnsHosts: def.dns?.hosts ?? [], noRouter: firewallMode(def) === 'isolated',
  };
}

export class NetworkDriver {
  /** `runDir`: where dnsmasq's config, pid, hosts and leases files live */
  constructor(private readonly runDir: string) {}

  files(def: NetworkDef) {
    return dnsmasqFiles(this.runDir, def.name);
  }

  async start(def: NetworkDef): Promise<void> {
    const bridge = def.bridge!.name!;
    const existing = await getLink(bridge);
    if (def.forward?.mode === 'bridge') {
      if (existing?.kind !== 'bridge') throw new TsvirtError('operation-failed', `network '${def.name}': host bridge '${bridge}' does not exist`);
      return;
    }
    if (existing) {
      const who = existing.alias?.startsWith('tsvirt:') ? `tsvirt's ${existing.alias.slice(7)}` : 'something outside tsvirt';
      throw new TsvirtError('operation-failed', `network '${def.name}': bridge name '${bridge}' is already in use by ${who}`);
    }
    await fs.mkdir(this.runDir, { recursive: true });
    const undo = new UndoStack();
    try {
      await createBridge(bridge, { mac: def.mac, stp: def.bridge!.stp, delay: def.bridge!.delay, mtu: def.mtu, owner: `network/${def.name}` });
      undo.push(() => deleteLink(bridge));
      const ip = def.ips[0];
      if (ip) await addAddress(bridge, ip.address, ip.prefix);
      await setUp(bridge);
      const mode = firewallMode(def)!;
      if (ip) {
        undo.push(() => removeFirewall(bridge));
        await installFirewall({ bridge, subnet: subnet(def)!, mode, natPorts: def.forward?.natPorts });
        if (mode !== 'isolated') await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
        const files = this.files(def);
        undo.push(() => stopDnsmasq(files));
        await startDnsmasq(dnsmasqSpec(def), files);
      }
      undo.commit();
    } catch (e) {
      await undo.run();
      throw e;
    }
  }

  /** Removes what start() created; parts already gone are fine. */
  async stop(def: NetworkDef): Promise<void> {
    if (def.forward?.mode === 'bridge') return;
    const bridge = def.bridge!.name!;
    await stopDnsmasq(this.files(def));
    await removeFirewall(bridge);
    const link = await getLink(bridge);
    if (link && link.alias === owned(def)) await deleteLink(bridge);
  }

  /** After a tsvirtd restart: is this network's host side still in place? */
  async isRunning(def: NetworkDef): Promise<boolean> {
    if (def.forward?.mode === 'bridge') return (await getLink(def.bridge!.name!))?.kind === 'bridge';
    const link = await getLink(def.bridge!.name!);
    if (link?.alias !== owned(def)) return false;
    if (!def.ips.length) return true;
    return (await dnsmasqPid(this.files(def))) !== undefined && (await hasFirewall(def.bridge!.name!));
  }

  leases(def: NetworkDef): Promise<Lease[]> {
    return readLeases(this.files(def));
  }

  /** Applies changed static DHCP hosts of a running network. */
  async updateHosts(def: NetworkDef): Promise<void> {
    if (def.ips.length) await restartDnsmasq(dnsmasqSpec(def), this.files(def));
  }
}
