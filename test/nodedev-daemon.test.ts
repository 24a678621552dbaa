// nodedev-* through the real CLI and API against a tsvirtd whose host root is the fake
// kernel tree (started in this process so the fake kernel's hooks run here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDaemon, type Daemon } from '../src/daemon/tsvirtd.js';
import { rootPaths } from '../src/daemon/paths.js';
import { run } from '../src/util/spawn.js';
import { sampleHost } from '../src/host/testing/fake-sysfs.js';
import { Client } from '../src/client/client.js';

const REPO = new URL('../', import.meta.url).pathname;
const quiet = { info: () => {}, warn: () => {} };
const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;

test('nodedev commands on a fake host', { timeout: 120_000 }, async (t) => {
  const h = sampleHost();
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-nodedev-'));
  const paths = rootPaths(dir);
  let d: Daemon | undefined = await startDaemon(paths, { kvmProbe: false, log: quiet, hostRoot: h.root });
  t.after(async () => {
    await d?.close();
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = `qemu+unix:///system?socket=${paths.socket}`;
  const cli = (...args: string[]) => run(join(REPO, 'bin/tsvirt'), ['-c', uri, ...args], { timeoutMs: 60_000 });
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout.replace(/\n\n$/, '\n'); // the blank line virsh prints after each command
  };
  const fails = async (re: RegExp, ...args: string[]) => {
    const before = h.snapshot();
    const r = await cli(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(h.snapshot(), before, `${args.join(' ')} changed the host`);
  };
  const c = new Client({ uri });
  /** the API call fails with `re` and the host tree stays as it was */
  const refused = async (re: RegExp, call: () => Promise<unknown>) => {
    const before = h.snapshot();
    await assert.rejects(call, (e: unknown) => re.test((e as Error).message));
    assert.deepEqual(h.snapshot(), before);
  };
  const validate = (name: string, xml: string) => {
    if (!hasValidator) return;
    const f = join(dir, name);
    writeFileSync(f, xml);
    const v = spawnSync('virt-xml-validate', [f, 'nodedev'], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr + v.stdout + xml);
  };

  // the Ethernet devices with full addresses, like lspci -D | grep -i ethernet
  assert.equal(await ok('nodedev-list', '--cap', 'pci', '--class', 'ethernet'),
    '0000:00:02.0 Ethernet controller: Intel Corporation 82574L Gigabit Network Connection [driver e1000e]\n' +
    '0000:03:00.0 Ethernet controller: Intel Corporation 82576 Gigabit Network Connection [driver igb]\n');
  const names = (await ok('nodedev-list', '--cap', 'pci')).trim().split('\n');
  assert.deepEqual(names, ['pci_0000_00_00_0', 'pci_0000_00_02_0', 'pci_0000_00_04_0', 'pci_0000_00_1c_0', 'pci_0000_00_1f_2', 'pci_0000_03_00_0']);
  assert.match(await ok('nodedev-list', '--tree'), /^computer\n(.*\n)*  \+- pci_0000_00_1c_0\n  \|   \|\n  \|   \+- pci_0000_03_00_0\n/m);

  const pfXml = await ok('nodedev-dumpxml', 'pci_0000_03_00_0');
  assert.match(pfXml, /<product id='0x10c9'>82576 Gigabit Network Connection<\/product>/);
  assert.match(pfXml, /<capability type='virt_functions' maxCount='7'\/>/);
  assert.match(pfXml, /<iommuGroup number='2'>/);
  assert.match(pfXml, /<link validity='cap' port='0' speed='2.5' width='4'\/>/);
  validate('pf.xml', pfXml);
  validate('bridge.xml', await ok('nodedev-dumpxml', '0000:00:1c.0'));

  // SR-IOV, persistent
  assert.equal(await ok('nodedev-sriov', 'pci_0000_03_00_0', '--num-vfs', '2', '--persistent'),
    'Device pci_0000_03_00_0 has 2 virtual functions\n0000:03:10.0\n0000:03:10.2\n');
  assert.deepEqual(JSON.parse(readFileSync(join(paths.configDir, 'nodedev/sriov.json'), 'utf8')), { '0000:03:00.0': 2 });
  const vfXml = await ok('nodedev-dumpxml', 'pci_0000_03_10_2');
  assert.match(vfXml, /<capability type='phys_function'>\n\s+<address domain='0x0000' bus='0x03' slot='0x00' function='0x0'\/>/);
  validate('vf.xml', vfXml);

  // bad input: a clear error and the host unchanged
  await fails(/supports at most 7 VFs/, 'nodedev-sriov', 'pci_0000_03_00_0', '--num-vfs', '8');
  await fails(/0000:00:1c.0 is a bridge/, 'nodedev-detach', 'pci_0000_00_1c_0');
  await refused(/no PCI device at 0000:09:00.0/, () => c.call('nodedev.setSriov', { name: '0000:09:00.0', numVfs: 1 }));
  await refused(/0000:00:02.0 is not an SR-IOV physical function/, () => c.call('nodedev.setSriov', { name: 'pci_0000_00_02_0', numVfs: 2 }));
  await refused(/no PCI device at 0000:0a:00.0/, () => c.call('nodedev.getXml', { name: 'pci_0000_0a_00_0' }));
  await refused(/no PCI device at 0000:0a:00.0/, () => c.call('nodedev.detach', { name: '0000:0a:00.0' }));
  await refused(/unknown capability 'usb'/, () => c.call('nodedev.list', { cap: 'usb' }));

  // detach, reset and reattach
  assert.equal(await ok('nodedev-detach', 'pci_0000_00_02_0'), 'Device pci_0000_00_02_0 detached\n');
  assert.equal(h.driverOf('0000:00:02.0'), 'vfio-pci');
  await c.call('nodedev.reset', { name: '0000:00:02.0' });
  assert.deepEqual(h.resets, ['0000:00:02.0']);
  assert.equal(await ok('nodedev-reattach', 'pci_0000_00_02_0'), 'Device pci_0000_00_02_0 re-attached\n');
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');

  // the VFs go away (host reboot); a restarted tsvirtd creates them again
  await d.close();
  d = undefined;
  await h.root.write('/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs', '0');
  d = await startDaemon(paths, { kvmProbe: false, log: quiet, hostRoot: h.root });
  assert.equal(h.driverOf('0000:03:10.2'), 'igbvf');
  const { devices } = await c.call('nodedev.list', { class: '0x0200' });
  assert.deepEqual(devices.map((x) => x.address), ['0000:00:02.0', '0000:03:00.0', '0000:03:10.0', '0000:03:10.2']);
  // what the UI shows beside each device: IOMMU group, viability with its blockers, SR-IOV counts
  const pf = devices.find((x) => x.address === '0000:03:00.0')!;
  assert.equal(pf.iommuGroup, 2);
  assert.equal(pf.groupViable, true);
  assert.equal(pf.totalVfs, 7);
  assert.equal(pf.numVfs, 2);
  assert.equal(devices.find((x) => x.address === '0000:03:10.0')!.physfn, '0000:03:00.0');
  const all = (await c.call('nodedev.list', { cap: 'pci' })).devices;
  const nvme = all.find((x) => x.address === '0000:00:04.0')!;
  assert.equal(nvme.groupViable, false, 'nvme shares group 4 with the ahci controller');
  assert.deepEqual(nvme.groupBlockers, [{ address: '0000:00:1f.2', driver: 'ahci' }]);
  assert.equal(all.find((x) => x.address === '0000:00:1c.0')!.bridge, true);
});
