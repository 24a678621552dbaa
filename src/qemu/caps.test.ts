// Capability probe of the real QEMU binary, and its on-disk cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { probeQemuCaps, clearQemuCapsMemo, defaultMachine, findMachine, hasDevice } from './caps.js';
import { QEMU } from './qemu-test-support.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-caps-test-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test('probes the real binary: version, machines, devices, cpu models; then serves from cache', async (t) => {
  const cacheDir = await tempDir(t);
  clearQemuCapsMemo();
  const caps = await probeQemuCaps(QEMU, { cacheDir, kvmProbe: false });
  assert.equal(caps.binary, QEMU);
  assert.equal(caps.version.major, 7);
  assert.equal(caps.arch, 'x86_64');
  assert.match(caps.package ?? '', /\S/);
  const def = defaultMachine(caps);
  assert.match(def ?? '', /^pc-i440fx-\d+\.\d+$/);
  assert.equal(findMachine(caps, 'pc')?.name, def);
  assert.match(findMachine(caps, 'q35')?.name ?? '', /^pc-q35-/);
  assert.equal(findMachine(caps, 'no-such-machine'), undefined);
  assert.ok(caps.machines.filter((m) => m.isDefault).length === 1);
  for (const d of ['virtio-blk-pci', 'virtio-net-pci', 'vfio-pci', 'e1000', 'isa-debug-exit', 'nvme']) {
    assert.ok(hasDevice(caps, d), d);
  }
  // abstract types are not devices one can add
  assert.ok(!caps.devices.includes('device') && !caps.devices.includes('pci-device'));
  assert.ok(caps.cpuModels.includes('qemu64') && caps.cpuModels.includes('max'));
  assert.deepEqual(caps.accels, { tcg: true, kvm: false, kvmReason: 'KVM was not probed' });

  const files = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1);

  // in-memory memo: same answer, no process, the caller may not corrupt it
  const snapshot = structuredClone(caps);
  (caps.devices as string[]).push('mutated-by-caller');
  const again = await probeQemuCaps(QEMU, { cacheDir, kvmProbe: false });
  assert.ok(!again.devices.includes('mutated-by-caller'));

  // disk cache: mark the file, drop the memo, and the marked answer comes back quickly
  const file = join(cacheDir, files[0]);
  const entry = JSON.parse(await fs.readFile(file, 'utf8'));
  entry.caps.devices.push('marker-from-cache');
  await fs.writeFile(file, JSON.stringify(entry));
  clearQemuCapsMemo();
  const t0 = Date.now();
  const cached = await probeQemuCaps(QEMU, { cacheDir, kvmProbe: false });
  const took = Date.now() - t0;
  assert.ok(cached.devices.includes('marker-from-cache'));
  assert.ok(took < 100, `cache read took ${took} ms`);

  // a different binary identity (size/mtime) makes the cache stale: probe again
  entry.key.mtimeMs -= 1000;
  await fs.writeFile(file, JSON.stringify(entry));
  clearQemuCapsMemo();
  const fresh = await probeQemuCaps(QEMU, { cacheDir, kvmProbe: false });
  assert.ok(!fresh.devices.includes('marker-from-cache'));
  assert.deepEqual(fresh, snapshot);
  const rewritten = JSON.parse(await fs.readFile(file, 'utf8'));
  assert.equal(rewritten.key.mtimeMs, entry.key.mtimeMs + 1000);
});

test('the KVM verdict is probed once and cached with the caps', async (t) => {
  const cacheDir = await tempDir(t);
  clearQemuCapsMemo();
  const caps = await probeQemuCaps(QEMU, { cacheDir });
  if (!caps.accels.kvm) assert.match(caps.accels.kvmReason ?? '', /^KVM is not usable: /);
  else assert.equal(caps.accels.kvmReason, undefined);
  clearQemuCapsMemo();
  const t0 = Date.now();
  const again = await probeQemuCaps(QEMU, { cacheDir });
  assert.ok(Date.now() - t0 < 100, 'served from the cache file');
  assert.deepEqual(again.accels, caps.accels);
  const file = join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.json'))!);
  const entry = JSON.parse(await fs.readFile(file, 'utf8'));
  assert.equal(entry.kvm.result.usable, caps.accels.kvm);
  assert.equal(typeof entry.kvm.key.release, 'string');
});

test('concurrent first calls agree (they are serialized per binary)', async (t) => {
  const cacheDir = await tempDir(t);
  clearQemuCapsMemo();
  const [a, b] = await Promise.all([
    probeQemuCaps(QEMU, { cacheDir, kvmProbe: false }),
    probeQemuCaps(QEMU, { cacheDir, kvmProbe: false }),
  ]);
  assert.deepEqual(a, b);
  // the memo answers for another cache folder too, and fills that folder's cache
  const other = await tempDir(t);
  const t0 = Date.now();
  assert.deepEqual(await probeQemuCaps(QEMU, { cacheDir: other, kvmProbe: false }), a);
  assert.ok(Date.now() - t0 < 100);
  assert.equal(readdirSync(other).filter((f) => f.endsWith('.json')).length, 1);
});

test('a missing or broken binary is a clear TsvirtError', async () => {
  await assert.rejects(probeQemuCaps('/nonexistent/qemu-system-x86_64', { kvmProbe: false }), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'no-support');
    assert.equal(e.message, 'QEMU binary /nonexistent/qemu-system-x86_64 not found');
    return true;
  });
  await assert.rejects(probeQemuCaps('/bin/false', { kvmProbe: false }), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'operation-failed');
    assert.match(e.message, /^probing \/bin\/false failed: it exited \(exit code 1\) before its QMP monitor was ready/);
    return true;
  });
});
