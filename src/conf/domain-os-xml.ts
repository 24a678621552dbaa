// <os> and <clock>: parse and format in libvirt 9.0's layout (virDomainDefParseBootOptions,
// virDomainDefClockParse and their format counterparts). <features> is in domain-features-xml.ts.
import type { ClockTimer, DiskType, DomainClock, DomainOs } from './domain-types.js';
import { formatDiskSource, parseDiskSource } from './domain-disk-source-xml.js';
import type { XmlElement } from '../util/xml-reader.js';
import { TsvirtError } from '../util/errors.js';
import { el, textEl, type XmlNode } from '../util/xml-writer.js';

const BOOT_DEVS = ['hd', 'cdrom', 'network', 'fd'] as const;
const DISK_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser'] as const;
const FW_FEATURES = ['enrolled-keys', 'secure-boot'] as const;
/** Elements of <os> for other hypervisors (container init, Xen bootloader) or architectures (dtb). */
const NOT_QEMU_X86: Record<string, string> = {
  init: 'container init (LXC)', initarg: 'container init (LXC)', initenv: 'container init (LXC)', initdir: 'container init (LXC)',
  inituser: 'container init (LXC)', initgroup: 'container init (LXC)', dtb: 'a device tree (ARM/PPC)', root: 'a root device (Xen)',
};

function parseLoader(x: XmlElement, os: DomainOs): void {
  const loader = x.child('loader');
  const nvram = x.child('nvram');
  if (loader) {
    os.loader = {};
    const path = loader.text().trim();
    if (path) os.loader.path = path;
    const ro = loader.boolAttr('readonly');
    const type = loader.enumAttr('type', ['rom', 'pflash'] as const);
    const secure = loader.boolAttr('secure');
    const stateless = loader.boolAttr('stateless');
    if (ro !== undefined) os.loader.readonly = ro;
    if (type !== undefined) os.loader.type = type;
    if (secure !== undefined) os.loader.secure = secure;
    if (stateless !== undefined) os.loader.stateless = stateless;
  }
  if (nvram) {
    os.nvram = {};
    const template = nvram.attr('template');
    if (template !== undefined) os.nvram.template = template;
    const type = nvram.attr('type');
    if (type !== undefined) {
      if (!(DISK_TYPES as readonly string[]).includes(type)) throw nvram.error(`unknown storage source type '${type}'`);
      os.nvram.type = type as DiskType;
      const src = nvram.child('source');
      if (!src) throw nvram.error(`<nvram type='${type}'> needs a <source>`);
      os.nvram.source = parseDiskSource(src, type as DiskType);
      // the disk parser gives an iSCSI target LUN 0 (libvirt's disk post-parse); <nvram> keeps the name as written
      const name = src.attr('name');
      if (os.nvram.source.protocol === 'iscsi' && name !== undefined) os.nvram.source.name = name;
    } else {
      const p = nvram.text().trim();
      if (p) os.nvram.path = p;
    }
  }
}

export function parseOs(x: XmlElement): DomainOs {
  const t = x.child('type');
  if (!t) throw x.error('missing <type> in <os>');
  if (t.text().trim() !== 'hvm') throw t.error(`unsupported OS type '${t.text().trim()}': only 'hvm' is supported`);
  const os: DomainOs = { type: 'hvm', boot: [] };
  const arch = t.attr('arch');
  const machine = t.attr('machine');
  if (arch !== undefined) os.arch = arch;
  if (machine !== undefined) os.machine = machine;
  const fwAttr = x.attr('firmware');
  if (fwAttr !== undefined) {
    if (fwAttr !== 'bios' && fwAttr !== 'efi') throw x.error(`unknown firmware value ${fwAttr}`);
    os.firmware = fwAttr;
  }
  const fw = x.child('firmware');
  if (fw) {
    const byName = new Map<string, boolean>();
    for (const f of fw.children('feature')) {
      const name = f.reqEnumAttr('name', FW_FEATURES);
      const enabled = f.boolAttr('enabled');
      if (enabled === undefined) throw f.error("missing attribute 'enabled' on <feature>");
      byName.set(name, enabled);
    }
    os.firmwareFeatures = FW_FEATURES.filter((n) => byName.has(n)).map((name) => ({ name, enabled: byName.get(name)! }));
  }
  for (const [name, why] of Object.entries(NOT_QEMU_X86)) {
    const c = x.children(name)[0];
    if (c) throw c.error(`<${name}> in <os> is for ${why}; the QEMU driver on x86_64 does not support it`);
  }
  for (const b of x.children('boot')) os.boot.push(b.reqEnumAttr('dev', BOOT_DEVS));
  const bm = x.child('bootmenu');
  if (bm) {
    os.bootmenu = { enable: bm.boolAttr('enable') ?? false };
    // libvirt reads the timeout only for an enabled menu
    const timeout = os.bootmenu.enable ? bm.intAttr('timeout', { min: 0, max: 65535 }) : (bm.attr('timeout'), undefined);
    if (timeout !== undefined) os.bootmenu.timeout = timeout;
  }
  const bios = x.child('bios');
  if (bios) {
    os.bios = {};
    const useserial = bios.boolAttr('useserial');
    if (useserial !== undefined) os.bios.useserial = useserial;
    const rt = bios.attr('rebootTimeout');
    if (rt !== undefined) {
      const n = /^-?\d+$/.test(rt) ? Number(rt) : NaN;
      if (!(n >= -1 && n <= 65535)) throw bios.error('invalid value for rebootTimeout, must be in range [-1,65535]');
      os.bios.rebootTimeout = n;
    }
  }
  const smbios = x.child('smbios');
  if (smbios) os.smbios = smbios.reqEnumAttr('mode', ['emulate', 'host', 'sysinfo'] as const);
  const acpi = x.child('acpi');
  if (acpi) {
    const tables = acpi.children('table');
    if (tables.length > 1) throw tables[1].error('Only one acpi table is supported');
    if (tables[0]) {
      const type = tables[0].attr('type');
      if (type === undefined) throw tables[0].error('Missing acpi table type');
      if (type !== 'slic') throw tables[0].error(`Unknown acpi table type: ${type}`);
      os.acpiSlic = tables[0].text().trim();
    }
  }
  for (const k of ['kernel', 'initrd', 'cmdline'] as const) {
    const v = x.childText(k);
    if (v !== undefined) os[k] = v;
  }
  parseLoader(x, os);
  return os;
}

export function formatOs(os: DomainOs): XmlNode {
  const l = os.loader;
  const n = os.nvram;
  const nvram = n && (n.type
    ? el('nvram', { template: n.template, type: n.type }, [formatDiskSource(n.type, n.source ?? {}, { inactive: true })])
    : n.path !== undefined ? el('nvram', { template: n.template }, n.path) : n.template !== undefined ? el('nvram', { template: n.template }) : undefined);
  const loaderAttrs = l && { readonly: l.readonly, secure: l.secure, type: l.type, stateless: l.stateless };
  return el('os', { firmware: os.firmware }, [
    el('type', { arch: os.arch, machine: os.machine }, os.type),
    os.firmwareFeatures && el('firmware', {}, os.firmwareFeatures.map((f) => el('feature', { enabled: f.enabled, name: f.name }))),
    l && (l.path !== undefined ? el('loader', loaderAttrs, l.path) : Object.values(loaderAttrs!).some((v) => v !== undefined) && el('loader', loaderAttrs)),
    nvram,
    textEl('kernel', os.kernel),
    textEl('initrd', os.initrd),
    textEl('cmdline', os.cmdline),
    os.acpiSlic !== undefined && el('acpi', {}, [el('table', { type: 'slic' }, os.acpiSlic)]),
    ...os.boot.map((b) => el('boot', { dev: b })),
    os.bootmenu && el('bootmenu', { enable: os.bootmenu.enable, timeout: os.bootmenu.timeout }),
    os.bios && (os.bios.useserial !== undefined || os.bios.rebootTimeout !== undefined) &&
      el('bios', { useserial: os.bios.useserial, rebootTimeout: os.bios.rebootTimeout }),
    os.smbios && el('smbios', { mode: os.smbios }),
  ]);
}

const TIMERS = ['platform', 'rtc', 'pit', 'hpet', 'kvmclock', 'hypervclock', 'tsc', 'armvtimer'] as const;

function parseTimer(t: XmlElement): ClockTimer {
  const timer: ClockTimer = { name: t.reqEnumAttr('name', TIMERS) };
  const present = t.boolAttr('present');
  const tp = t.enumAttr('tickpolicy', ['delay', 'catchup', 'merge', 'discard'] as const);
  const track = t.enumAttr('track', ['boot', 'guest', 'wall', 'realtime'] as const);
  const freq = t.intAttr('frequency', { min: 0 });
  const mode = t.enumAttr('mode', ['auto', 'native', 'emulate', 'paravirt', 'smpsafe'] as const);
  if (present !== undefined) timer.present = present;
  if (tp) timer.tickpolicy = tp;
  if (track) timer.track = track;
  if (freq !== undefined) timer.frequency = freq;
  if (mode) timer.mode = mode;
  const c = t.child('catchup');
  if (c) {
    const catchup: NonNullable<ClockTimer['catchup']> = {};
    for (const k of ['threshold', 'slew', 'limit'] as const) {
      const v = c.intAttr(k, { min: 0 });
      if (v !== undefined) catchup[k] = v;
    }
    timer.catchup = catchup;
  }
  return timer;
}

export function parseClock(x: XmlElement): DomainClock {
  const offsetAttr = x.attr('offset');
  const OFFSETS = ['utc', 'localtime', 'variable', 'timezone', 'absolute'] as const;
  if (offsetAttr !== undefined && !(OFFSETS as readonly string[]).includes(offsetAttr)) throw x.error(`unknown clock offset '${offsetAttr}'`);
  const clock: DomainClock = { offset: (offsetAttr as DomainClock['offset'] | undefined) ?? 'utc', timers: [] };
  const adj = x.attr('adjustment');
  const basis = x.attr('basis');
  const tz = x.attr('timezone');
  const start = x.attr('start');
  x.attr('adjustment0'); // live-only bookkeeping of libvirt
  const toInt = (v: string, what: string) => {
    if (!/^[-+]?\d+$/.test(v.trim())) throw x.error(`unknown clock ${what} '${v}'`);
    return v.trim().replace(/^\+/, '');
  };
  switch (clock.offset) {
    case 'utc': case 'localtime':
      if (adj === 'reset') clock.adjustment = 'reset';
      else if (adj !== undefined) {
        // a numeric adjustment turns the clock into offset='variable' with that basis (libvirt does)
        clock.adjustment = String(Number(toInt(adj, 'adjustment')));
        clock.basis = clock.offset;
        clock.offset = 'variable';
      }
      break;
    case 'variable':
      clock.adjustment = adj !== undefined && /^[-+]?\d+$/.test(adj.trim()) ? String(Number(adj.trim())) : '0';
      if (basis !== undefined && basis !== 'utc' && basis !== 'localtime') throw x.error(`unknown clock basis '${basis}'`);
      clock.basis = (basis as 'utc' | 'localtime' | undefined) ?? 'utc';
      break;
    case 'timezone':
      if (tz === undefined) throw x.error("missing 'timezone' attribute for clock with offset='timezone'");
      clock.timezone = tz;
      break;
    case 'absolute':
      if (start === undefined || !/^\d+$/.test(start.trim())) throw x.error("missing 'start' attribute for clock with offset='absolute'");
      clock.start = Number(start.trim());
      break;
  }
  for (const t of x.children('timer')) clock.timers.push(parseTimer(t));
  return clock;
}

export function formatClock(c: DomainClock): XmlNode {
  const attrs: Record<string, string | number | undefined> = { offset: c.offset };
  if (c.offset === 'utc' || c.offset === 'localtime') attrs.adjustment = c.adjustment === 'reset' ? 'reset' : undefined;
  else if (c.offset === 'variable') {
    attrs.adjustment = c.adjustment ?? '0';
    attrs.basis = c.basis ?? 'utc';
  } else if (c.offset === 'timezone') attrs.timezone = c.timezone;
  else attrs.start = c.start;
  return el('clock', attrs, c.timers.map((t) => {
    const cu = t.catchup;
    const catchup = cu && (cu.threshold || cu.slew || cu.limit)
      ? el('catchup', { threshold: cu.threshold || undefined, slew: cu.slew || undefined, limit: cu.limit || undefined })
      : undefined;
    return el('timer', {
      name: t.name, present: t.present, tickpolicy: t.tickpolicy, track: t.track,
      frequency: t.name === 'tsc' && t.frequency ? t.frequency : undefined, mode: t.name === 'tsc' ? t.mode : undefined,
    }, catchup ? [catchup] : undefined);
  }));
}

/** qemuValidateDomainDefClockTimers for x86_64. */
export function validateClock(c: DomainClock | undefined, dom: { type: string; os: DomainOs }): void {
  const bad = (m: string) => new TsvirtError('config-unsupported', m);
  for (const t of c?.timers ?? []) {
    if (t.name === 'platform') throw bad(`unsupported timer type (name) '${t.name}'`);
    if (t.name === 'armvtimer') {
      throw bad(`Configuring the '${t.name}' timer is not supported for virtType=${dom.type} arch=${dom.os.arch ?? 'x86_64'} machine=${dom.os.machine ?? ''} guests`);
    }
    if (t.name === 'rtc') {
      if (t.track === 'boot') throw bad(`unsupported rtc timer track '${t.track}'`);
      if (t.tickpolicy === 'merge' || t.tickpolicy === 'discard') throw bad(`unsupported rtc timer tickpolicy '${t.tickpolicy}'`);
    }
    if (t.name === 'pit' && t.tickpolicy === 'merge') throw bad(`unsupported pit tickpolicy '${t.tickpolicy}'`);
  }
}

/**
 * <os> post-parse (virDomainDefPostParseOs + qemuDomainDefPostParse): enrolled-keys implies
 * secure-boot, a loader with a path defaults to type='rom', and a read-only pflash loader gets
 * its per-domain NVRAM file `<nvramDir>/<name>_VARS.fd`.
 */
export function osDefaults(dom: { name: string; os: DomainOs }, nvramDir: string): void {
  const os = dom.os;
  const fw = os.firmwareFeatures;
  if (fw?.some((f) => f.name === 'enrolled-keys' && f.enabled)) {
    const sb = fw.find((f) => f.name === 'secure-boot');
    if (sb && !sb.enabled) {
      throw new TsvirtError('xml-error', "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled");
    }
    if (!sb) fw.push({ name: 'secure-boot', enabled: true });
  }
  const l = os.loader;
  if (l?.path !== undefined && !l.type) l.type = 'rom';
  if (l?.type === 'pflash' && l.readonly === true && l.stateless !== true && os.nvram?.path === undefined && os.nvram?.source === undefined) {
    os.nvram = { ...os.nvram, path: `${nvramDir}/${dom.name}_VARS.fd` };
  }
}

/** virDomainDefOSValidate (firmware auto-selection and NVRAM rules), libvirt's messages. */
export function validateOs(os: DomainOs): void {
  const bad = (m: string) => new TsvirtError('xml-error', m);
  const l = os.loader;
  const n = os.nvram;
  if (os.firmware) {
    if (l?.readonly !== undefined) throw bad("loader attribute 'readonly' cannot be specified when firmware autoselection is enabled");
    if (l?.type !== undefined) throw bad("loader attribute 'type' cannot be specified when firmware autoselection is enabled");
    if (l?.path !== undefined) throw bad('loader path cannot be specified when firmware autoselection is enabled');
    if (n?.template !== undefined) throw bad("nvram attribute 'template' cannot be specified when firmware autoselection is enabled");
    if (l?.secure === false) throw bad("loader attribute 'secure' cannot be specified when firmware autoselection is enabled");
    if ((n?.path !== undefined || n?.source !== undefined) && os.firmware !== 'efi') throw bad(`firmware type '${os.firmware}' does not support nvram`);
  } else {
    if (os.firmwareFeatures) throw bad('cannot use feature-based firmware autoselection when firmware autoselection is disabled');
    if (!l && !n) return;
    if (!l?.path) throw bad('no loader path specified and firmware auto selection disabled');
  }
  const hasNvram = n?.path !== undefined || n?.source !== undefined;
  if (l?.stateless === true) {
    if (n?.template !== undefined) throw bad('NVRAM template is not permitted when loader is stateless');
    if (hasNvram) throw bad('NVRAM is not permitted when loader is stateless');
  } else if (l?.stateless === false) {
    if (!os.firmware && l.type !== 'pflash') throw bad('Only pflash loader type permits NVRAM');
    if (os.firmware && os.firmware !== 'efi') throw bad('Only EFI firmware permits NVRAM');
  }
}
