// Domain-wide extras that are not devices in the XML: <genid> (vmgenid device), <features><vmcoreinfo>,
// and the elements this host cannot run (<perf>, <keywrap>), refused at start with libvirt's message.
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import type { QemuCaps } from './caps-types.js';
import { type ArgPair, jsonArg, requireDevice } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

export function domainMiscArgs(dom: Domain, caps: QemuCaps): ArgPair[] {
  const out: ArgPair[] = [];
  if (dom.keywrap?.aes) throw unsupported('aes-key-wrap is not available with this QEMU binary');
  if (dom.keywrap?.dea) throw unsupported('dea-key-wrap is not available with this QEMU binary');
  const perf = dom.perf?.filter((e) => e.enabled) ?? [];
  if (perf.length) {
    // libvirt opens perf_event counters for the QEMU process; tsvirt has no perf support
    throw unsupported(`perf event '${perf[0].name}' is not supported by tsvirt (no perf_event support)`);
  }
  if (dom.launchSecurity) throw unsupported(`${dom.launchSecurity.type === 'sev' ? 'SEV' : 'S390 PV'} launch security is not supported on this host`);
  if (dom.genid) {
    requireDevice(caps, 'vmgenid', '<genid>');
    out.push(jsonArg('-device', { driver: 'vmgenid', guid: dom.genid, id: 'vmgenid0' }));
  }
  if (dom.features.vmcoreinfo === 'on') {
    if (!caps.devices.includes('vmcoreinfo')) throw unsupported('vmcoreinfo is not available with this QEMU binary');
    out.push(jsonArg('-device', { driver: 'vmcoreinfo' }));
  }
  return out;
}
