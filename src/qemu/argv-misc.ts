// Memory balloon, random number generator and watchdog.
import { TsvirtError } from '../util/errors.js';
import type { Domain, Memballoon, Rng, Watchdog, Panic } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, type Props, isQ35, jsonArg, pciProps, requireDevice } from './argv-common.js';
import { virtioDriverProps } from './argv-virtio-driver.js';
import { userAliasOr } from './argv-user-alias.js';
import { chardevArg } from './argv-chardev.js';

/** virtio-X-pci, or its -transitional / -non-transitional variant for those models. */
const virtioPci = (base: string, model: string) =>
  model === 'virtio-transitional' ? `${base}-pci-transitional` : model === 'virtio-non-transitional' ? `${base}-pci-non-transitional` : `${base}-pci`;

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

export const BALLOON_ALIAS = 'balloon0';
export const rngAlias = (index: number) => `rng${index}`;
export const watchdogAlias = (index: number) => `watchdog${index}`;

/** virtio-balloon-pci, or undefined for model 'none'. Neither <stats period> nor <currentMemory>
 *  is an argv property: after start the driver sets the period with qom-set
 *  guest-stats-polling-interval and the balloon target with QMP `balloon`. */
export function balloonDeviceProps(b: Memballoon, dom: Domain, caps: QemuCaps): Props | undefined {
  if (b.model === 'none') return undefined;
  if (b.model === 'xen') throw unsupported("memballoon model 'xen' is not supported by the QEMU driver");
  const driver = virtioPci('virtio-balloon', b.model);
  requireDevice(caps, driver, 'memballoon');
  return {
    driver, id: userAliasOr(b, BALLOON_ALIAS), ...pciProps(dom, b.address, 'memballoon'),
    ...(b.autodeflate !== undefined ? { 'deflate-on-oom': b.autodeflate } : {}),
    ...(b.freePageReporting !== undefined ? { 'free-page-reporting': b.freePageReporting } : {}),
    ...virtioDriverProps(b.driver),
  };
}

/** The rng backend -object body and the virtio-rng-pci -device body. */
export function rngProps(rng: Rng, index: number, dom: Domain, caps: QemuCaps): { object: Props; device: Props; chardev?: string } {
  const where = `rng ${index}`;
  const driver = virtioPci('virtio-rng', rng.model);
  requireDevice(caps, driver, where);
  const alias = userAliasOr(rng, rngAlias(index));
  const id = `obj${alias}`;
  const b = rng.backend;
  let chardev: string | undefined;
  let object: Props;
  if (b.model === 'random') object = { 'qom-type': 'rng-random', id, filename: b.path };
  else if (b.model === 'builtin') object = { 'qom-type': 'rng-builtin', id };
  else {
    // egd: the daemon is reached through a chardev named char<alias>
    chardev = chardevArg(b.chardev, `char${alias}`, where);
    object = { 'qom-type': 'rng-egd', id, chardev: `char${alias}` };
  }
  const device: Props = { driver, rng: id };
  if (rng.rate) Object.assign(device, { 'max-bytes': rng.rate.bytes, period: rng.rate.period ?? 1000 });
  Object.assign(device, { id: alias, ...pciProps(dom, rng.address, where), ...virtioDriverProps(rng.driver) });
  return { object, device, chardev };
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
  if (w.model === 'diag288') throw unsupported(`${where}: the diag288 watchdog exists only on s390`);
  if (w.model !== 'i6300esb' && w.model !== 'ib700') throw unsupported(`${where}: model '${String(w.model)}' is not supported`);
  requireDevice(caps, w.model, where);
  const device: Props = { driver: w.model, id: userAliasOr(w, watchdogAlias(index)) };
  return { device: w.model === 'i6300esb' ? { ...device, ...pciProps(dom, w.address, where) } : device, action };
}

/** pvpanic on the ISA bus (port 0x505 unless the address says otherwise). */
export function panicProps(p: Panic, i: number, caps: QemuCaps): Props | undefined {
  const model = p.model ?? 'isa';
  const id = userAliasOr(p, `panic${i}`);
  // hyperv: the crash MSRs are a -cpu feature (hv-crash) that the CPU builder does not set yet
  if (model === 'hyperv') throw unsupported("panic model 'hyperv' needs the hv-crash CPU feature, which tsvirt does not set yet");
  if (model !== 'isa') throw unsupported(`panic model '${model}' is not supported on x86`);
  requireDevice(caps, 'pvpanic', 'panic');
  const iobase = p.address?.type === 'isa' ? p.address.iobase : undefined;
  return { driver: 'pvpanic', id, ...(iobase !== undefined ? { ioport: iobase } : {}) };
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
    const { object, device, chardev } = rngProps(rng, i, dom, caps);
    if (chardev) args.push(['-chardev', chardev]);
    args.push(jsonArg('-object', object), jsonArg('-device', device));
  }
  if ((dom.devices.panics ?? []).filter((p) => (p.model ?? 'isa') === 'isa').length > 1) throw unsupported('only one isa <panic> is supported');
  for (const [i, p] of (dom.devices.panics ?? []).entries()) {
    const props = panicProps(p, i, caps);
    if (props) args.push(jsonArg('-device', props));
  }
  return args;
}
