// The machine a run is on: CPU, cores, memory, kernel, versions.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { run } from '../src/util/spawn.js';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  qemu: string;
  libvirt: string;
  node: string;
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await run(cmd, args, { timeoutMs: 10_000 });
    return (r.stdout || r.stderr).split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  let osName = 'unknown';
  try { osName = /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName; } catch { /* none */ }
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    os: osName,
    qemu: (await firstLine('qemu-system-x86_64', ['--version'])).replace(/^QEMU emulator version /, ''),
    libvirt: (await firstLine('libvirtd', ['--version'])).replace(/^libvirtd \(libvirt\) /, ''),
    node: process.version,
  };
}

export function machineText(m: MachineInfo): string {
  return `${m.date}  ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}\n` +
    `QEMU ${m.qemu}, libvirt ${m.libvirt}, Node ${m.node}\n`;
}
