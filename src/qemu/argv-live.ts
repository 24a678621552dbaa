// The live view of a started domain: the definition plus what only exists while it runs
// (id, device aliases, allocated pty paths, the VNC port chosen), as libvirt shows in live XML.
import type { CharDevice, Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';
import { deviceAliases } from './argv.js';

/** One entry of QMP query-chardev: label is the chardev id, filename e.g. "pty:/dev/pts/3". */
export interface ChardevInfo {
  label: string;
  filename: string;
}

function withPty(dev: CharDevice, chardevId: string, chardevs: ChardevInfo[]): CharDevice {
  if (dev.type !== 'pty') return dev;
  const info = chardevs.find((c) => c.label === chardevId);
  if (!info?.filename.startsWith('pty:')) return dev;
  return { ...dev, source: { ...dev.source, path: info.filename.slice(4) } };
}

export function liveDomain(def: Domain, id: number, ctx: ArgvContext, chardevs: ChardevInfo[]): Domain {
  const dom: Domain = structuredClone(def);
  const a = deviceAliases(dom);
  const d = dom.devices;
  d.disks.forEach((x, i) => (x.alias = a.disks[i]));
  d.controllers.forEach((x, i) => (x.alias = a.controllers[i]));
  d.interfaces.forEach((x, i) => (x.alias = a.interfaces[i]));
  d.serials = d.serials.map((x, i) => ({ ...withPty(x, `charserial${i}`, chardevs), alias: a.serials[i] }));
  d.consoles = d.consoles.map((x, i) => {
    const onSerial = (x.target?.type ?? 'serial') === 'serial';
    const serial = onSerial ? d.serials.find((s, si) => (s.target?.port ?? si) === (x.target?.port ?? 0)) : undefined;
    const live = serial ? { ...x, source: serial.source } : withPty(x, `charconsole${i}`, chardevs);
    return { ...live, alias: a.consoles[i] };
  });
  d.channels = d.channels.map((x, i) => ({ ...withPty(x, `charchannel${i}`, chardevs), alias: a.channels[i] }));
  d.inputs.forEach((x, i) => (x.alias = a.inputs[i]));
  d.videos.forEach((x, i) => (x.alias = a.videos[i]));
  d.hostdevs.forEach((x, i) => (x.alias = a.hostdevs[i]));
  d.watchdogs.forEach((x, i) => (x.alias = a.watchdogs[i]));
  d.rngs.forEach((x, i) => (x.alias = a.rngs[i]));
  if (d.memballoon && a.memballoon) d.memballoon.alias = a.memballoon;
  d.graphics.forEach((g, i) => {
    const display = ctx.vncPorts?.[i];
    if ((g.autoport || g.port === undefined || g.port === -1) && display !== undefined) g.port = 5900 + display;
  });
  dom.id = id;
  return dom;
}
