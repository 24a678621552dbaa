// Firmware auto-selection (<os firmware='efi'>), as libvirt 9.0's qemuFirmwareFillDomain does it
// at start: QEMU's firmware descriptors (docs/interop/firmware.json) are read from /etc/qemu/firmware
// and /usr/share/qemu/firmware (a file in /etc overrides one of the same name), taken in file name
// order, and the first that fits the domain (interface, architecture + machine, the <firmware>
// features, secure boot and SMM) becomes its <loader> and <nvram>.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';

export interface FirmwareDescriptor {
  file: string;
  'interface-types': string[];
  mapping: { device: string; executable?: { filename: string; format?: string }; 'nvram-template'?: { filename: string; format?: string }; filename?: string };
  targets: Array<{ architecture: string; machines: string[] }>;
  features: string[];
}

export const FIRMWARE_DIRS = ['/etc/qemu/firmware', '/usr/share/qemu/firmware'];
/** Where per-domain UEFI variable stores are created (the define-time default of domain-defaults.ts). */
export const NVRAM_DIR = '/var/lib/tsvirt/qemu/nvram';

/** The descriptors of `dirs` in libvirt's order (by file name; an earlier folder wins for the same name). */
export async function loadFirmwareDescriptors(dirs = FIRMWARE_DIRS): Promise<FirmwareDescriptor[]> {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const n of names) if (n.endsWith('.json') && !byName.has(n)) byName.set(n, path.join(dir, n));
  }
  const out: FirmwareDescriptor[] = [];
  for (const name of [...byName.keys()].sort()) {
    const file = byName.get(name)!;
    try {
      const d = JSON.parse(await fs.readFile(file, 'utf8')) as Omit<FirmwareDescriptor, 'file'>;
      out.push({ ...d, file, features: d.features ?? [], targets: d.targets ?? [], 'interface-types': d['interface-types'] ?? [] });
    } catch {
      // an empty file masks a descriptor of the same name (QEMU's convention); broken ones are skipped as libvirt does
    }
  }
  return out;
}

/** fnmatch for the machine patterns of a descriptor ('pc-q35-*'). */
function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(s);
}

function matches(dom: Domain, d: FirmwareDescriptor): boolean {
  const want = dom.os.firmware === 'efi' ? 'uefi' : 'bios';
  if (!d['interface-types'].includes(want)) return false;
  const arch = dom.os.arch ?? 'x86_64';
  const machine = dom.os.machine ?? '';
  if (!d.targets.some((t) => t.architecture === arch && t.machines.some((m) => globMatch(m, machine)))) return false;
  for (const f of dom.os.firmwareFeatures ?? []) {
    if (d.features.includes(f.name) !== f.enabled) return false;
  }
  const smm = d.features.includes('requires-smm');
  if (dom.os.loader?.secure === true && !smm) return false;
  if (smm && dom.features.smm?.state === 'off') return false;
  if (d.mapping.device !== 'flash' && d.mapping.device !== 'memory') return false;
  return true;
}

/** libvirt's name for a domain's own variable store: <nvramDir>/<name>_VARS.fd (qemuDomainNVRAMPathFormat). */
export function defaultNvramPath(dom: Pick<Domain, 'name'>, nvramDir: string): string {
  return `${nvramDir}/${dom.name}_VARS.fd`;
}

/**
 * The local file that holds a (persistent) definition's UEFI variables, if any: its <nvram>, or
 * for <os firmware='efi'> the one auto-selection creates at start (undefine --nvram removes it).
 */
export function nvramFileOf(dom: Domain, nvramDir: string): string | undefined {
  const n = dom.os.nvram;
  const file = n?.path ?? (n?.type === 'file' ? n.source?.file : undefined);
  if (file) return file;
  if (dom.os.firmware === 'efi' && dom.os.loader?.stateless !== true) return defaultNvramPath(dom, nvramDir);
  return undefined;
}

/**
 * A named pflash loader with an <nvram> but no template takes the template of the descriptor
 * that describes the same code file (libvirt's qemuFirmwareFillDomain for a given loader).
 */
function fillNvramTemplate(dom: Domain, descriptors: FirmwareDescriptor[]): void {
  const { loader, nvram } = dom.os;
  if (loader?.type !== 'pflash' || !nvram?.path || nvram.template) return;
  const d = descriptors.find((x) => x.mapping.device === 'flash' && x.mapping.executable?.filename === loader.path);
  const template = d?.mapping['nvram-template']?.filename;
  if (template) nvram.template = template;
}

/** Whether selectFirmware has anything to do for `dom` (so the descriptors need reading). */
export function needsFirmwareSelection(dom: Domain): boolean {
  const { loader, nvram } = dom.os;
  if (loader?.path) return loader.type === 'pflash' && !!nvram?.path && !nvram.template;
  return !!dom.os.firmware;
}

/**
 * Fills dom.os.loader/nvram (and SMM) from the first matching descriptor; a domain that names its
 * loader only gets the nvram template of that loader's descriptor. No match for EFI is libvirt's error.
 */
export function selectFirmware(dom: Domain, descriptors: FirmwareDescriptor[], nvramDir: string): void {
  if (dom.os.loader?.path) return fillNvramTemplate(dom, descriptors);
  if (!dom.os.firmware) return;
  const d = descriptors.find((x) => matches(dom, x));
  if (!d) {
    if (dom.os.firmware === 'bios') return; // QEMU's built-in SeaBIOS
    throw new TsvirtError('operation-failed', `Unable to find any firmware to satisfy '${dom.os.firmware}'`);
  }
  const smm = d.features.includes('requires-smm');
  if (d.mapping.device === 'memory') {
    dom.os.loader = { ...dom.os.loader, path: d.mapping.filename!, type: 'rom' };
    delete dom.os.firmware;
    delete dom.os.firmwareFeatures;
    return;
  }
  const stateless = dom.os.loader?.stateless === true;
  dom.os.loader = { ...dom.os.loader, path: d.mapping.executable!.filename, readonly: true, type: 'pflash', secure: smm };
  if (!stateless) {
    const template = d.mapping['nvram-template']?.filename;
    dom.os.nvram = { ...dom.os.nvram };
    if (!dom.os.nvram.source) dom.os.nvram.path ??= defaultNvramPath(dom, nvramDir);
    if (template) dom.os.nvram.template = template;
  }
  if (smm) dom.features.smm = { ...dom.features.smm, state: 'on' };
  // the running domain has a fixed firmware now, as libvirt's live definition (os.firmware = none)
  delete dom.os.firmware;
  delete dom.os.firmwareFeatures;
}
