// Semantic checks after parse (+ defaults). Limits chosen as sane absurd-value guards:
// memory 1 KiB .. 16 TiB (QEMU/x86 hosts here are far below), vCPUs 1 .. 4096 (libvirt's
// QEMU maximum for q35 is 4096 with recent QEMU; i440fx allows 255 and QEMU reports it).
import { validateCharDevices } from './domain-chardev-validate.js';
import { validateFeatures } from './domain-features-xml.js';
import { validateClock, validateOs } from './domain-os-xml.js';
import { validateMiscElements } from './domain-misc-xml.js';
import type { Domain } from './domain-types.js';
import { validateIothreads } from './domain-iothreads-xml.js';
import { validateDisks } from './domain-disk-validate.js';
import { TsvirtError } from '../util/errors.js';
import { validateTuning } from './domain-tuning-xml.js';
import { isMulticastMac, parseMac } from '../util/mac.js';
import { formatKiB } from '../util/units.js';
import { checkAddressConflicts, isQ35 } from './domain-addresses.js';
import { describeAddress } from './domain-address-xml.js';
import { validateControllers, validateInputs, validateVideos, validateWatchdogs } from './domain-devices-validate.js';
import { validateGraphicsAudio } from './domain-graphics-defaults.js';
import { validateFilesystems } from './domain-fs-xml.js';
import { validateMemoryBacking } from './domain-membacking-xml.js';
import { validateInterfaces } from './domain-net-validate.js';
import { validatePassthrough } from './domain-passthrough.js';

export const MAX_MEMORY_KIB = 16 * 1024 ** 3; // 16 TiB
export const MAX_VCPUS = 4096;
export const MAX_NAME_LENGTH = 255;

const xmlErr = (m: string) => new TsvirtError('xml-error', m);
const unsupported = (m: string) => new TsvirtError('config-unsupported', m);

/** Checks a domain definition; throws TsvirtError ('xml-error' or 'config-unsupported'). */
export function validateDomain(dom: Domain): void {
  validateName(dom.name);
  if (dom.memory <= 0) throw xmlErr('memory size must be greater than 0');
  if (dom.memory > MAX_MEMORY_KIB) throw unsupported(`memory size ${formatKiB(dom.memory)} exceeds the maximum of ${formatKiB(MAX_MEMORY_KIB)}`);
  if (dom.currentMemory !== undefined) {
    if (dom.currentMemory <= 0) throw xmlErr('currentMemory must be greater than 0');
    if (dom.currentMemory > dom.memory) throw xmlErr(`currentMemory (${dom.currentMemory} KiB) must not exceed memory (${dom.memory} KiB)`);
  }
  validateTuning(dom); // maxMemory, memory devices, NUMA, cputune/numatune/memtune, sysinfo
  const v = dom.vcpu;
  if (v.count < 1) throw xmlErr('vcpu count must be at least 1');
  if (v.count > MAX_VCPUS) throw unsupported(`vcpu count ${v.count} exceeds the maximum of ${MAX_VCPUS}`);
  if (dom.os.machine !== undefined && !isQ35(dom) && v.count > 255) throw unsupported(`machine '${dom.os.machine}' supports at most 255 vCPUs; use q35`);
  if (v.current !== undefined && (v.current < 1 || v.current > v.count)) throw xmlErr(`current vcpus (${v.current}) must be between 1 and the vcpu count (${v.count})`);
  const topo = dom.cpu?.topology;
  if (topo && topo.sockets * (topo.dies ?? 1) * topo.cores * topo.threads !== v.count) {
    throw xmlErr(`CPU topology ${topo.sockets}x${topo.dies ?? 1}x${topo.cores}x${topo.threads} does not match the vcpu count ${v.count}`);
  }
  if (dom.cpu?.mode === 'custom' && !dom.cpu.model && dom.cpu.features.length > 0) throw xmlErr('CPU features need a CPU model in custom mode');
  if (dom.os.arch !== undefined && !['x86_64', 'i686'].includes(dom.os.arch)) throw unsupported(`architecture '${dom.os.arch}' is not supported`);
  if ((dom.os.initrd !== undefined || dom.os.cmdline !== undefined) && dom.os.kernel === undefined) {
    throw xmlErr('<initrd> and <cmdline> need a <kernel> in <os>');
  }
  for (const [what, action] of [['on_poweroff', dom.onPoweroff], ['on_reboot', dom.onReboot]] as const) {
    if (action === 'preserve') throw unsupported(`the 'preserve' action is not supported for ${what}`);
  }
  validateMemoryBacking(dom);
  validateDevices(dom);
  validateIothreads(dom);
  validateDisks(dom);
  validateFilesystems(dom);
  validatePassthrough(dom);
  validateInterfaces(dom);
  checkAddressConflicts(dom);
}

export function validateName(name: string): void {
  if (name === '') throw xmlErr('domain name must not be empty');
  if (name.includes('/')) throw xmlErr(`domain name '${name}' must not contain '/'`);
  if (name.length > MAX_NAME_LENGTH) throw xmlErr(`domain name is longer than ${MAX_NAME_LENGTH} characters`);
  if (name.startsWith('.')) throw xmlErr(`domain name '${name}' must not start with '.'`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) throw xmlErr('domain name must not contain control characters');
  if (name.trim() !== name) throw xmlErr(`domain name '${name}' must not start or end with whitespace`);
}

function validateDevices(dom: Domain): void {
  const d = dom.devices;
  const q35 = isQ35(dom);
  const targets = new Set<string>();
  for (const disk of d.disks) {
    const t = disk.target.dev;
    if (targets.has(t)) throw xmlErr(`target '${t}' duplicated for disk sources`);
    targets.add(t);
    if (disk.type === 'file' && disk.source && disk.source.file === undefined) throw xmlErr(`disk '${t}': <source> of a file disk needs file=`);
    if (disk.type === 'block' && disk.source && disk.source.dev === undefined) throw xmlErr(`disk '${t}': <source> of a block disk needs dev=`);
    if (disk.type === 'volume' && disk.source && (disk.source.pool === undefined || disk.source.volume === undefined)) {
      throw xmlErr(`disk '${t}': <source> of a volume disk needs pool= and volume=`);
    }
    if (disk.device === 'disk' && disk.type !== 'volume' && !disk.source) throw xmlErr(`disk '${t}' has no <source>`);
    if (disk.target.bus === 'ide' && q35) throw unsupported(`disk '${t}': IDE is not available on a q35 machine; use bus 'sata'`);
    if (disk.device === 'floppy' && disk.target.bus && disk.target.bus !== 'fdc') throw unsupported(`floppy '${t}' must use bus 'fdc'`);
    if (disk.device === 'lun' && disk.target.bus !== 'scsi' && disk.target.bus !== 'virtio') throw unsupported(`disk '${t}': device 'lun' needs bus 'scsi' or 'virtio'`);
    if (disk.target.bus === 'virtio' && disk.device === 'cdrom') throw unsupported(`disk '${t}': a cdrom cannot use bus 'virtio'`);
    if (disk.address && disk.target.bus) {
      const wantsDrive = ['ide', 'sata', 'scsi', 'fdc'].includes(disk.target.bus);
      const type = disk.address.type;
      if (wantsDrive ? type !== 'drive' : disk.target.bus === 'virtio' ? type !== 'pci' : type !== 'usb') {
        throw xmlErr(`disk '${t}': address type '${type}' does not fit bus '${disk.target.bus}'`);
      }
    }
  }
  const macs = new Set<string>();
  for (const nic of d.interfaces) {
    if (nic.mac === '') continue; // filled in by defaults
    const mac = parseMac(nic.mac);
    if (!mac) throw xmlErr(`invalid MAC address '${nic.mac}'`);
    if (isMulticastMac(mac)) throw xmlErr(`MAC address '${nic.mac}' is a multicast address and cannot be used by a NIC`);
    if (macs.has(mac)) throw xmlErr(`MAC address '${mac}' is used by more than one interface`);
    macs.add(mac);
    if (nic.type === 'network' && !nic.source?.network) throw xmlErr(`interface ${mac}: type 'network' needs <source network=.../>`);
    if (nic.type === 'bridge' && !nic.source?.bridge) throw xmlErr(`interface ${mac}: type 'bridge' needs <source bridge=.../>`);
  }
  const bootDevices = [...d.disks, ...d.interfaces, ...d.hostdevs, ...(d.redirdevs ?? [])].filter((x) => x.boot);
  if (bootDevices.length > 0 && dom.os.boot.length > 0) {
    throw unsupported('per-device boot elements cannot be used together with os/boot elements');
  }
  const orders = new Set<number>();
  for (const x of bootDevices) {
    if (orders.has(x.boot!.order)) throw xmlErr(`boot order ${x.boot!.order} is used by more than one device`);
    orders.add(x.boot!.order);
  }
  // hostdev sources: validatePassthrough (domain-passthrough.ts)
  validateControllers(dom); // domain-devices-validate.ts
  validateCharDevices(dom);
  validateFeatures(dom);
  validateClock(dom.clock, dom);
  validateOs(dom.os);
  validateMiscElements(dom);
  for (const g of d.graphics) {
    if (g.type === 'vnc' && g.port !== undefined && g.port !== -1 && g.port < 5900 && g.autoport !== true) throw xmlErr(`VNC port ${g.port} is below 5900`);
  }
  validateGraphicsAudio(d);
  validateVideos(dom);
  validateInputs(dom);
  validateWatchdogs(dom);
}
