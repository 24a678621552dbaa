// A user alias (<alias name='ua-...'/>) is the device's QEMU id, as in libvirt; other devices
// get the alias the driver makes up.
import type { DeviceCommon } from '../conf/domain-types.js';
import { isUserAlias } from '../conf/domain-address-xml.js';

export function userAliasOr(dev: DeviceCommon, fallback: string): string {
  return isUserAlias(dev.alias) ? dev.alias : fallback;
}
