// Writes test/golden/caps.json from the real qemu-system-x86_64 once. The golden tests use the
// committed file (not a live probe) so their output does not change with the host's QEMU.
// Usage: node test/golden/make-caps.mjs [binary]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const binary = process.argv[2] ?? '/usr/bin/qemu-system-x86_64';
const ask = (...args) => execFileSync(binary, args, { encoding: 'utf8' });

const ver = ask('--version').split('\n')[0];
const m = /version (\d+)\.(\d+)\.(\d+)(?: \((.*)\))?/.exec(ver);
if (!m) throw new Error(`cannot read version from: ${ver}`);

const machines = [];
for (const line of ask('-machine', 'help').split('\n').slice(1)) {
  const mm = /^(\S+)\s+(.*)$/.exec(line.trim());
  if (!mm) continue;
  const entry = { name: mm[1] };
  const alias = /\(alias of ([^)]+)\)/.exec(mm[2]);
  if (alias) { entry.name = alias[1]; entry.alias = mm[1]; }
  if (mm[2].includes('(default)')) entry.isDefault = true;
  if (mm[2].includes('deprecated')) entry.deprecated = true;
  const prev = machines.find((x) => x.name === entry.name);
  if (prev) Object.assign(prev, { ...entry, ...(prev.isDefault ? { isDefault: true } : {}) });
  else machines.push(entry);
}

const devices = [...ask('-device', 'help').matchAll(/^name "([^"]+)"/gm)].map((x) => x[1]).sort();
const cpuModels = [...ask('-cpu', 'help').matchAll(/^x86 (\S+)/gm)].map((x) => x[1]).sort();

const caps = {
  binary,
  version: { major: +m[1], minor: +m[2], micro: +m[3] },
  package: m[4],
  arch: 'x86_64',
  machines,
  devices,
  cpuModels,
  accels: { tcg: true, kvm: false, kvmReason: 'golden fixture: KVM is never assumed' },
};
writeFileSync(new URL('./caps.json', import.meta.url), JSON.stringify(caps, null, 2) + '\n');
console.log(`caps.json: ${machines.length} machines, ${devices.length} devices, ${cpuModels.length} cpu models`);
