// <interface type='ethernet'>: a tap with no bridge, as libvirt's qemuInterfaceEthernetConnect.
// managed='no': the tap named by <target dev=> exists already (made by the user); tsvirt only
// opens it, never changes or deletes it. Otherwise tsvirt creates the tap (the named one, or
// the first free vnetN), gives it the guest MAC with the first byte changed to 0xfe (the kernel
// warns when a tap has its guest's address), sets it up, and deletes it when the domain stops.
// In both cases <source><ip/><route/></source> go on the tap and <script path=> is run with the
// tap name; <downscript> runs when the domain stops.
import type { NetInterface } from '../conf/domain-types.js';
import { TsvirtError } from '../util/errors.js';
import { getLink, ownerAlias, setUp } from '../host/link.js';
import { createTap } from '../host/tap.js';
import { run, runOk } from '../util/spawn.js';
import type { UndoStack } from '../util/undo.js';

/** The tap MAC libvirt uses: the guest's with the first byte 0xfe (0xfa if it was 0xfe). */
export function tapMac(guestMac: string): string {
  const first = guestMac.slice(0, 2).toLowerCase() === 'fe' ? 'fa' : 'fe';
  return first + guestMac.slice(2);
}

/** Creates or checks the tap; returns its name and whether tsvirt made it (so may delete it). */
export async function prepareEthernetTap(iface: NetInterface, owner: string, where: string, undo: UndoStack): Promise<string> {
  const dev = iface.target?.dev;
  let name: string;
  if (iface.target?.managed === false) {
    if (!dev) throw new TsvirtError('internal-error', `${where}: target dev must be supplied when managed='no'`);
    const link = await getLink(dev);
    if (!link) throw new TsvirtError('operation-failed', `${where}: target managed='no' but specified dev doesn't exist`);
    if (link.kind !== 'tun') throw new TsvirtError('config-unsupported', `${where}: target dev '${dev}' is a ${link.kind ?? 'non-tap'} device, not a tap`);
    name = dev;
  } else {
    if (dev && (await getLink(dev))) name = dev; // libvirt allows an existing one; it is not ours to delete
    else if (dev) {
      const r = await run('ip', ['tuntap', 'add', 'dev', dev, 'mode', 'tap', 'vnet_hdr']);
      if (r.code !== 0) throw new TsvirtError('operation-failed', `${where}: cannot create tap device ${dev}: ${r.stderr.trim()}`);
      await runOk('ip', ['link', 'set', 'dev', dev, 'alias', ownerAlias(owner)]);
      name = dev;
    } else name = await createTap(owner);
    if ((await getLink(name))?.alias === ownerAlias(owner)) undo.push(() => removeOwnTap(name, owner));
    await runOk('ip', ['link', 'set', 'dev', name, 'address', tapMac(iface.mac), ...(iface.mtu ? ['mtu', String(iface.mtu)] : [])]);
    await setUp(name);
  }
  for (const ip of iface.hostIp?.ips ?? []) {
    const addr = `${ip.address}${ip.prefix ? `/${ip.prefix}` : ''}`;
    await runOk('ip', ['addr', 'add', addr, ...(ip.peer ? ['peer', ip.peer] : []), 'dev', name]);
  }
  for (const r of iface.hostIp?.routes ?? []) {
    const dst = `${r.address}${r.prefix !== undefined ? `/${r.prefix}` : ''}`;
    await runOk('ip', ['route', 'add', dst, 'via', r.gateway, 'dev', name, ...(r.metric ? ['metric', String(r.metric)] : [])]);
  }
  if (iface.script) await runScript(iface.script, name, where);
  return name;
}

async function removeOwnTap(name: string, owner: string): Promise<void> {
  if ((await getLink(name))?.alias === ownerAlias(owner)) await runOk('ip', ['link', 'delete', name]);
}

/** libvirt's virNetDevRunEthernetScript: the script gets the tap name as its only argument. */
export async function runScript(script: string, tap: string, where: string): Promise<void> {
  const r = await run(script, [tap]);
  if (r.code !== 0) throw new TsvirtError('operation-failed', `${where}: script '${script} ${tap}' failed (exit ${r.code}): ${r.stderr.trim()}`);
}
