// Starting a domain, in named phases. Each phase that changes the host registers
// how to undo it; a failure in any phase undoes everything done before it, so a
// failed start leaves no process, socket or file behind.
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import type { Domain } from '../conf/domain-types.js';
import { TsvirtError, strerror, toTsvirtError } from '../util/errors.js';
import { UndoStack } from '../util/undo.js';
import type { ArgvContext, QemuCaps } from './caps-types.js';
import { buildQemuArgv, liveDomain } from './argv.js';
import { interfacesWithLinkDown } from './argv-net.js';
import { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import { launchQemu, logTail, spawned, killPid, waitForExit } from './qemu-process.js';
import { QemuVm } from './vm.js';
import { pickVncPorts } from './vnc-ports.js';
import { applyGraphicsPasswords } from './graphics-passwords.js';
import { applyBalloonAtStart } from './balloon.js';
import { startVirtiofsds } from './virtiofsd.js';
import { hostHugepages } from './host-hugepages.js';
import { checkHostNumaNodes } from './host-numa.js';
import { applyCpuPinning } from './cpu-pinning.js';
import type { DomainResourceProvider } from './host-resources.js';
import { closeSync } from 'node:fs';
import { clockEnv } from './argv-clock.js';
import { qemuNamespaceEnv } from './argv-qemu-ns.js';
import { NVRAM_DIR, loadFirmwareDescriptors, needsFirmwareSelection, selectFirmware } from './firmware-select.js';

export interface StartPaths {
  /** per-domain folder for the monitor socket, pidfile and channel sockets */
  domainRunDir: string;
  /** the domain's QEMU log (<logdir>/<name>.log) */
  logFile: string;
  /** folder for serial logs */
  logDir: string;
  /** folder for per-domain UEFI variable stores (firmware auto-selection) */
  nvramDir?: string;
}

export interface StartOptions {
  def: Domain;
  id: number;
  caps: QemuCaps;
  paths: StartPaths;
  paused?: boolean;
  /**
   * QEMU waits for a migration stream (-incoming defer) instead of booting: the VM comes back
   * paused (reason 'migration'); the caller feeds it (migration.ts migrateIn) and then resumes it.
   */
  incoming?: boolean;
  /** host resources (taps, volumes, host devices) prepared before launch, released after stop */
  resources?: DomainResourceProvider[];
}

export type StartPhase = 'prepare-definition' | 'prepare-host' | 'launch' | 'connect' | 'finish';

const MONITOR_TIMEOUT_MS = 10_000;

async function mustExist(file: string | undefined, what: string, dom: string): Promise<void> {
  if (!file) return;
  try {
    await fs.access(file, fsc.R_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
    throw new TsvirtError('operation-invalid', `cannot access ${what} '${file}' of domain '${dom}': ${why}`);
  }
}

/** Phase 1: checks that need no side effects. */
async function prepareDefinition(def: Domain, caps: QemuCaps): Promise<void> {
  if (def.type === 'kvm' && !caps.accels.kvm) {
    throw new TsvirtError(
      'config-unsupported',
      `domain '${def.name}' needs KVM, but KVM is not usable on this host: ${caps.accels.kvmReason ?? 'unknown reason'}. ` +
        `Use <domain type='qemu'> to run it under software emulation (TCG).`,
    );
  }
  await mustExist(def.os.kernel, 'kernel', def.name);
  await mustExist(def.os.initrd, 'initrd', def.name);
  await mustExist(def.os.loader?.path, 'loader', def.name);
  for (const disk of def.devices.disks) {
    await mustExist(disk.source?.file ?? disk.source?.dev, `disk ${disk.target.dev} source`, def.name);
  }
  if (def.devices.emulator) await mustExist(def.devices.emulator, 'emulator', def.name);
  await checkHostNumaNodes(def); // <numatune> / <nodemask> naming host NUMA nodes that do not exist
  // taps of type network/bridge interfaces come from the network driver's resource provider
}

/**
 * A missing nvram file is created from its template, as libvirt does at first start
 * (qemuPrepareNVRAMFile, its messages); an existing one is the guest's and is left alone.
 * The copy made here is removed again if the start fails.
 */
async function prepareNvram(def: Domain, undo: UndoStack): Promise<void> {
  const nvram = def.os.nvram;
  const target = nvram?.path ?? (nvram?.type === 'file' ? nvram.source?.file : undefined);
  if (!nvram || !target || def.os.loader?.type !== 'pflash') return;
  if (await fs.access(target).then(() => true, () => false)) return;
  if (!nvram.template) {
    throw new TsvirtError('operation-failed', `unable to find any master var store for loader: ${def.os.loader.path ?? ''}`);
  }
  let data: Buffer;
  let src: fs.FileHandle;
  try {
    src = await fs.open(nvram.template, 'r');
  } catch (e) {
    throw new TsvirtError('operation-failed', `Failed to open file '${nvram.template}': ${strerror(e)}`);
  }
  try {
    data = await src.readFile();
  } catch (e) {
    throw new TsvirtError('operation-failed', `Unable to read from file '${nvram.template}': ${strerror(e)}`);
  } finally {
    await src.close();
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    // O_EXCL: a file that appeared meanwhile is not overwritten (nor removed by undo)
    await fs.writeFile(target, data, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    await fs.rm(target, { force: true });
    throw new TsvirtError('operation-failed', `Failed to create file '${target}': ${strerror(e)}`);
  }
  undo.push(() => fs.rm(target, { force: true }));
}

/** Settings QEMU takes only over QMP, applied while the vCPUs are still stopped. */
async function applyRuntimeSettings(mon: QmpMonitor, def: Domain): Promise<void> {
  for (const id of interfacesWithLinkDown(def)) await qmp.setLink(mon, id, false);
  await applyGraphicsPasswords(mon, def);
  await applyBalloonAtStart(mon, def); // <stats period>, <currentMemory> below <memory> (balloon.ts)
}

/** Runs the start sequence; resolves with the running (or paused) VM. */
export async function startQemu(opts: StartOptions, onPhase?: (p: StartPhase) => void): Promise<QemuVm> {
  const { caps, paths } = opts;
  let def = opts.def;
  const undo = new UndoStack();
  let phase: StartPhase = 'prepare-definition';
  const enter = (p: StartPhase) => {
    phase = p;
    onPhase?.(p);
  };
  try {
    enter('prepare-definition');
    // <os firmware='efi'>: the loader and nvram come from QEMU's firmware descriptors (libvirt does this at start)
    // (on a copy: the selection belongs to this run's live definition, not to the persistent one)
    if (needsFirmwareSelection(def)) {
      def = structuredClone(def);
      selectFirmware(def, await loadFirmwareDescriptors(), paths.nvramDir ?? NVRAM_DIR);
    }
    await prepareDefinition(def, caps);

    enter('prepare-host');
    await fs.mkdir(paths.domainRunDir, { recursive: true, mode: 0o700 });
    undo.push(() => fs.rm(paths.domainRunDir, { recursive: true, force: true }));
    await fs.mkdir(paths.logDir, { recursive: true });
    await prepareNvram(def, undo);
    const ctx: ArgvContext = {
      accel: def.type === 'kvm' ? 'kvm' : 'tcg',
      monitorPath: path.join(paths.domainRunDir, 'monitor.sock'),
      pidfilePath: path.join(paths.domainRunDir, 'qemu.pid'),
      logDir: paths.logDir,
      channelDir: paths.domainRunDir,
      vncPorts: await pickVncPorts(def),
      hugepages: await hostHugepages(def),
      incoming: opts.incoming,
    };
    const record: Record<string, string> = {};
    const adjustLive: Array<(live: Domain) => void> = [];
    // host fds for QEMU: child fd 3 is passFds[0], 4 is passFds[1], ...
    const passFds: number[] = [];
    for (const provider of opts.resources ?? []) {
      const got = await provider.prepare(def, undo);
      for (const [index, fd] of Object.entries(got.tapFds ?? {})) {
        passFds.push(fd);
        (ctx.tapFds ??= {})[Number(index)] = 2 + passFds.length;
      }
      if (got.resolvedDiskPaths) ctx.resolvedDiskPaths = { ...ctx.resolvedDiskPaths, ...got.resolvedDiskPaths };
      for (const [k, v] of Object.entries(got.record ?? {})) record[`${provider.name}.${k}`] = v;
      if (got.adjustLive) adjustLive.push(got.adjustLive);
    }
    const closePassed = () => passFds.splice(0).forEach((fd) => { try { closeSync(fd); } catch { /* closed */ } });
    undo.push(closePassed);

    enter('launch');
    const argv = buildQemuArgv(def, caps, ctx);
    // virtiofsd listens on the socket QEMU connects to at start; undo stops it if QEMU fails
    Object.assign(record, await startVirtiofsds(def, paths.domainRunDir, paths.logFile, undo));
    const binary = def.devices.emulator ?? caps.binary;
    const child = launchQemu(binary, argv, paths.logFile, passFds, { ...clockEnv(def), ...qemuNamespaceEnv(def) });
    const pid = await spawned(child);
    closePassed();
    undo.push(async () => {
      killPid(pid, 'SIGKILL');
      await waitForExit(pid, 5000);
    });

    enter('connect');
    const exited = new AbortController();
    child.once('exit', () => exited.abort(new Error('QEMU exited')));
    let mon: QmpMonitor;
    try {
      mon = await QmpMonitor.connect(ctx.monitorPath, {
        timeoutMs: MONITOR_TIMEOUT_MS,
        retryUntilMs: MONITOR_TIMEOUT_MS,
        signal: exited.signal,
      });
    } catch (e) {
      // QEMU may close the monitor a moment before it has written why it fails: let it finish
      await waitForExit(pid, 2000);
      // QEMU's own words: not the command line logged before them (one argument a line, ' \' ended)
      const lines = (await logTail(paths.logFile)).trim().split('\n');
      const said = lines.filter((l, i) => !l.startsWith(' ') && !l.endsWith(' \\') && !lines[i - 1]?.endsWith(' \\') && !/: (starting up( |$)|shutting down, reason=)/.test(l));
      const tail = said.slice(-3).join('\n');
      throw new TsvirtError('operation-failed', `QEMU for domain '${def.name}' failed to start: ${tail || toTsvirtError(e).message}`);
    }
    undo.push(() => mon.close());

    enter('finish');
    await applyRuntimeSettings(mon, def);
    await applyCpuPinning(mon, def, pid); // <vcpupin>, <emulatorpin>, <vcpu cpuset> (cpu-pinning.ts)
    const chardevs = await qmp.queryChardev(mon);
    const live = liveDomain(def, opts.id, ctx, chardevs);
    for (const adjust of adjustLive) adjust(live);
    const vm = new QemuVm(pid, mon, ctx.monitorPath, live, { state: 'paused', reason: 'starting up' });
    vm.record = record;
    if (opts.incoming) {
      vm.state = 'paused';
      vm.reason = 'migration';
    } else if (opts.paused) {
      vm.state = 'paused';
      vm.reason = 'user';
    } else {
      await vm.startCpus('booted');
    }
    return vm;
  } catch (e) {
    await undo.run();
    const err = toTsvirtError(e);
    if (phase !== 'prepare-definition' && err.code === 'internal-error') {
      throw new TsvirtError('internal-error', `start of '${def.name}' failed in phase ${phase}: ${err.message}`, { cause: e });
    }
    throw err;
  }
}
