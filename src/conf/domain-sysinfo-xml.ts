// <sysinfo type='smbios'|'fwcfg'>: parse/format as libvirt 9.0 (virSysinfoParseXML in
// domain_conf.c, virSysinfoFormat in virsysinfo.c). SMBIOS entries are kept in libvirt's fixed
// order with empty ones dropped, as libvirt does.
import type { DomainSysinfo, SysinfoEntry } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlNode } from '../util/xml-writer.js';
import { parseUuid } from '../util/uuid.js';
import { TsvirtError } from '../util/errors.js';

/** Entry names of each SMBIOS section, in the order libvirt writes them. */
export const SMBIOS_FIELDS = {
  bios: ['vendor', 'version', 'date', 'release'],
  system: ['manufacturer', 'product', 'version', 'serial', 'uuid', 'sku', 'family'],
  baseBoard: ['manufacturer', 'product', 'version', 'serial', 'asset', 'location'],
  chassis: ['manufacturer', 'version', 'serial', 'asset', 'sku'],
} as const;

function section(x: XmlElement, names: readonly string[]): SysinfoEntry[] {
  const got = new Map<string, string>();
  for (const e of x.children('entry')) {
    const name = e.reqAttr('name');
    if (!names.includes(name)) throw e.error(`unsupported entry name '${name}' in <${x.name}>: expected one of ${names.join(', ')}`);
    const v = e.text();
    if (!got.has(name)) got.set(name, v); // libvirt reads the first entry of a name
  }
  return names.filter((n) => got.get(n)).map((n) => ({ name: n, value: got.get(n)! }));
}

function validBiosDate(d: string): boolean {
  const m = /^\s*([+-]?\d+)\/\s*([+-]?\d+)\/\s*([+-]?\d+)$/.exec(d);
  if (!m) return false;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && !(year < 0 || (year >= 100 && year < 1900));
}

/** One <sysinfo>; `domUuid` is the domain's UUID (the system uuid entry must match it). */
export function parseSysinfo(x: XmlElement, domUuid: string): DomainSysinfo {
  const type = x.reqEnumAttr('type', ['smbios', 'fwcfg'] as const);
  const s: DomainSysinfo = { type };
  if (type === 'fwcfg') {
    s.entries = [];
    for (const e of x.children('entry')) {
      const name = e.attr('name');
      if (name === undefined) throw e.error("Firmware entry is missing 'name' attribute");
      const value = e.text();
      const file = e.attr('file');
      if (value.trim() === '' && file === undefined) throw e.error("Firmware entry must have either value or 'file' attribute");
      const entry: { name: string; value?: string; file?: string } = { name };
      if (value.trim() !== '') entry.value = value;
      if (file !== undefined) entry.file = file.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
      s.entries.push(entry);
    }
    return s;
  }
  const bios = x.children('bios')[0];
  if (bios) {
    const list = section(bios, SMBIOS_FIELDS.bios);
    const date = list.find((e) => e.name === 'date');
    if (date && !validBiosDate(date.value)) throw bios.error("Invalid BIOS 'date' format");
    if (list.length) s.bios = list;
  }
  const sys = x.children('system')[0];
  if (sys) {
    const list = section(sys, SMBIOS_FIELDS.system);
    const u = list.find((e) => e.name === 'uuid');
    if (u) {
      const parsed = parseUuid(u.value);
      if (!parsed) throw sys.error('malformed <sysinfo> uuid element');
      if (parsed !== domUuid) throw sys.error('UUID mismatch between <uuid> and <sysinfo>');
      u.value = parsed;
    }
    if (list.length) s.system = list;
  }
  const boards = x.children('baseBoard').map((b) => section(b, SMBIOS_FIELDS.baseBoard)).filter((l) => l.length);
  if (boards.length) s.baseBoard = boards;
  const ch = x.children('chassis')[0];
  if (ch) {
    const list = section(ch, SMBIOS_FIELDS.chassis);
    if (list.length) s.chassis = list;
  }
  const oem = x.children('oemStrings')[0];
  if (oem) {
    const list = oem.children('entry').map((e) => e.text());
    if (list.length) s.oemStrings = list;
  }
  return s;
}

export function formatSysinfo(s: DomainSysinfo): XmlNode {
  const entries = (list: SysinfoEntry[]) => list.map((e) => el('entry', { name: e.name }, e.value));
  if (s.type === 'fwcfg') {
    return el('sysinfo', { type: s.type }, (s.entries ?? []).map((e) => (e.file !== undefined ? el('entry', { name: e.name, file: e.file }) : el('entry', { name: e.name }, e.value ?? ''))));
  }
  return el('sysinfo', { type: s.type }, [
    s.bios && el('bios', {}, entries(s.bios)),
    s.system && el('system', {}, entries(s.system)),
    ...(s.baseBoard ?? []).map((b) => el('baseBoard', {}, entries(b))),
    s.chassis && el('chassis', {}, entries(s.chassis)),
    s.oemStrings && el('oemStrings', {}, s.oemStrings.map((v) => el('entry', {}, v))),
  ]);
}

/** qemuValidateDomainDefSysinfo: fw_cfg names live under opt/, minus QEMU's and OVMF's own. */
export function validateSysinfo(list: DomainSysinfo[] | undefined): void {
  for (const s of list ?? []) {
    for (const e of s.entries ?? []) {
      if (!e.name.startsWith('opt/')) throw new TsvirtError('config-unsupported', 'Invalid firmware name');
      if (e.name.startsWith('opt/ovmf/') || e.name.startsWith('opt/org.qemu/')) throw new TsvirtError('config-unsupported', 'That firmware name is reserved');
    }
  }
}
