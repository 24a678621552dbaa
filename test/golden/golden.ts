// Shared by the golden argv tests: the committed caps fixture, the fixed ArgvContext, and each
// case's domain as the real parser + defaults prepare it.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Domain } from '../../src/conf/domain-types.js';
import { parseAndPrepareDomain } from '../../src/conf/domain-xml.js';
import type { ArgvContext, QemuCaps } from '../../src/qemu/caps-types.js';

export const GOLDEN_DIR = fileURLToPath(new URL('.', import.meta.url));

export const goldenCaps: QemuCaps = JSON.parse(readFileSync(join(GOLDEN_DIR, 'caps.json'), 'utf8'));

/** Fixed paths, so the .args files never depend on the machine or the run. */
export const BASE_CTX: ArgvContext = {
  accel: 'tcg',
  monitorPath: '/run/tsvirt/qemu/golden/monitor.sock',
  pidfilePath: '/run/tsvirt/qemu/golden/qemu.pid',
  logDir: '/var/log/tsvirt/qemu/golden',
  channelDir: '/run/tsvirt/qemu/golden',
  vncPorts: [0],
};

export function goldenCases(): string[] {
  return readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.xml') && !f.endsWith('.libvirt.xml')).map((f) => f.slice(0, -4)).sort();
}

/** BASE_CTX with the case's <case>.ctx.json (tap fds, vnc ports, accel, volume paths) on top. */
export function goldenCtx(name: string): ArgvContext {
  const file = join(GOLDEN_DIR, `${name}.ctx.json`);
  return existsSync(file) ? { ...BASE_CTX, ...JSON.parse(readFileSync(file, 'utf8')) } : { ...BASE_CTX };
}

const canonicalMachines = Object.fromEntries(goldenCaps.machines.filter((m) => m.alias).map((m) => [m.alias!, m.name]));

export function goldenDomain(name: string): Domain {
  const xml = readFileSync(join(GOLDEN_DIR, `${name}.xml`), 'utf8');
  const def = goldenCaps.machines.find((m) => m.isDefault);
  return parseAndPrepareDomain(xml, { arch: 'x86_64', defaultMachine: def?.name, emulator: goldenCaps.binary, canonicalMachines });
}

export const argsFile = (name: string) => join(GOLDEN_DIR, `${name}.args`);

/** libvirt 9.0's dumpxml --inactive of the case (written by make-libvirt-expected.ts), or its error text. */
export const libvirtXmlFile = (name: string) => join(GOLDEN_DIR, `${name}.libvirt.xml`);
export const libvirtErrorFile = (name: string) => join(GOLDEN_DIR, `${name}.libvirt-error.txt`);

export type LibvirtResult = { xml: string } | { error: string };

/** Whether libvirt-dumpxml.py can run here: python3-libvirt and libvirt's QEMU driver installed. */
export function libvirtPeerMissing(): string | false {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import libvirt'], { encoding: 'utf8' });
  if (r.status !== 0) return 'python3-libvirt is not installed (apt-get install python3-libvirt)';
  if (!existsSync('/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so')) {
    return "libvirt's QEMU driver is not installed (apt-get install libvirt-daemon-driver-qemu)";
  }
  return false;
}

/** Defines every file in libvirt's embedded QEMU driver and returns what libvirt wrote (or said). */
export function libvirtDumpxml(files: string[]): Record<string, LibvirtResult> {
  const r = spawnSync('/usr/bin/python3', [join(GOLDEN_DIR, 'libvirt-dumpxml.py'), ...files], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`libvirt-dumpxml.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
