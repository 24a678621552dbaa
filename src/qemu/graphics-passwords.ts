// VNC and SPICE passwords go to QEMU over QMP while the vCPUs are still stopped, never on the
// command line (as libvirt's qemuDomainChangeGraphicsPasswords): set_password, then
// expire_password with passwdValidTo (or 'never').
import type { Domain } from '../conf/domain-types.js';
import type { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';

export async function applyGraphicsPasswords(mon: Pick<QmpMonitor, 'execute'>, def: Domain): Promise<void> {
  for (const g of def.devices.graphics) {
    if ((g.type !== 'vnc' && g.type !== 'spice') || g.passwd === undefined) continue;
    await qmp.setGraphicsPassword(mon, g.type, g.passwd, g.type === 'spice' ? g.connected : undefined);
    const expires = g.passwdValidTo ? String(Math.floor(Date.parse(`${g.passwdValidTo}Z`) / 1000)) : 'never';
    await qmp.expireGraphicsPassword(mon, g.type, expires);
  }
}
