// The live view of a started domain: the definition plus what only exists while it runs
// (id, device aliases, allocated pty paths, the VNC port chosen), as libvirt shows in live XML.
// The aliases are the -device ids the argv builders use.
import type { CharDevice, Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';
import { controllerAlias } from './argv-controller.js';
import { diskAlias } from './argv-disk.js';
import { netAlias } from './argv-net.js';
import { inputAlias } from './argv-input.js';
import { hostdevAlias } from './argv-hostdev.js';
import { fsAlias } from './argv-fs.js';
import { charAlias } from './argv-chardev.js';
import { videoAlias } from './argv-graphics.js';
import { BALLOON_ALIAS, rngAlias, watchdogAlias } from './argv-misc.js';
import { userAliasOr } from './argv-user-alias.js'; // a ua- alias is the QEMU id (inputs, video, watchdog, rng, balloon, SCSI/SATA controllers)
import { memoryDeviceAliases } from './argv-numa.js';

/** libvirt's alias of every device, in the order of dom.devices, for the live XML. */
export function deviceAliases(dom: Domain) {
  const d = dom.devices;
  return {
    disks: d.disks.map((x) => diskAlias(x)),
    controllers: d.controllers.map((c) => controllerAlias(dom, c.type, c.index)),
    interfaces: d.interfaces.map((_, i) => netAlias(i)),
    serials: d.serials.map((_, i) => charAlias('serial', i)),
    // a console on a serial port is that serial port
    parallels: (d.parallels ?? []).map((_, i) => charAlias('parallel', i)),
    // a console on a serial port is that serial port (console i mirrors serial i, as libvirt formats it)
    consoles: d.consoles.map((c, i) => ((c.target?.type ?? 'serial') === 'serial' && i < d.serials.length ? charAlias('serial', i) : charAlias('console', i))),
    channels: d.channels.map((_, i) => charAlias('channel', i)),
    inputs: d.inputs.map((x, i) => userAliasOr(x, inputAlias(i))),
    videos: d.videos.map((x, i) => userAliasOr(x, videoAlias(i))),
    hostdevs: d.hostdevs.map((_, i) => hostdevAlias(i)),
    watchdogs: d.watchdogs.map((x, i) => userAliasOr(x, watchdogAlias(i))),
    rngs: d.rngs.map((x, i) => userAliasOr(x, rngAlias(i))),
    filesystems: (d.filesystems ?? []).map((_, i) => fsAlias(i)),
    memballoon: d.memballoon && d.memballoon.model !== 'none' ? userAliasOr(d.memballoon, BALLOON_ALIAS) : undefined,
  };
}

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

/** a unix channel without a path listens where argv-chardev.ts put it (libvirt shows it in the live XML) */
function withSocketPath(dev: CharDevice, index: number, ctx: ArgvContext): CharDevice {
  if (dev.type !== 'unix' || dev.source?.path !== undefined) return dev;
  const name = dev.target?.name;
  return { ...dev, source: { ...dev.source, mode: 'bind', path: name ? `${ctx.channelDir}/${name}` : `${ctx.channelDir}/channel${index}` } };
}

export function liveDomain(def: Domain, id: number, ctx: ArgvContext, chardevs: ChardevInfo[]): Domain {
  const dom: Domain = structuredClone(def);
  const a = deviceAliases(dom);
  const d = dom.devices;
  d.disks.forEach((x, i) => (x.alias = a.disks[i]));
  d.controllers.forEach((x, i) => (x.alias = a.controllers[i]));
  d.interfaces.forEach((x, i) => (x.alias = a.interfaces[i]));
  d.serials = d.serials.map((x, i) => ({ ...withPty(x, `char${a.serials[i]}`, chardevs), alias: a.serials[i] }));
  d.consoles = d.consoles.map((x, i) => {
    const onSerial = (x.target?.type ?? 'serial') === 'serial';
    const serial = onSerial ? d.serials.find((s, si) => (s.target?.port ?? si) === (x.target?.port ?? 0)) : undefined;
    const live = serial ? { ...x, source: serial.source } : withPty(x, `char${a.consoles[i]}`, chardevs);
    return { ...live, alias: a.consoles[i] };
  });
  d.channels = d.channels.map((x, i) => ({ ...withSocketPath(withPty(x, `char${a.channels[i]}`, chardevs), i, ctx), alias: a.channels[i] }));
  if (d.parallels) d.parallels = d.parallels.map((x, i) => ({ ...withPty(x, `char${a.parallels[i]}`, chardevs), alias: a.parallels[i] }));
  d.inputs.forEach((x, i) => (x.alias = a.inputs[i]));
  d.videos.forEach((x, i) => (x.alias = a.videos[i]));
  d.hostdevs.forEach((x, i) => (x.alias = a.hostdevs[i]));
  d.watchdogs.forEach((x, i) => (x.alias = a.watchdogs[i]));
  d.rngs.forEach((x, i) => (x.alias = a.rngs[i]));
  d.sounds?.forEach((x, i) => (x.alias ??= `sound${i}`)); // argv-audio.ts soundAlias
  const memAliases = memoryDeviceAliases(dom); // argv-numa.ts
  d.memories?.forEach((x, i) => (x.alias = memAliases[i]));
  d.filesystems?.forEach((x, i) => (x.alias = a.filesystems[i]));
  if (d.memballoon && a.memballoon) d.memballoon.alias = a.memballoon;
  d.graphics.forEach((g, i) => {
    const display = ctx.vncPorts?.[i];
    if ((g.autoport || g.port === undefined || g.port === -1) && display !== undefined) g.port = 5900 + display;
  });
  dom.id = id;
  return dom;
}
