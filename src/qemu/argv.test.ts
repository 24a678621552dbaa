// Golden tests: test/golden/<case>.xml -> buildQemuArgv -> test/golden/<case>.args (one argument
// per line). UPDATE_GOLDEN=1 rewrites the .args files; review the diff before committing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { buildQemuArgv, deviceAliases, liveDomain } from './argv.js';
import { TsvirtError } from '../util/errors.js';
import { diskBlockdevs, diskDeviceProps, diskSourcePath } from './argv-disk.js';
import { interfacesWithLinkDown, netDeviceProps, netdevProps } from './argv-net.js';
import type { Domain } from '../conf/domain-types.js';
import { argsFile, goldenCases, goldenCaps, goldenCtx, goldenDomain, BASE_CTX } from '../../test/golden/golden.js';

const update = process.env.UPDATE_GOLDEN === '1';
const cases = goldenCases();

test('there are enough golden cases', () => {
  assert.ok(cases.length >= 32, `only ${cases.length} golden cases`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const argv = buildQemuArgv(goldenDomain(name), goldenCaps, goldenCtx(name));
    const text = argv.join('\n') + '\n';
    for (const a of argv) assert.ok(!a.includes('\n'), `argument with a newline: ${a}`);
    if (update) {
      writeFileSync(argsFile(name), text);
      return;
    }
    assert.ok(existsSync(argsFile(name)), `${name}.args is missing: run with UPDATE_GOLDEN=1`);
    assert.equal(text, readFileSync(argsFile(name), 'utf8'));
  });
}

/** The golden case's domain, changed by `edit`, built with BASE_CTX (+ overrides). */
function buildEdited(name: string, edit: (d: Domain) => void, ctx = {}): string[] {
  const dom = goldenDomain(name);
  edit(dom);
  return buildQemuArgv(dom, goldenCaps, { ...goldenCtx(name), ...ctx });
}

function assertError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TsvirtError, `not a TsvirtError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a device the binary lacks is config-unsupported, naming the device', () => {
  const caps = { ...goldenCaps, devices: goldenCaps.devices.filter((d) => d !== 'virtio-blk-pci') };
  assertError(() => buildQemuArgv(goldenDomain('disk-virtio-raw'), caps, BASE_CTX), 'config-unsupported', /does not support device 'virtio-blk-pci'/);
});

test('an unknown machine type is config-unsupported, naming it', () => {
  assertError(() => buildEdited('minimal-pc', (d) => (d.os.machine = 'pc-i440fx-99.9')), 'config-unsupported', /machine type 'pc-i440fx-99.9'/);
});

test('a machine alias resolves to its versioned name', () => {
  const argv = buildEdited('minimal-pc', (d) => (d.os.machine = 'pc'));
  assert.match(argv[argv.indexOf('-machine') + 1], /^pc-i440fx-7\.2,/);
});

test('a tap interface without a tap fd names the interface and the ctx field', () => {
  assertError(() => buildEdited('net-tap-models', () => {}, { tapFds: { 0: 40, 1: 41, 3: 43 } }), 'internal-error', /interface 2 .*tapFds\[2\]/);
});

test('a volume disk without a resolved path is a clear error', () => {
  assertError(() => buildEdited('disk-volume', () => {}, { resolvedDiskPaths: {} }), 'internal-error', /volume 'vol1.qcow2' in pool 'default'.*resolvedDiskPaths\[0\]/);
});

test('an unknown CPU model is config-unsupported', () => {
  assertError(() => buildEdited('cpu-custom-features', (d) => (d.cpu!.model!.name = 'Pentium9000')), 'config-unsupported', /CPU model 'Pentium9000'/);
});

test('a topology that does not match the vCPU count is rejected', () => {
  assertError(() => buildEdited('cpu-topology', (d) => (d.cpu!.topology!.cores = 3)), 'config-unsupported', /gives 12 CPUs but <vcpu> is 8/);
});

test('autoport VNC without a display from the driver is an error', () => {
  assertError(() => buildEdited('vnc-autoport', () => {}, { vncPorts: [] }), 'internal-error', /vncPorts\[0\]/);
});

test('a USB input without a USB controller is rejected', () => {
  assertError(() => buildEdited('inputs', (d) => (d.devices.controllers = d.devices.controllers.filter((c) => c.type !== 'usb'))),
    'config-unsupported', /no USB controller/);
});

test('a virtio console without a virtio-serial controller is rejected', () => {
  assertError(() => buildEdited('chardev-console-virtio', (d) => (d.devices.controllers = d.devices.controllers.filter((c) => c.type !== 'virtio-serial'))),
    'config-unsupported', /virtio-serial/);
});

test('KVM accel puts -accel kvm and host CPU; TCG never uses host', () => {
  const kvm = buildQemuArgv(goldenDomain('cpu-host-passthrough-kvm'), goldenCaps, goldenCtx('cpu-host-passthrough-kvm'));
  assert.equal(kvm[kvm.indexOf('-accel') + 1], 'kvm');
  assert.equal(kvm[kvm.indexOf('-cpu') + 1], 'host,migratable=on');
  for (const name of cases) {
    const ctx = goldenCtx(name);
    if (ctx.accel !== 'tcg') continue;
    const argv = buildQemuArgv(goldenDomain(name), goldenCaps, ctx);
    const cpu = argv.indexOf('-cpu');
    if (cpu >= 0) assert.ok(!/^host\b/.test(argv[cpu + 1]), `${name}: -cpu host under TCG`);
  }
});

test('every -device id is unique and matches deviceAliases', () => {
  for (const name of cases) {
    const dom = goldenDomain(name);
    const argv = buildQemuArgv(dom, goldenCaps, goldenCtx(name));
    // USB companion controllers have no id of their own (as with libvirt)
    const ids = argv.filter((_, i) => argv[i - 1] === '-device').map((a) => JSON.parse(a).id as string | undefined).filter((id) => id !== undefined);
    assert.equal(new Set(ids).size, ids.length, `${name}: duplicate ids ${ids.join(' ')}`);
    const aliases = deviceAliases(dom);
    for (const alias of [...aliases.disks, ...aliases.interfaces, ...aliases.hostdevs]) {
      assert.ok(ids.includes(alias), `${name}: alias ${alias} has no -device`);
    }
  }
});

test('liveDomain fills aliases, pty paths and the VNC port', () => {
  const dom = goldenDomain('q35-full');
  const live = liveDomain(dom, 7, goldenCtx('q35-full'), [{ label: 'charserial0', filename: 'pty:/dev/pts/9' }]);
  assert.equal(live.id, 7);
  assert.equal(live.devices.disks[0].alias, 'virtio-disk0');
  assert.equal(live.devices.serials[0].source?.path, '/dev/pts/9');
  assert.equal(live.devices.consoles[0].source?.path, '/dev/pts/9');
  assert.equal(live.devices.consoles[0].alias, 'serial0');
  assert.equal(live.devices.graphics[0].port, 5900);
  assert.equal(dom.devices.disks[0].alias, undefined, 'the definition is not changed');
});

test('hot-plug builders give the same bodies the argv carries', () => {
  const dom = goldenDomain('q35-full');
  const ctx = goldenCtx('q35-full');
  const argv = buildQemuArgv(dom, goldenCaps, ctx);
  const bodies = (opt: string) => argv.filter((_, i) => argv[i - 1] === opt);
  const disk = dom.devices.disks[0];
  const nodes = diskBlockdevs(disk, 1, diskSourcePath(disk, 0, ctx));
  assert.deepEqual(nodes.map((n) => JSON.stringify(n)), bodies('-blockdev').slice(0, 2));
  assert.ok(bodies('-device').includes(JSON.stringify(diskDeviceProps(disk, dom, goldenCaps, { nodeIndex: 1, hasMedia: true, bootIndex: 1 }))));
  const nic = dom.devices.interfaces[0];
  assert.deepEqual(bodies('-netdev'), [JSON.stringify(netdevProps(nic, 0, 40))]);
  assert.ok(bodies('-device').includes(JSON.stringify(netDeviceProps(nic, 0, dom, goldenCaps))));
  assert.deepEqual(interfacesWithLinkDown(goldenDomain('net-mtu-linkdown')), ['hostnet0']);
});

test('disk combinations QEMU cannot run are rejected before QEMU sees them', () => {
  assertError(() => buildEdited('disk-sata-q35', (d) => (d.devices.disks[0].readonly = true)), 'config-unsupported', /disk 'sda'.*read-only hard disk/);
  assertError(() => buildEdited('disk-virtio-raw', (d) => (d.devices.disks[0].device = 'cdrom')), 'config-unsupported', /disk 'vda'.*CD-ROM cannot be on the virtio bus/);
  assertError(() => buildEdited('disk-ide-pc', (d) => (d.os.machine = 'q35')), 'config-unsupported', /IDE controller of the i440fx|q35 machine has no IDE bus/);
});

test('maxMemory adds slots and maxmem to -m (the conf layer rejects it for now: needs NUMA)', () => {
  const argv = buildEdited('memory-units', (d) => (d.maxMemory = { size: 16 * 1024 * 1024, slots: 16 }));
  assert.equal(argv[argv.indexOf('-m') + 1], 'size=2097152k,slots=16,maxmem=16777216k');
  assertError(() => buildEdited('memory-units', (d) => (d.maxMemory = { size: 1024, slots: 1 })), 'config-unsupported', /<maxMemory> .* is smaller than <memory>/);
});
