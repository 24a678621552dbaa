// <os>, <features> and <clock>: parse and format in libvirt's layout.
import type { DomainClock, DomainOs } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, textEl, type XmlNode } from '../util/xml-writer.js';

const BOOT_DEVS = ['hd', 'cdrom', 'network', 'fd'] as const;

export function parseOs(x: XmlElement): DomainOs {
  const t = x.child('type');
  if (!t) throw x.error('missing <type> in <os>');
  if (t.text().trim() !== 'hvm') throw t.error(`unsupported OS type '${t.text().trim()}': only 'hvm' is supported`);
  const os: DomainOs = { type: 'hvm', boot: [] };
  const arch = t.attr('arch');
  const machine = t.attr('machine');
  if (arch !== undefined) os.arch = arch;
  if (machine !== undefined) os.machine = machine;
  const firmware = x.enumAttr('firmware', ['bios', 'efi'] as const);
  if (firmware) os.firmware = firmware;
  for (const b of x.children('boot')) os.boot.push(b.reqEnumAttr('dev', BOOT_DEVS));
  const bm = x.child('bootmenu');
  if (bm) {
    os.bootmenu = { enable: bm.boolAttr('enable') ?? false };
    const timeout = bm.intAttr('timeout', { min: 0, max: 65535 });
    if (timeout !== undefined) os.bootmenu.timeout = timeout;
  }
  for (const k of ['kernel', 'initrd', 'cmdline'] as const) {
    const v = x.childText(k);
    if (v !== undefined) os[k] = v;
  }
  const loader = x.child('loader');
  if (loader) {
    os.loader = { path: loader.text().trim() };
    const ro = loader.boolAttr('readonly');
    const type = loader.enumAttr('type', ['rom', 'pflash'] as const);
    const secure = loader.boolAttr('secure');
    if (ro !== undefined) os.loader.readonly = ro;
    if (type !== undefined) os.loader.type = type;
    if (secure !== undefined) os.loader.secure = secure;
  }
  const nvram = x.child('nvram');
  if (nvram) {
    os.nvram = {};
    const p = nvram.text().trim();
    const template = nvram.attr('template');
    if (p) os.nvram.path = p;
    if (template !== undefined) os.nvram.template = template;
  }
  return os;
}

export function formatOs(os: DomainOs): XmlNode {
  const l = os.loader;
  return el('os', { firmware: os.firmware }, [
    el('type', { arch: os.arch, machine: os.machine }, os.type),
    l && el('loader', { readonly: l.readonly, secure: l.secure, type: l.type }, l.path),
    os.nvram && (os.nvram.path !== undefined ? el('nvram', { template: os.nvram.template }, os.nvram.path) : el('nvram', { template: os.nvram.template })),
    textEl('kernel', os.kernel),
    textEl('initrd', os.initrd),
    textEl('cmdline', os.cmdline),
    ...os.boot.map((b) => el('boot', { dev: b })),
    os.bootmenu && el('bootmenu', { enable: os.bootmenu.enable, timeout: os.bootmenu.timeout }),
  ]);
}

export function parseClock(x: XmlElement): DomainClock {
  const clock: DomainClock = { offset: x.enumAttr('offset', ['utc', 'localtime', 'timezone', 'variable'] as const) ?? 'utc', timers: [] };
  const tz = x.attr('timezone');
  const adj = x.attr('adjustment');
  const basis = x.enumAttr('basis', ['utc', 'localtime'] as const);
  if (tz !== undefined) clock.timezone = tz;
  if (adj !== undefined) clock.adjustment = adj;
  if (basis) clock.basis = basis;
  for (const t of x.children('timer')) {
    const timer: DomainClock['timers'][number] = { name: t.reqEnumAttr('name', ['platform', 'rtc', 'pit', 'hpet', 'kvmclock', 'hypervclock', 'tsc', 'armvtimer'] as const) };
    const tp = t.enumAttr('tickpolicy', ['delay', 'catchup', 'merge', 'discard'] as const);
    const present = t.boolAttr('present');
    if (tp) timer.tickpolicy = tp;
    if (present !== undefined) timer.present = present;
    clock.timers.push(timer);
  }
  return clock;
}

export function formatClock(c: DomainClock): XmlNode {
  return el(
    'clock',
    { offset: c.offset, timezone: c.timezone, adjustment: c.adjustment, basis: c.basis },
    c.timers.map((t) => el('timer', { name: t.name, present: t.present, tickpolicy: t.tickpolicy })),
  );
}

