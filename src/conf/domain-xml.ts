// <domain> XML: parseDomainXml (parse only: no defaults) and formatDomainXml
// (libvirt's element order and layout). Devices live in domain-devices-xml.ts and
// domain-chardev-xml.ts.
import type { Controller, Domain, DomainClock, DomainCpu, DomainDevices, DomainOs, LifecycleAction } from './domain-types.js';
import { parseXmlDocument, type XmlElement } from '../util/xml-reader.js';
import { el, raw, renderXml, textEl, flagEl, onOff, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { parseSizeKiB } from '../util/units.js';
import { generateUuid, parseUuid } from '../util/uuid.js';
import { isTsvirtError } from '../util/errors.js';
import type { FormatOptions } from './domain-address-xml.js';
import { formatCharDevice, parseCharDevice } from './domain-chardev-xml.js';
import * as dev from './domain-devices-xml.js';
import { formatClock, formatOs, parseClock, parseOs } from './domain-os-xml.js';
import { formatCpu, parseCpu } from './domain-cpu-xml.js';
import { formatFeatures, parseFeatures } from './domain-features-xml.js';
import { formatIdmap, parseIdmap } from './domain-idmap-xml.js';
import { formatGenid, formatOnLockfailure, formatPerf, formatSecurityElements, parseMiscElements } from './domain-misc-xml.js';
import { formatQemuNamespace, parseQemuNamespace, qemuNamespaceAttr } from './domain-qemu-ns-xml.js';
import { formatSeclabel, parseSeclabels } from './domain-seclabel-xml.js';
import { formatBlkiotune, formatMemtune, formatTuningTail, formatVcpus, parseTuningElements } from './domain-tuning-xml.js';
import { formatMemoryDevice, parseMemoryDevice } from './domain-memory-devices-xml.js';
import { formatAudio, parseAudio } from './domain-audio-xml.js';
import { formatSound, parseSound } from './domain-sound-xml.js';
import { formatFilesystem, parseFilesystem } from './domain-fs-xml.js';
import { formatMemoryBacking, parseMemoryBacking } from './domain-membacking-xml.js';
import * as usb from './domain-usb-xml.js';
import { formatTpm, parseTpm } from './domain-tpm-xml.js';
import * as plat from './domain-platform-devices-xml.js';
import { applyDomainDefaultsInPlace, type DefaultsCaps } from './domain-defaults.js';
import { validateDomain } from './domain-validate.js';
import { formatIothreads, parseIothreads } from './domain-iothreads-xml.js';

export type { FormatOptions } from './domain-address-xml.js';

const LIFECYCLE = ['destroy', 'restart', 'preserve', 'rename-restart', 'coredump-destroy', 'coredump-restart'] as const;

/** Parses <domain> XML into the model. Only what the XML says: no defaults (except a generated UUID, as libvirt). */
export function parseDomainXml(xml: string): Domain {
  const x = parseXmlDocument(xml, 'domain');
  const dom = parseDomainElement(x);
  x.done();
  return dom;
}

/** Parses an already located <domain> element (used by the status XML too); the caller calls done(). */
export function parseDomainElement(x: XmlElement): Domain {
  const type = x.reqEnumAttr('type', ['qemu', 'kvm'] as const);
  const id = x.intAttr('id', { min: -1 });
  const name = x.childText('name');
  if (name === undefined) throw x.error('missing <name> in <domain>');
  const uuidText = x.childText('uuid');
  let uuid: string;
  if (uuidText !== undefined) {
    const u = parseUuid(uuidText);
    if (!u) throw x.error(`invalid UUID '${uuidText.trim()}'`);
    uuid = u;
  } else uuid = generateUuid();
  const memEl = x.child('memory');
  // <memory> may be left out when <cpu><numa> cells give the sizes (defaults sum them)
  const dom: Domain = {
    type,
    name,
    uuid,
    memory: memEl ? parseMemory(memEl) : 0,
    vcpu: { count: 1 },
    os: { type: 'hvm', boot: [] },
    features: {},
    devices: emptyDevices(),
  };
  if (id !== undefined && id >= 0) dom.id = id;
  const dumpCore = memEl?.enumAttr('dumpCore', ['on', 'off'] as const);
  if (dumpCore) dom.memoryDumpCore = dumpCore;
  const title = x.childText('title');
  if (title !== undefined) dom.title = title;
  const description = x.childText('description');
  if (description !== undefined) dom.description = description;
  const md = x.child('metadata');
  if (md) dom.metadata = md.innerXml();
  const cur = x.child('currentMemory');
  if (cur) dom.currentMemory = parseMemory(cur);
  const maxm = x.child('maxMemory');
  if (maxm) dom.maxMemory = { size: parseMemory(maxm), slots: maxm.reqIntAttr('slots', { min: 0 }) };
  const memBacking = x.child('memoryBacking');
  if (memBacking) dom.memoryBacking = parseMemoryBacking(memBacking);
  const vcpu = x.child('vcpu');
  if (vcpu) {
    dom.vcpu.count = vcpu.toInt(vcpu.text(), '<vcpu>', { min: 0 });
    const current = vcpu.intAttr('current', { min: 0 });
    const placement = vcpu.enumAttr('placement', ['static', 'auto'] as const);
    const cpuset = vcpu.attr('cpuset');
    if (current !== undefined) dom.vcpu.current = current;
    if (placement !== undefined) dom.vcpu.placement = placement;
    if (cpuset !== undefined) dom.vcpu.cpuset = cpuset;
  }
  parseIothreads(x, dom);
  parseTuningElements(x, dom);
  const os = x.child('os');
  if (!os) throw x.error('missing <os> in <domain>');
  dom.os = parseOs(os);
  parseIdmap(x, dom);
  const features = x.child('features');
  if (features) dom.features = parseFeatures(features);
  const cpu = x.child('cpu');
  if (cpu) dom.cpu = parseCpu(cpu);
  const clock = x.child('clock');
  if (clock) dom.clock = parseClock(clock);
  const lifecycle = (tag: string): LifecycleAction | undefined => {
    const c = x.child(tag);
    if (!c) return undefined;
    const v = c.text().trim();
    if (!(LIFECYCLE as readonly string[]).includes(v)) throw c.error(`invalid value '${v}' in <${tag}>: expected one of ${LIFECYCLE.join(', ')}`);
    return v as LifecycleAction;
  };
  const onPoweroff = lifecycle('on_poweroff');
  const onReboot = lifecycle('on_reboot');
  const onCrash = lifecycle('on_crash');
  if (onPoweroff) dom.onPoweroff = onPoweroff;
  if (onReboot) dom.onReboot = onReboot;
  if (onCrash) dom.onCrash = onCrash;
  const pm = x.child('pm');
  if (pm) {
    dom.pm = {};
    const mem = pm.child('suspend-to-mem');
    const disk = pm.child('suspend-to-disk');
    if (mem) dom.pm.suspendToMem = mem.reqEnumAttr('enabled', ['yes', 'no'] as const) === 'yes';
    if (disk) dom.pm.suspendToDisk = disk.reqEnumAttr('enabled', ['yes', 'no'] as const) === 'yes';
  }
  const devices = x.child('devices');
  if (devices) dom.devices = parseDevices(devices);
  const seclabels = x.children('seclabel');
  if (seclabels.length) dom.seclabels = parseSeclabels(seclabels);
  parseMiscElements(x, dom);
  parseQemuNamespace(x, dom);
  return dom;
}

export function emptyDevices(): DomainDevices {
  return { disks: [], controllers: [], interfaces: [], serials: [], consoles: [], channels: [], inputs: [], graphics: [], videos: [], hostdevs: [], watchdogs: [], rngs: [] };
}

function parseMemory(x: XmlElement): number {
  try {
    return parseSizeKiB(x.text(), x.attr('unit'), `<${x.name}>`);
  } catch (e) {
    throw isTsvirtError(e) ? x.error(e.message) : e;
  }
}

function parseDevices(x: XmlElement): DomainDevices {
  const d = emptyDevices();
  const unindexed = new Set<Controller>();
  for (const c of x.allChildren()) {
    switch (c.name) {
      case 'emulator':
        if (d.emulator !== undefined) throw c.error('element <emulator> may appear only once in <devices>');
        d.emulator = c.text().trim();
        break;
      case 'disk': dev.insertDisk(d.disks, dev.parseDisk(c)); break;
      case 'filesystem': (d.filesystems ??= []).push(parseFilesystem(c)); break;
      case 'controller': {
        const ctl = dev.parseController(c);
        if (c.attr('index') === undefined) unindexed.add(ctl);
        d.controllers.push(ctl);
        break;
      }
      case 'interface': d.interfaces.push(dev.parseInterface(c)); break;
      case 'serial': d.serials.push(parseCharDevice(c, 'serial')); break;
      case 'parallel': (d.parallels ??= []).push(parseCharDevice(c, 'parallel')); break;
      case 'console': d.consoles.push(parseCharDevice(c, 'console')); break;
      case 'channel': d.channels.push(parseCharDevice(c, 'channel')); break;
      case 'input': d.inputs.push(dev.parseInput(c)); break;
      case 'graphics': d.graphics.push(dev.parseGraphics(c)); break;
      case 'video': d.videos.push(dev.parseVideo(c)); break;
      case 'hostdev': d.hostdevs.push(dev.parseHostdev(c)); break;
      case 'hub': (d.hubs ??= []).push(usb.parseHub(c)); break;
      case 'redirdev': (d.redirdevs ??= []).push(usb.parseRedirdev(c)); break;
      case 'redirfilter': (d.redirfilters ??= []).push(usb.parseRedirFilter(c)); break;
      case 'smartcard': (d.smartcards ??= []).push(usb.parseSmartcard(c)); break;
      case 'tpm': (d.tpms ??= []).push(parseTpm(c)); break;
      case 'shmem': (d.shmems ??= []).push(plat.parseShmem(c)); break;
      case 'iommu': (d.iommus ??= []).push(plat.parseIommu(c)); break;
      case 'vsock': (d.vsocks ??= []).push(plat.parseVsock(c)); break;
      case 'lease': (d.leases ??= []).push(plat.parseLease(c)); break;
      case 'nvram': plat.refuseNvramDevice(c); break;
      case 'watchdog': d.watchdogs.push(dev.parseWatchdog(c)); break;
      case 'panic': (d.panics ??= []).push(dev.parsePanic(c)); break;
      case 'rng': d.rngs.push(dev.parseRng(c)); break;
      case 'audio': (d.audios ??= []).push(parseAudio(c)); break;
      case 'memory': (d.memories ??= []).push(parseMemoryDevice(c)); break;
      case 'sound': (d.sounds ??= []).push(parseSound(c)); break;
      case 'memballoon':
        if (d.memballoon) throw c.error('element <memballoon> may appear only once in <devices>');
        d.memballoon = dev.parseMemballoon(c);
        break;
      default:
        throw c.error(`unsupported element <${c.name}> in <devices>`);
    }
  }
  dev.orderAndIndexControllers(d.controllers, unindexed); // libvirt's list order, then indexes (domain-controller-xml.ts)
  return d;
}

// ---------------------------------------------------------------- format

/** Formats a domain in libvirt's layout. */
export function formatDomainXml(dom: Domain, opts: FormatOptions = {}): string {
  return renderXml(formatDomainNode(dom, opts));
}

export function formatDomainNode(dom: Domain, opts: FormatOptions = {}): XmlNode {
  const mem = (name: string, kib: number | undefined, extra: Record<string, number> = {}) =>
    kib === undefined ? undefined : el(name, { ...extra, unit: 'KiB' }, String(kib));
  const v = dom.vcpu;
  return el('domain', { type: dom.type, id: opts.inactive ? undefined : dom.id, 'xmlns:qemu': qemuNamespaceAttr(dom) }, [
    textEl('name', dom.name),
    textEl('uuid', dom.uuid),
    formatGenid(dom),
    textEl('title', dom.title),
    textEl('description', dom.description),
    dom.metadata !== undefined && (dom.metadata === '' ? el('metadata') : el('metadata', {}, [raw(dom.metadata)])),
    dom.maxMemory && mem('maxMemory', dom.maxMemory.size, { slots: dom.maxMemory.slots }),
    dom.memoryDumpCore ? el('memory', { dumpCore: dom.memoryDumpCore, unit: 'KiB' }, String(dom.memory)) : mem('memory', dom.memory),
    mem('currentMemory', dom.currentMemory),
    formatBlkiotune(dom.blkiotune),
    formatMemtune(dom.memtune),
    formatMemoryBacking(dom.memoryBacking),
    el('vcpu', { placement: v.placement, cpuset: v.cpuset, current: v.current }, String(v.count)),
    formatVcpus(dom),
    ...formatIothreads(dom),
    ...formatTuningTail(dom),
    formatOs(dom.os),
    formatIdmap(dom),
    formatFeatures(dom.features),
    dom.cpu && formatCpu(dom.cpu),
    dom.clock && formatClock(dom.clock),
    textEl('on_poweroff', dom.onPoweroff),
    textEl('on_reboot', dom.onReboot),
    textEl('on_crash', dom.onCrash),
    formatOnLockfailure(dom),
    dom.pm && el('pm', {}, [
      dom.pm.suspendToMem !== undefined && el('suspend-to-mem', { enabled: dom.pm.suspendToMem ? 'yes' : 'no' }),
      dom.pm.suspendToDisk !== undefined && el('suspend-to-disk', { enabled: dom.pm.suspendToDisk ? 'yes' : 'no' }),
    ]),
    formatPerf(dom),
    formatDevices(dom.devices, opts),
    ...(dom.seclabels ?? []).map(formatSeclabel),
    ...formatSecurityElements(dom),
    ...formatQemuNamespace(dom.qemuNs),
  ]);
}

function formatDevices(d: DomainDevices, opts: FormatOptions): XmlNode {
  const children: XmlChild[] = [
    textEl('emulator', d.emulator),
    ...d.disks.map((x) => dev.formatDisk(x, opts)),
    ...d.controllers.map((x) => dev.formatController(x, opts)),
    ...(d.leases ?? []).map((x) => plat.formatLease(x)),
    ...(d.filesystems ?? []).map((x) => formatFilesystem(x, opts)),
    ...d.interfaces.map((x) => dev.formatInterface(x, opts)),
    ...(d.smartcards ?? []).map((x) => usb.formatSmartcard(x, opts)),
    ...d.serials.map((x) => formatCharDevice(x, 'serial', opts)),
    ...(d.parallels ?? []).map((x) => formatCharDevice(x, 'parallel', opts)),
    // libvirt shows a serial-type console as an alias of the first serial port
    ...d.consoles.map((x, i) => formatCharDevice(x, 'console', opts, x.target?.type === 'serial' ? d.serials[i] : undefined)),
    ...d.channels.map((x) => formatCharDevice(x, 'channel', opts)),
    ...d.inputs.map((x) => dev.formatInput(x, opts)),
    ...(d.tpms ?? []).map((x) => formatTpm(x, opts)),
    ...d.graphics.map((x) => dev.formatGraphics(x, opts)),
    ...(d.sounds ?? []).map((x) => formatSound(x, opts)),
    ...(d.audios ?? []).map((x) => formatAudio(x)),
    ...d.videos.map((x) => dev.formatVideo(x, opts)),
    ...d.hostdevs.map((x) => dev.formatHostdev(x, opts)),
    ...(d.redirdevs ?? []).map((x) => usb.formatRedirdev(x, opts)),
    ...(d.redirfilters ?? []).map((x) => usb.formatRedirFilter(x)),
    ...(d.hubs ?? []).map((x) => usb.formatHub(x, opts)),
    ...d.watchdogs.map((x) => dev.formatWatchdog(x, opts)),
    d.memballoon && dev.formatMemballoon(d.memballoon, opts),
    ...d.rngs.map((x) => dev.formatRng(x, opts)),
    ...(d.panics ?? []).map((x) => dev.formatPanic(x, opts)),
    ...(d.shmems ?? []).map((x) => plat.formatShmem(x, opts)),
    ...(d.memories ?? []).map((x) => formatMemoryDevice(x, opts)),
    ...(d.iommus ?? []).map((x) => plat.formatIommu(x, opts)),
    ...(d.vsocks ?? []).map((x) => plat.formatVsock(x, opts)),
  ];
  return el('devices', {}, children);
}

/** parse + defaults + validate: what `define` and `create` need. */
export function parseAndPrepareDomain(xml: string, caps?: DefaultsCaps): Domain {
  const dom = applyDomainDefaultsInPlace(parseDomainXml(xml), caps);
  validateDomain(dom);
  return dom;
}
