// Machine-wide options: -machine, -accel, -cpu, -m, -smp, clock, lifecycle actions, boot and firmware.
import { TsvirtError } from '../util/errors.js';
import type { Domain, LifecycleAction } from '../conf/domain-types.js';
import type { ArgvContext, QemuCaps, QemuMachineType } from './caps-types.js';
import { type ArgPair, type Props, isQ35, jsonArg, keyValues, optValue } from './argv-common.js';
import { pcspkAudiodev } from './argv-audio.js';
import { blockdevPair } from './argv-disk.js';
import { accelProps, cpuFeatureFlags, featureGlobals, featureMachineProps } from './argv-features.js';
import { clockArgs } from './argv-clock.js';
import { mainRamBackend } from './argv-membacking.js';
import { checkTuningRunnable, numaArgs, numaHasHmat } from './argv-numa.js';
import { sysinfoArgs } from './argv-sysinfo.js';
import { initialMemory } from '../conf/domain-memory-devices-xml.js';

const unsupported = (msg: string) => new TsvirtError('config-unsupported', msg);

/** The machine type the domain names (by name or alias), or the binary's default when it names none. */
export function resolveMachine(dom: Domain, caps: QemuCaps): QemuMachineType {
  const want = dom.os.machine;
  const found = want
    ? caps.machines.find((m) => m.name === want || m.alias === want)
    : caps.machines.find((m) => m.isDefault);
  if (!found) {
    throw unsupported(want
      ? `machine type '${want}' is not supported by ${caps.binary} (see 'qemu-system-x86_64 -machine help')`
      : `${caps.binary} reports no default machine type; set <os><type machine=...>`);
  }
  return found;
}

const PFLASH = ['libvirt-pflash0', 'libvirt-pflash1'] as const;

/** Firmware: <loader type='pflash'> becomes read-only pflash0 (+ writable pflash1 from <nvram>),
 *  <loader type='rom'> becomes -bios. The driver copies the nvram template before start. */
function firmware(dom: Domain): { machineProps: Array<[string, string]>; args: ArgPair[] } {
  const { loader, nvram, firmware: fw } = dom.os;
  if (!loader?.path) {
    if (fw === 'efi' || loader) {
      // the driver fills the loader from QEMU's firmware descriptors before start (firmware-select.ts)
      throw unsupported(`no firmware was selected for <os firmware='${fw ?? ''}'>; give <loader> a path or let the driver select one at start`);
    }
    return { machineProps: [], args: [] };
  }
  if (loader.stateless === true && nvram) throw unsupported('Stateless firmware can not have <nvram>');
  if (loader.type !== 'pflash') return { machineProps: [], args: [['-bios', loader.path]] };
  if (loader.secure === true) {
    // qemuValidateDomainDefBoot: SMM is what keeps the secure variables out of the guest's reach
    if (!isQ35(dom)) throw unsupported('Secure boot is supported with q35 machine types only');
    if (dom.features.smm?.state !== 'on') throw unsupported('Secure boot requires SMM feature enabled');
  }
  const machineProps: Array<[string, string]> = [['pflash0', `${PFLASH[0]}-format`]];
  const args = blockdevPair(PFLASH[0], loader.path, { readOnly: loader.readonly !== false, format: 'raw' });
  if (nvram?.type && nvram.type !== 'file' && nvram.type !== 'block') throw unsupported(`<nvram type='${nvram.type}'> is not supported by tsvirt yet (file, block)`);
  const nvramPath = nvram?.path ?? nvram?.source?.file ?? nvram?.source?.dev;
  if (nvramPath && loader.stateless !== true) {
    args.push(...blockdevPair(PFLASH[1], nvramPath, { readOnly: false, format: 'raw' }));
    machineProps.push(['pflash1', `${PFLASH[1]}-format`]);
  }
  return { machineProps, args };
}

function machineArg(dom: Domain, caps: QemuCaps, fwProps: Array<[string, string]>): string {
  const machine = resolveMachine(dom, caps);
  const hpet = dom.clock?.timers.find((t) => t.name === 'hpet');
  return keyValues(machine.name, [
    ['usb', 'off'],
    ...featureMachineProps(dom),
    ['dump-guest-core', dom.memoryDumpCore ?? 'off'],
    ['mem-merge', dom.memoryBacking?.nosharepages ? 'off' : undefined],
    ['nvdimm', dom.devices.memories?.some((m) => m.model === 'nvdimm') ? 'on' : undefined],
    ...fwProps,
    ['memory-backend', dom.cpu?.numa?.cells.length ? undefined : 'pc.ram'],
    ['hmat', numaHasHmat(dom) ? 'on' : undefined],
    // libvirt leaves ACPI off unless <features><acpi/> is present; without it the guest cannot
    // see the power button, so `shutdown` only works with ACPI.
    ['acpi', dom.features.acpi ? undefined : 'off'],
    ['hpet', hpet?.present === false ? 'off' : undefined],
    ['pcspk-audiodev', pcspkAudiodev(dom)], // <sound model='pcspk'/>: argv-audio.ts
  ]);
}

/**
 * -cpu. Under TCG there is no host CPU to pass through, so host-passthrough and host-model map
 * to `max` (every feature TCG can emulate), as does mode='maximum'. Under KVM host-passthrough
 * is `host,migratable=on` and host-model is also `host` (no model expansion yet).
 */
/** <cache> and <maxphysaddr> as -cpu properties (qemuBuildCpuCommandLine). */
function cpuCacheFlags(dom: Domain): Array<[string, string | undefined]> {
  const cpu = dom.cpu;
  const out: Array<[string, string | undefined]> = [];
  if (!cpu) return out;
  const hostLike = cpu.mode === 'host-passthrough' || cpu.mode === 'maximum';
  const cache = cpu.cache?.mode;
  if (cache === 'emulate') out.push(['l3-cache', 'on']);
  if (cache === 'passthrough') out.push(['host-cache-info', 'on']);
  if ((cache === 'emulate' || cache === 'disable') && hostLike) out.push(['host-cache-info', 'off']);
  if (cache === 'passthrough' || cache === 'disable') out.push(['l3-cache', 'off']);
  if (cpu.maxphysaddr?.mode === 'passthrough') out.push(['host-phys-bits', 'on']);
  if (cpu.maxphysaddr?.mode === 'emulate') out.push(['phys-bits', String(cpu.maxphysaddr.bits)]);
  return out;
}

export function cpuArg(dom: Domain, caps: QemuCaps, ctx: ArgvContext): string | undefined {
  const cpu = dom.cpu;
  const feats: Array<[string, string | undefined]> = (cpu?.features ?? []).map((f) => [
    f.name, f.policy === 'disable' || f.policy === 'forbid' ? 'off' : 'on',
  ]);
  feats.push(...cpuFeatureFlags(dom, ctx.accel)); // timers and <features> flags (argv-features.ts)
  feats.push(...cpuCacheFlags(dom));
  // vendor_id comes right after the model name (qemuBuildCpuModelArgStr)
  if (cpu?.vendorId !== undefined && (cpu.mode === 'custom' || cpu.mode === 'host-model')) feats.unshift(['vendor', cpu.vendorId]);
  let model: string | undefined;
  if (!cpu) model = undefined;
  else if (cpu.mode === 'maximum') model = 'max';
  else if (cpu.mode === 'host-passthrough' || cpu.mode === 'host-model') {
    model = ctx.accel === 'kvm' ? 'host' : 'max';
    if (ctx.accel === 'kvm' && cpu.mode === 'host-passthrough') feats.unshift(['migratable', cpu.migratable === false ? 'off' : 'on']);
  } else if (cpu.model) {
    if (!caps.cpuModels.includes(cpu.model.name)) {
      throw unsupported(`CPU model '${cpu.model.name}' is not supported by ${caps.binary} (see 'qemu-system-x86_64 -cpu help')`);
    }
    model = cpu.model.name;
  }
  if (!model && feats.length === 0) return undefined; // QEMU's default (qemu64), as libvirt does
  return keyValues(model ?? 'qemu64', feats);
}

function smpArg(dom: Domain): string {
  const { count, current } = dom.vcpu;
  const topo = dom.cpu?.topology ?? { sockets: count, dies: 1, cores: 1, threads: 1 };
  const dies = topo.dies ?? 1;
  if (topo.sockets * dies * topo.cores * topo.threads !== count) {
    throw unsupported(`CPU topology sockets=${topo.sockets} dies=${dies} cores=${topo.cores} threads=${topo.threads} `
      + `gives ${topo.sockets * dies * topo.cores * topo.threads} CPUs but <vcpu> is ${count}`);
  }
  if (current !== undefined && (current < 1 || current > count)) {
    throw unsupported(`<vcpu current='${current}'> must be between 1 and ${count}`);
  }
  const online = current ?? count;
  return keyValues(String(online), [
    ['maxcpus', online < count ? count : undefined],
    ['sockets', topo.sockets], ['dies', dies], ['cores', topo.cores], ['threads', topo.threads],
  ]);
}

/** -m: the initial memory (<memory> minus memory devices); with guest NUMA the cells carry the RAM (argv-numa.ts). */
function memoryArgs(dom: Domain, ctx: ArgvContext): ArgPair[] {
  const max = dom.maxMemory;
  if (max && max.size < dom.memory) throw unsupported(`<maxMemory> (${max.size} KiB) is smaller than <memory> (${dom.memory} KiB)`);
  const initial = initialMemory(dom);
  const m = keyValues(`size=${initial}k`, [['slots', max?.slots], ['maxmem', max ? `${max.size}k` : undefined]]);
  const numa = !!dom.cpu?.numa?.cells.length;
  const backend: Props = { ...mainRamBackend(dom, ctx), size: initial * 1024 };
  return [['-m', m], ...(numa ? [] : [jsonArg('-object', backend)]), ['-overcommit', `mem-lock=${dom.memoryBacking?.locked ? 'on' : 'off'}`]];
}

/**
 * Lifecycle. QEMU always runs with -no-shutdown: a guest power-off stops the vCPUs and emits
 * SHUTDOWN instead of exiting, and the DRIVER then applies <on_poweroff>: destroy -> `quit` /
 * kill, restart -> `system_reset` + `cont`, preserve -> leave it paused. A guest reboot is
 * handled by QEMU itself (reboot=reset) unless <on_reboot> is destroy, where reboot=shutdown
 * turns it into a SHUTDOWN event (reason guest-reset) that the driver turns into a destroy.
 * A panic (needs a pvpanic device) pauses, or for on_crash=destroy becomes a shutdown; the
 * driver handles restart/coredump-* from the GUEST_PANICKED event.
 */
function lifecycleArgs(dom: Domain): ArgPair[] {
  const reboot = dom.onReboot === 'destroy' ? 'shutdown' : 'reset';
  const crash: LifecycleAction = dom.onCrash ?? 'destroy';
  const panic = crash === 'destroy' || crash === 'coredump-destroy' ? 'shutdown' : 'pause';
  return [['-no-shutdown'], ['-action', `reboot=${reboot},panic=${panic}`]];
}

function bootArgs(dom: Domain): ArgPair[] {
  const menu = dom.os.bootmenu;
  const boot = [
    ...(menu ? [`menu=${menu.enable ? 'on' : 'off'}`] : []),
    ...(dom.os.bios?.rebootTimeout !== undefined ? [`reboot-timeout=${dom.os.bios.rebootTimeout}`] : []),
    ...(menu?.enable && menu.timeout !== undefined ? [`splash-time=${menu.timeout}`] : []),
    'strict=on',
  ];
  const args: ArgPair[] = [['-boot', boot.join(',')]];
  // <bios useserial='yes'>: the Serial Graphics Adapter shows the BIOS on the serial port
  if (dom.os.bios?.useserial) args.push(jsonArg('-device', { driver: 'sga' }));
  if (dom.os.acpiSlic !== undefined) args.push(['-acpitable', `sig=SLIC,file=${optValue(dom.os.acpiSlic)}`]);
  if (dom.os.kernel) args.push(['-kernel', dom.os.kernel]);
  else if (dom.os.initrd || dom.os.cmdline) throw unsupported('<initrd> and <cmdline> need a <kernel>');
  if (dom.os.initrd) args.push(['-initrd', dom.os.initrd]);
  if (dom.os.cmdline) args.push(['-append', dom.os.cmdline]);
  return args;
}

/** <pm>: S3/S4 are switched on the chipset's power-management device (PIIX4 on pc, ICH9's LPC on q35). */
function pmArgs(dom: Domain): ArgPair[] {
  const dev = isQ35(dom) ? 'ICH9-LPC' : 'PIIX4_PM';
  const out: ArgPair[] = [];
  if (dom.pm?.suspendToMem !== undefined) out.push(['-global', `${dev}.disable_s3=${dom.pm.suspendToMem ? 0 : 1}`]);
  if (dom.pm?.suspendToDisk !== undefined) out.push(['-global', `${dev}.disable_s4=${dom.pm.suspendToDisk ? 0 : 1}`]);
  return out;
}

/** Everything before the devices, in libvirt's order.  */
export function machineArgs(dom: Domain, caps: QemuCaps, ctx: ArgvContext): ArgPair[] {
  if (dom.os.type !== 'hvm') throw unsupported(`<os><type>${String(dom.os.type)}</type> is not supported (only hvm)`);
  const fw = firmware(dom);
  const args: ArgPair[] = [
    ['-name', `guest=${optValue(dom.name)},debug-threads=on`],
    ['-S'],
    ...fw.args,
    ['-machine', machineArg(dom, caps, fw.machineProps)],
    ['-accel', keyValues(ctx.accel, accelProps(dom, ctx))],
  ];
  const cpu = cpuArg(dom, caps, ctx);
  if (cpu) args.push(['-cpu', cpu]);
  // <loader secure='yes'>: only SMM code may write the variable store (libvirt puts it after -cpu)
  if (dom.os.loader?.type === 'pflash' && dom.os.loader.secure === true) args.push(['-global', 'driver=cfi.pflash01,property=secure,value=on']);
  checkTuningRunnable(dom);
  args.push(...memoryArgs(dom, ctx), ['-smp', smpArg(dom)], ...numaArgs(dom, ctx), ['-uuid', dom.uuid], ...sysinfoArgs(dom));
  args.push(['-no-user-config'], ['-nodefaults']);
  args.push(
    ['-chardev', keyValues('socket', [['id', 'charmonitor'], ['path', ctx.monitorPath], ['server', 'on'], ['wait', 'off']])],
    ['-mon', 'chardev=charmonitor,id=monitor,mode=control'],
  );
  args.push(...clockArgs(dom, ctx), ...featureGlobals(dom).map((g): ArgPair => ['-global', g]));
  args.push(...lifecycleArgs(dom), ...pmArgs(dom), ...bootArgs(dom));
  return args;
}

/** Options after the devices: confinement, message format, pidfile. */
export function trailerArgs(ctx: ArgvContext): ArgPair[] {
  return [
    ...(ctx.incoming ? [['-incoming', 'defer'] as ArgPair] : []),
    ['-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'],
    ['-msg', 'timestamp=on'],
    ['-pidfile', ctx.pidfilePath],
  ];
}
