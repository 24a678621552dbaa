// Virtual networks: what each net-* API call does, once. Definitions live in NetworkStore;
// host work is NetworkDriver's (src/network/). Calls on one network run one at a time.
import { parseDhcpHostXml, parseNetworkXml, formatNetworkXml, type NetworkDef } from '../conf/network-xml.js';
import { DEFAULT_NETWORK_XML, fillNetworkDefaults, validateNetwork } from '../conf/network-defaults.js';
import { TsvirtError } from '../util/errors.js';
import { NetworkDriver } from '../network/network-driver.js';
import type { Lease } from '../host/dnsmasq.js';
import type { NetSummary, NetLease } from '../protocol/methods-network.js';
import type { NetworkEvent } from '../protocol/types.js';
import type { EventBus } from './event-bus.js';
import type { Logger } from './log.js';
import { JobLocks } from './jobs.js';
import type { NetworkStore, StoredNetwork } from './network-store.js';

export class NetworkService {
  private readonly nets = new Map<string, StoredNetwork>();
  private readonly locks = new JobLocks();
  readonly driver: NetworkDriver;

  constructor(private readonly store: NetworkStore, private readonly log: Logger, private readonly events?: EventBus) {
    this.driver = new NetworkDriver(store.runDir);
  }

  /** Loads networks, keeps running ones, defines 'default' on first start, autostarts. */
  async init(): Promise<void> {
    const fresh = await this.store.init();
    for (const n of await this.store.loadAll((m) => this.log.warn(m))) {
      this.nets.set(n.def.name, n);
      if (n.live && !(await this.driver.isRunning(n.live))) {
        this.log.warn(`network '${n.def.name}' was active but its bridge or dnsmasq is gone: cleaning up`);
        await this.driver.stop(n.live).catch(() => undefined);
        await this.markInactive(n);
      }
    }
    if (fresh && !this.nets.has('default')) await this.define(DEFAULT_NETWORK_XML);
    for (const n of this.nets.values()) {
      if (n.autostart && !n.live) await this.start(n.def.name).catch((e) => this.log.warn(`cannot autostart network '${n.def.name}': ${e.message}`));
    }
  }

  /** libvirt's network lifecycle event, once per change */
  private emit(def: NetworkDef, event: NetworkEvent['event']): void {
    this.events?.emit({ type: 'network', network: { name: def.name, uuid: def.uuid }, event, time: Date.now() });
  }

  private async markInactive(n: StoredNetwork): Promise<void> {
    n.live = undefined;
    await this.store.removeState(n.def.name);
    if (!n.persistent) this.nets.delete(n.def.name);
  }

  lookup(ref: string): StoredNetwork {
    const n = this.nets.get(ref) ?? [...this.nets.values()].find((x) => x.def.uuid === ref.toLowerCase());
    if (!n) throw new TsvirtError('no-network', `Network not found: no network with matching name '${ref}'`);
    return n;
  }

  /** The running definition of an active network (for guest NICs). */
  activeDef(ref: string): NetworkDef {
    const n = this.lookup(ref);
    if (!n.live) throw new TsvirtError('operation-invalid', `network '${n.def.name}' is not active`);
    return n.live;
  }

  private withNet<T>(ref: string, job: (n: StoredNetwork) => Promise<T>): Promise<T> {
    const n = this.lookup(ref);
    return this.locks.run(`net:${n.def.name}`, () => job(n));
  }

  summary(n: StoredNetwork): NetSummary {
    const d = n.live ?? n.def;
    return { name: d.name, uuid: d.uuid, bridge: d.bridge?.name ?? '', active: !!n.live, persistent: n.persistent, autostart: n.autostart };
  }

  list(): NetSummary[] {
    return [...this.nets.values()].sort((a, b) => a.def.name.localeCompare(b.def.name)).map((n) => this.summary(n));
  }

  /** Parses, fills defaults and validates against every other network. */
  private prepare(xml: string): NetworkDef {
    const def = parseNetworkXml(xml);
    const existing = this.nets.get(def.name);
    if (existing && !/<uuid>/.test(xml)) def.uuid = existing.def.uuid;
    const byUuid = [...this.nets.values()].find((x) => x.def.uuid === def.uuid && x.def.name !== def.name);
    if (byUuid) throw new TsvirtError('operation-invalid', `network '${byUuid.def.name}' already exists with uuid ${def.uuid}`);
    if (existing && existing.def.uuid !== def.uuid) throw new TsvirtError('operation-invalid', `network '${def.name}' already exists with uuid ${existing.def.uuid}`);
    const others = [...this.nets.values()].filter((x) => x.def.name !== def.name).flatMap((x) => (x.live ? [x.def, x.live] : [x.def]));
    if (existing && !def.bridge?.name && existing.def.bridge?.name) (def.bridge ??= {}).name = existing.def.bridge.name;
    if (existing && !def.mac) def.mac = existing.def.mac;
    fillNetworkDefaults(def, others);
    validateNetwork(def, others);
    return def;
  }

  define(xml: string): Promise<NetSummary> {
    const name = parseNetworkXml(xml).name;
    return this.locks.run(`net:${name}`, async () => {
      const def = this.prepare(xml);
      await this.store.saveConfig(def);
      const n = this.nets.get(def.name) ?? { def, persistent: true, autostart: false };
      n.def = def;
      n.persistent = true;
      this.nets.set(def.name, n);
      this.emit(def, 'defined');
      return this.summary(n);
    });
  }

  create(xml: string): Promise<NetSummary> {
    const name = parseNetworkXml(xml).name;
    return this.locks.run(`net:${name}`, async () => {
      if (this.nets.has(name)) throw new TsvirtError('operation-invalid', `network '${name}' already exists`);
      const def = this.prepare(xml);
      const n: StoredNetwork = { def, persistent: false, autostart: false };
      await this.startNet(n);
      this.nets.set(def.name, n);
      this.emit(def, 'started');
      return this.summary(n);
    });
  }

  private async startNet(n: StoredNetwork): Promise<void> {
    if (n.live) throw new TsvirtError('operation-invalid', `network '${n.def.name}' is already active`);
    const others = [...this.nets.values()].filter((x) => x !== n && x.live).map((x) => x.live!);
    validateNetwork(n.def, others);
    await this.driver.start(n.def);
    try {
      await this.store.saveState(n.def);
    } catch (e) {
      await this.driver.stop(n.def);
      throw e;
    }
    n.live = n.def;
  }

  start(ref: string): Promise<void> {
    return this.withNet(ref, async (n) => {
      await this.startNet(n);
      this.emit(n.def, 'started');
    });
  }

  destroy(ref: string): Promise<void> {
    return this.withNet(ref, async (n) => {
      if (!n.live) throw new TsvirtError('operation-invalid', `network '${n.def.name}' is not active`);
      const live = n.live;
      await this.driver.stop(live);
      await this.markInactive(n);
      this.emit(live, 'stopped');
    });
  }

  undefine(ref: string): Promise<void> {
    return this.withNet(ref, async (n) => {
      if (!n.persistent) throw new TsvirtError('operation-invalid', `network '${n.def.name}' is transient: use net-destroy`);
      await this.store.removeConfig(n.def.name);
      n.persistent = false;
      n.autostart = false;
      if (!n.live) this.nets.delete(n.def.name);
      this.emit(n.def, 'undefined');
    });
  }

  setAutostart(ref: string, on: boolean): Promise<void> {
    return this.withNet(ref, async (n) => {
      if (!n.persistent) throw new TsvirtError('operation-invalid', `cannot set autostart for transient network '${n.def.name}'`);
      await this.store.setAutostart(n.def.name, on);
      n.autostart = on;
    });
  }

  getXml(ref: string, inactive = false): string {
    const n = this.lookup(ref);
    return formatNetworkXml(inactive ? n.def : n.live ?? n.def);
  }

  async leases(ref: string, mac?: string): Promise<NetLease[]> {
    const n = this.lookup(ref);
    if (!n.live) throw new TsvirtError('operation-invalid', `network '${n.def.name}' is not active`);
    const prefix = n.live.ips[0]?.prefix ?? 0;
    const all: Lease[] = await this.driver.leases(n.live);
    return all.filter((l) => !mac || l.mac === mac.toLowerCase()).map((l) => ({
      expiry: l.expiry, mac: l.mac, ip: l.ip, prefix, hostname: l.hostname, clientId: l.clientId, iface: n.live!.bridge?.name ?? '',
    }));
  }

  /** net-update of ip-dhcp-host: add, delete or modify a static host, live and/or in the config. */
  update(ref: string, p: { command: 'add' | 'delete' | 'modify'; section: string; xml: string; live?: boolean; config?: boolean }): Promise<void> {
    return this.withNet(ref, async (n) => {
      if (p.section !== 'ip-dhcp-host') throw new TsvirtError('no-support', `net-update section '${p.section}' is not supported (supported: ip-dhcp-host)`);
      const host = parseDhcpHostXml(p.xml);
      const live = p.live ?? !!n.live;
      const config = p.config ?? !n.live;
      if (live && !n.live) throw new TsvirtError('operation-invalid', `network '${n.def.name}' is not active`);
      const apply = (def: NetworkDef): NetworkDef => {
        const copy = parseNetworkXml(formatNetworkXml(def));
        const ip = copy.ips[0];
        if (!ip) throw new TsvirtError('operation-invalid', `network '${def.name}' has no <ip>`);
        ip.dhcp ??= { ranges: [], hosts: [] };
        const same = (h: typeof host) => (host.mac && h.mac === host.mac) || (!host.mac && host.name && h.name === host.name);
        const i = ip.dhcp.hosts.findIndex(same);
        if (p.command === 'add') {
          if (i >= 0 || ip.dhcp.hosts.some((h) => h.ip === host.ip)) throw new TsvirtError('operation-invalid', `there is already a DHCP host entry with that MAC, name or address in network '${def.name}'`);
          ip.dhcp.hosts.push(host);
        } else {
          if (i < 0) throw new TsvirtError('operation-invalid', `couldn't locate a matching DHCP host entry in network '${def.name}'`);
          if (p.command === 'delete') ip.dhcp.hosts.splice(i, 1);
          else ip.dhcp.hosts[i] = host;
        }
        validateNetwork(copy, []);
        return copy;
      };
      const newLive = live ? apply(n.live!) : undefined;
      const newConfig = config ? apply(n.def) : undefined;
      if (newConfig) {
        if (n.persistent) await this.store.saveConfig(newConfig);
        n.def = newConfig;
      }
      if (newLive) {
        await this.store.saveState(newLive);
        n.live = newLive;
        await this.driver.updateHosts(newLive);
      }
    });
  }
}
