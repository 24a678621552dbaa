// -smbios (type 0/1/2/3/11 from <sysinfo type='smbios'> when <os><smbios mode='sysinfo'/>) and
// -fw_cfg (from <sysinfo type='fwcfg'>), as libvirt 9.0's qemuBuildSmbiosCommandLine and
// qemuBuildSysinfoCommandLine. Values are comma-escaped for QEMU's option parser.
import { TsvirtError } from '../util/errors.js';
import type { Domain, SysinfoEntry } from '../conf/domain-types.js';
import type { ArgPair } from './argv-common.js';

const esc = (v: string) => v.replace(/,/g, ',,');

function smbiosType(type: number, list: SysinfoEntry[] | undefined): ArgPair | undefined {
  if (!list?.length) return undefined;
  return ['-smbios', [`type=${type}`, ...list.map((e) => `${e.name}=${esc(e.value)}`)].join(',')];
}

export function sysinfoArgs(dom: Domain): ArgPair[] {
  const out: ArgPair[] = [];
  const mode = dom.os.smbios;
  if (mode === 'host') throw new TsvirtError('config-unsupported', 'Host SMBIOS information is not available');
  if (mode === 'sysinfo') {
    const s = dom.sysinfo?.find((x) => x.type === 'smbios');
    if (!s) throw new TsvirtError('xml-error', `Domain '${dom.name}' sysinfo are not available`);
    const push = (a: ArgPair | undefined) => a && out.push(a);
    push(smbiosType(0, s.bios));
    push(smbiosType(1, s.system));
    if ((s.baseBoard?.length ?? 0) > 1) throw new TsvirtError('config-unsupported', 'qemu does not support more than one entry to Type 2 in SMBIOS table');
    push(smbiosType(2, s.baseBoard?.[0]));
    push(smbiosType(3, s.chassis));
    if (s.oemStrings?.length) out.push(['-smbios', ['type=11', ...s.oemStrings.map((v) => `value=${esc(v)}`)].join(',')]);
  }
  for (const s of dom.sysinfo ?? []) {
    for (const e of s.entries ?? []) {
      out.push(['-fw_cfg', `name=${esc(e.name)},${e.value !== undefined ? `string=${esc(e.value)}` : `file=${esc(e.file ?? '')}`}`]);
    }
  }
  return out;
}
