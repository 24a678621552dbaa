// <clock>: -rtc and the PIT lost-tick policy, as qemuBuildClockArgStr/qemuBuildClockCommandLine.
// Paravirtual timers (kvmclock, hypervclock, tsc) are -cpu flags (argv-features.ts).
import { TsvirtError } from '../util/errors.js';
import type { Domain } from '../conf/domain-types.js';
import type { ArgvContext } from './caps-types.js';
import { type ArgPair, keyValues, optValue } from './argv-common.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** QEMU's -rtc base=YYYY-MM-DDTHH:MM:SS for a time given in epoch seconds (UTC fields). */
function isoBase(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}

/** The -rtc base. offset='variable' is the current time plus the adjustment, as libvirt computes it at start. */
function rtcBase(dom: Domain, now: number): string {
  const c = dom.clock ?? { offset: 'utc' as const, timers: [] };
  switch (c.offset) {
    case 'utc': case 'localtime':
      return c.offset;
    case 'variable': {
      let t = now + Number(c.adjustment ?? 0);
      // basis='localtime': the adjustment is relative to the host's local time
      if (c.basis === 'localtime') t -= new Date(now * 1000).getTimezoneOffset() * 60;
      return isoBase(t);
    }
    case 'absolute':
      return isoBase(c.start ?? 0);
    case 'timezone':
      // QEMU reads the timezone from TZ in its environment (qemuEnvironment); the base is its local time
      return 'localtime';
  }
}

export function clockArgs(dom: Domain, ctx: ArgvContext, now = Math.floor(Date.now() / 1000)): ArgPair[] {
  const clock = dom.clock ?? { offset: 'utc' as const, timers: [] };
  let driftfix: string | undefined;
  let rtcClock: string | undefined;
  const args: ArgPair[] = [];
  for (const t of clock.timers) {
    if (t.name === 'rtc') {
      if (t.track === 'guest') rtcClock = 'vm';
      else if (t.track === 'wall') rtcClock = 'host';
      else if (t.track === 'realtime') rtcClock = 'rt';
      else if (t.track === 'boot') throw unsupported(`unsupported rtc timer track '${t.track}'`);
      if (t.tickpolicy === 'catchup') driftfix = 'slew';
      else if (t.tickpolicy && t.tickpolicy !== 'delay') throw unsupported(`unsupported rtc timer tickpolicy '${t.tickpolicy}'`);
    } else if (t.name === 'pit') {
      // The lost-tick policy exists only on the in-kernel (KVM) PIT; TCG's PIT has none.
      const policy = t.tickpolicy === 'catchup' ? 'slew' : t.tickpolicy;
      if (policy && ctx.accel === 'kvm') args.push(['-global', `kvm-pit.lost_tick_policy=${optValue(policy)}`]);
    } else if (t.name === 'platform' || t.name === 'armvtimer') {
      throw unsupported(`unsupported timer type (name) '${t.name}'`);
    }
  }
  return [['-rtc', keyValues(`base=${rtcBase(dom, now)}`, [['clock', rtcClock], ['driftfix', driftfix]])], ...args];
}

/** Environment QEMU needs for <clock offset='timezone'>. */
export function clockEnv(dom: Domain): Record<string, string> {
  return dom.clock?.offset === 'timezone' && dom.clock.timezone ? { TZ: dom.clock.timezone } : {};
}
