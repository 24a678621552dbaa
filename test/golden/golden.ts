// Shared by the golden argv tests: the committed caps fixture, the fixed ArgvContext, and each
// case's domain as the real parser + defaults prepare it.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
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
  return readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
}

/** BASE_CTX with the case's <case>.ctx.json (tap fds, vnc ports, accel, volume paths) on top. */
export function goldenCtx(name: string): ArgvContext {
  const file = join(GOLDEN_DIR, `${name}.ctx.json`);
  return existsSync(file) ? { ...BASE_CTX, ...JSON.parse(readFileSync(file, 'utf8')) } : { ...BASE_CTX };
}

export function goldenDomain(name: string): Domain {
  const xml = readFileSync(join(GOLDEN_DIR, `${name}.xml`), 'utf8');
  const def = goldenCaps.machines.find((m) => m.isDefault);
  return parseAndPrepareDomain(xml, { arch: 'x86_64', defaultMachine: def?.name, emulator: goldenCaps.binary });
}

export const argsFile = (name: string) => join(GOLDEN_DIR, `${name}.args`);
