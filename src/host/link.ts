// Linux network links through iproute2's `ip` (no shell): bridges, addresses, ports.
// Links tsvirt creates carry the alias 'tsvirt:<owner>' so tsvirt can tell them from
// links it must not touch.
import { run, runOk } from '../util/spawn.js';

const IP = 'ip';

export interface LinkInfo { name: string; alias?: string; kind?: string; master?: string; operstate?: string }

/** The link named `name`, or undefined when there is none. */
export async function getLink(name: string): Promise<LinkInfo | undefined> {
  const r = await run(IP, ['-j', '-d', 'link', 'show', 'dev', name]);
  if (r.code !== 0) return undefined;
  const [l] = JSON.parse(r.stdout) as Array<{ ifname: string; ifalias?: string; master?: string; operstate?: string; linkinfo?: { info_kind?: string } }>;
  return l && { name: l.ifname, alias: l.ifalias, kind: l.linkinfo?.info_kind, master: l.master, operstate: l.operstate };
}

export const ownerAlias = (owner: string) => `tsvirt:${owner}`;

export interface BridgeOptions { mac?: string; stp?: boolean; delay?: number; mtu?: number; owner: string }

export async function createBridge(name: string, o: BridgeOptions): Promise<void> {
  // forward_delay is in centiseconds
  await runOk(IP, ['link', 'add', 'name', name, 'type', 'bridge', 'stp_state', o.stp ? '1' : '0', 'forward_delay', String((o.delay ?? 0) * 100)]);
  const set = ['link', 'set', 'dev', name, 'alias', ownerAlias(o.owner)];
  if (o.mac) set.push('address', o.mac);
  if (o.mtu) set.push('mtu', String(o.mtu));
  await runOk(IP, set);
}

export async function addAddress(dev: string, address: string, prefix: number): Promise<void> {
  await runOk(IP, ['addr', 'add', `${address}/${prefix}`, 'dev', dev]);
}

export async function setUp(dev: string): Promise<void> {
  await runOk(IP, ['link', 'set', 'dev', dev, 'up']);
}

export async function setMaster(dev: string, bridge: string): Promise<void> {
  await runOk(IP, ['link', 'set', 'dev', dev, 'master', bridge]);
}

/** Deletes a link; a link that is already gone is fine. */
export async function deleteLink(name: string): Promise<void> {
  if (!(await getLink(name))) return;
  await runOk(IP, ['link', 'del', 'dev', name]);
}
