// Is /dev/kvm really usable? On some hosts it exists and answers ioctls but is a nested
// software KVM on which real guests crawl or hang after the BIOS, so we boot a tiny real
// guest under -accel kvm with a short timeout. The guest (kvm-probe/probe.S, a boot
// sector) waits for a timer interrupt with STI+HLT, enters 64-bit long mode with paging,
// checks both, then writes to QEMU's isa-debug-exit port so QEMU exits with code 99.
// KVM also has to run it about as fast as TCG does: a KVM slower than TCG is refused.
import { spawn } from 'node:child_process';
import { promises as fs, constants as fsc } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** kvm-probe/probe.S assembled by kvm-probe/build.sh (a 512-byte boot sector). */
export const PROBE_BOOT_SECTOR_B64 =
  '+jHAjtiOwI7QvAB8/IsebAT79DsebAR0+frkkgwCJP7mkr8AELkAMDDA86pmxwYAEAMgAABmxwYAIAMwAABmxwYAMIMAAABmxwYIMIMAAAAPARb4fA8g4GaDyCAPIuBmuAAQAAAPIthmuYAAAMAPMmYNAAEAAA8wDyDAZg0BAACADyLA6ol8CABmuBAAjtiOwI7QSMfEAHwAALmAAADADzKpAAQAAHQxSLiId2ZVRDMiEUiJBCUAUCAASIscJQBQAABIOcN1EkjB6yCB+0QzIhF1BrAx5vTrBLAQ5vT06/0AAAAAAAAAAAAAAAAAmiAAAAAAAACSAAAXAOB8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVao=';

/** QEMU's exit code when the probe guest passed all its checks: (0x31 << 1) | 1. */
export const PROBE_EXIT_OK = 99;
/** QEMU's exit code when the guest ran but a long-mode or paging check failed: (0x10 << 1) | 1. */
export const PROBE_EXIT_CHECK_FAILED = 33;
export const KVM_PROBE_TIMEOUT_MS = 3000;

export interface KvmProbeResult {
  usable: boolean;
  reason?: string;
}

export interface ProbeGuestRun {
  /** QEMU's exit code (null when killed) */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
  elapsedMs: number;
  /** QEMU could not be started at all (binary missing, ...) */
  spawnError?: string;
}

/** Doubles commas so a path is safe inside a QEMU option value. */
function qemuOptValue(s: string): string {
  return s.replace(/,/g, ',,');
}

/**
 * Boots the probe guest once under the given accelerator and reports how QEMU ended.
 * QEMU is SIGKILLed (by pid) if it has not exited after timeoutMs.
 */
export async function runProbeGuest(binary: string, accel: 'kvm' | 'tcg', timeoutMs = KVM_PROBE_TIMEOUT_MS): Promise<ProbeGuestRun> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-kvm-probe-'));
  try {
    const image = join(dir, 'probe.img');
    await fs.writeFile(image, Buffer.from(PROBE_BOOT_SECTOR_B64, 'base64'));
    const args = [
      '-no-user-config', '-nodefaults', '-display', 'none',
      '-machine', 'pc', '-accel', accel, '-m', '32',
      '-drive', `file=${qemuOptValue(image)},format=raw,if=ide,index=0`,
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    ];
    const start = Date.now();
    return await new Promise<ProbeGuestRun>((resolve) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let timedOut = false;
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => { if (stderr.length < 8192) stderr += s; });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, timedOut: false, stderr, elapsedMs: Date.now() - start, spawnError: e.message });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, timedOut, stderr, elapsedMs: Date.now() - start });
      });
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The QEMU stderr lines that explain a failure (drops CPUID feature warnings). */
function explain(stderr: string): string {
  return stderr.split('\n').map((l) => l.trim())
    .filter((l) => l && !/warning: host doesn't support requested feature/.test(l))
    .join('; ').slice(0, 500);
}

/**
 * KVM that finishes the probe but runs it much slower than software emulation is a
 * nested or software KVM (seen: kvm_pvm, 1.5 s against 0.06 s under TCG) on which real
 * kernels hang after the BIOS: an accelerator slower than TCG is not used.
 */
async function compareWithTcg(
  binary: string, kvmMs: number, device: string, timeoutMs: number, no: (why: string) => KvmProbeResult,
): Promise<KvmProbeResult> {
  const t = await runProbeGuest(binary, 'tcg', timeoutMs);
  if (t.code !== PROBE_EXIT_OK) return { usable: true }; // no yardstick: trust the KVM run
  if (kvmMs <= KVM_SLOWDOWN_LIMIT * t.elapsedMs + KVM_SLOWDOWN_SLACK_MS) return { usable: true };
  return no(`a test guest took ${kvmMs} ms under ${device} but ${t.elapsedMs} ms under TCG (nested or software KVM?)`);
}

/** KVM may take at most this many times TCG's time for the probe guest, plus the slack. */
export const KVM_SLOWDOWN_LIMIT = 2;
export const KVM_SLOWDOWN_SLACK_MS = 300;

/** Decides whether KVM really runs guests; never throws. */
export async function probeKvm(
  binary = '/usr/bin/qemu-system-x86_64',
  opts: { timeoutMs?: number; device?: string } = {},
): Promise<KvmProbeResult> {
  const device = opts.device ?? '/dev/kvm';
  const timeoutMs = opts.timeoutMs ?? KVM_PROBE_TIMEOUT_MS;
  const no = (why: string): KvmProbeResult => ({ usable: false, reason: `KVM is not usable: ${why}` });
  try {
    await fs.access(device, fsc.R_OK | fsc.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return no(`${device} does not exist (KVM module not loaded, or no hardware virtualization)`);
    if (code === 'EACCES' || code === 'EPERM') return no(`no permission to open ${device} (${code}; is the user in the kvm group?)`);
    return no(`cannot open ${device}: ${(e as Error).message}`);
  }
  const r = await runProbeGuest(binary, 'kvm', timeoutMs);
  if (r.spawnError) return no(`cannot run ${binary}: ${r.spawnError}`);
  if (r.code === PROBE_EXIT_OK) return compareWithTcg(binary, r.elapsedMs, device, timeoutMs, no);
  const err = explain(r.stderr);
  if (/failed to initialize kvm|Could not access KVM kernel module|kvm.*(Permission denied|Operation not permitted)/i.test(r.stderr)) {
    return no(`QEMU failed to initialize KVM (${err})`);
  }
  if (r.timedOut) {
    const secs = Math.round(timeoutMs / 100) / 10;
    return no(`a test guest did not finish within ${secs} s under ${device} (nested or software KVM?)`);
  }
  if (r.code === PROBE_EXIT_CHECK_FAILED) return no('a test guest failed its long-mode/paging check under KVM');
  const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
  return no(`QEMU running a test guest under KVM ${how}${err ? ` (${err})` : ''}`);
}
