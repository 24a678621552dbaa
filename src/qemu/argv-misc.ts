// Memory balloon, random number generator and watchdog.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Memballoon, Rng, Watchdog, Panic } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, isQ35, jsonArg, pciProps, requireDevice } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

export const BALLOON_ALIAS = 'balloon0';
export const rngAlias = (index: number) => `rng${index}`;
export const watchdogAlias = (index: number) => `watchdog${index}`;

/** virtio-balloon-pci, or undefined for model 'none'. Neither <stats period> nor <currentMemory>
 *  is an argv property: after start the driver sets the period with qom-set
 *  guest-stats-polling-interval and the balloon target with QMP `balloon`. */
export function balloonDeviceProps(b: Memballoon, dom: Domain, caps: QemuCaps): Props | undefined {
  if (b.model === 'none') return undefined;
  if (b.model !== 'virtio') throw unsupported(`memballoon model '${String(b.model)}' is not supported`);
  requireDevice(caps, 'virtio-balloon-pci', 'memballoon');
  return {
    driver: 'virtio-balloon-pci', id: BALLOON_ALIAS, ...pciProps(dom, b.address, 'memballoon'),
    ...(b.autodeflate ? { 'deflate-on-oom': true } : {}),
  };
}

/** The rng backend -object body and the virtio-rng-pci -device body. */
export function rngProps(rng: Rng, index: number, dom: Domain, caps: QemuCaps): { object: Props; device: Props } {
  const where = `rng ${index}`;
  if (rng.model !== 'virtio') throw unsupported(`${where}: model '${String(rng.model)}' is not supported (only virtio)`);
  requireDevice(caps, 'virtio-rng-pci', where);
  const id = `objrng${index}`;
  const object: Props = rng.backend.model === 'random'
    ? { 'qom-type': 'rng-random', id, filename: rng.backend.path }
    : { 'qom-type': 'rng-builtin', id };
  const device: Props = { driver: 'virtio-rng-pci', rng: id };
  if (rng.rate) Object.assign(device, { 'max-bytes': rng.rate.bytes, period: rng.rate.period ?? 1000 });
  Object.assign(device, { id: rngAlias(index), ...pciProps(dom, rng.address, where) });
  return { object, device };
}

// libvirt's 'dump' action pauses the guest so that the driver can dump it.
const WATCHDOG_ACTION: Record<Watchdog['action'], string> = {
  reset: 'reset', shutdown: 'shutdown', poweroff: 'poweroff', pause: 'pause', none: 'none', dump: 'pause', 'inject-nmi': 'inject-nmi',
};

/** The watchdog -device body (undefined for q35's built-in iTCO) and its -action value. */
export function watchdogProps(w: Watchdog, index: number, dom: Domain, caps: QemuCaps): { device?: Props; action: string } {
  const where = `watchdog ${index}`;
  const action = WATCHDOG_ACTION[w.action];
  if (!action) throw unsupported(`${where}: action '${w.action}' is not supported`);
  if (w.model === 'itco') {
    if (!isQ35(dom)) throw unsupported(`${where}: the itco watchdog exists only on the q35 machine`);
    return { action };
  }
  if (w.model !== 'i6300esb' && w.model !== 'ib700') throw unsupported(`${where}: model '${String(w.model)}' is not supported`);
  requireDevice(caps, w.model, where);
  const device: Props = { driver: w.model, id: watchdogAlias(index) };
  return { device: w.model === 'i6300esb' ? { ...device, ...pciProps(dom, w.address, where) } : device, action };
}

/** pvpanic on the ISA bus (port 0x505 unless the address says otherwise). */
export function panicProps(p: Panic, i: number, caps: QemuCaps): Props {
  requireDevice(caps, 'pvpanic', 'panic');
  const iobase = p.address?.type === 'isa' ? p.address.iobase : undefined;
  return { driver: 'pvpanic', id: `panic${i}`, ...(iobase !== undefined ? { ioport: iobase } : {}) };
}

export function miscArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const args: ArgPair[] = [];
  const { watchdogs, memballoon, rngs } = dom.devices;
  if (watchdogs.length > 1) throw unsupported('only one <watchdog> is supported');
  for (const [i, w] of watchdogs.entries()) {
    const { device, action } = watchdogProps(w, i, dom, caps);
    // The iTCO of q35 reboots the machine itself unless told not to; -action then decides.
    if (w.model === 'itco') args.push(['-global', 'ICH9-LPC.noreboot=off']);
    if (device) args.push(jsonArg('-device', device));
    args.push(['-action', `watchdog=${action}`]);
  }
  if (memballoon) {
    const props = balloonDeviceProps(memballoon, dom, caps);
    if (props) args.push(jsonArg('-device', props));
  }
  for (const [i, rng] of rngs.entries()) {
    const { object, device } = rngProps(rng, i, dom, caps);
    args.push(jsonArg('-object', object), jsonArg('-device', device));
  }
  if ((dom.devices.panics?.length ?? 0) > 1) throw unsupported('only one <panic> is supported');
  for (const [i, p] of (dom.devices.panics ?? []).entries()) args.push(jsonArg('-device', panicProps(p, i, caps)));
  return args;
}
