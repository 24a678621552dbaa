// Stock virsh and libvirt-python on node devices through libvirt's protocol, against a
// tsvirtd whose host root is the fake kernel tree (started in this process so the fake
// kernel's hooks run here; virsh connects to its libvirt-sock). virsh's output is compared
// with tsvirt's own CLI for the same state. Only the fake tree is ever detached.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { startDaemon, type Daemon } from '../src/daemon/tsvirtd.js';
import { rootPaths, type InstancePaths } from '../src/daemon/paths.js';
import { run, type RunResult } from '../src/util/spawn.js';
import { sampleHost, type FakeSysfs } from '../src/host/testing/fake-sysfs.js';

const REPO = new URL('../', import.meta.url).pathname;
const quiet = { info: () => {}, warn: () => {} };

let h: FakeSysfs;
let dir: string;
let paths: InstancePaths;
let d: Daemon | undefined;

/** /sys/class/net/<ifname> as the kernel has it (the fake builds only the device's net/ folder) */
function addNetClass(f: FakeSysfs, address: string, ifname: string, mac: string): void {
  const devDir = posix.resolve('/sys/bus/pci/devices', readlinkSync(join(f.dir, 'sys/bus/pci/devices', address)));
  const ifDir = join(f.dir, devDir, 'net', ifname);
  writeFileSync(join(ifDir, 'address'), mac + '\n');
  writeFileSync(join(ifDir, 'operstate'), 'up\n');
  symlinkSync(`../../../${address}`, join(ifDir, 'device'));
  const link = join(f.dir, 'sys/class/net', ifname);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), ifDir), link);
}

before(async () => {
  h = sampleHost();
  addNetClass(h, '0000:00:02.0', 'eth0', '52:54:00:aa:00:01');
  addNetClass(h, '0000:03:00.0', 'enp3s0f0', '52:54:00:aa:00:02');
  dir = mkdtempSync(join(tmpdir(), 'tsvirt-nodedev-virsh-'));
  paths = rootPaths(dir);
  d = await startDaemon(paths, { kvmProbe: false, log: quiet, hostRoot: h.root });
});

after(async () => {
  await d?.close();
  h?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const libvirtUri = (ro = false) => `qemu+unix:///system?socket=${ro ? paths.libvirtRoSocket : paths.libvirtSocket}`;
const virsh = (args: string[], ro = false): Promise<RunResult> =>
  run('virsh', ['-c', libvirtUri(ro), ...(ro ? ['-r'] : []), ...args], { env: { ...process.env, LC_ALL: 'C' }, timeoutMs: 30_000 });
const cli = (args: string[]): Promise<RunResult> =>
  run(join(REPO, 'bin/tsvirt'), ['-c', `qemu+unix:///system?socket=${paths.socket}`, ...args], { timeoutMs: 30_000 });

async function ok(r: Promise<RunResult>, what: string): Promise<string> {
  const x = await r;
  assert.equal(x.code, 0, `${what}: ${x.stderr}${x.stdout}`);
  return x.stdout;
}
const vok = (...args: string[]) => ok(virsh(args), `virsh ${args.join(' ')}`);
const cok = (...args: string[]) => ok(cli(args), `tsvirt ${args.join(' ')}`);

/** virsh fails with `re` on stderr, the fake host stays exactly as it was */
async function vfails(re: RegExp, args: string[], ro = false): Promise<void> {
  const snap = h.snapshot();
  const r = await virsh(args, ro);
  assert.notEqual(r.code, 0, `virsh ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, re);
  assert.deepEqual(h.snapshot(), snap, `virsh ${args.join(' ')} changed the host`);
}

const PCI = ['pci_0000_00_00_0', 'pci_0000_00_02_0', 'pci_0000_00_04_0', 'pci_0000_00_1c_0', 'pci_0000_00_1f_2', 'pci_0000_03_00_0'];

test('nodedev-list (--cap pci|net, --tree) and nodedev-dumpxml read as tsvirt CLI says', async () => {
  const pci = await vok('nodedev-list', '--cap', 'pci');
  assert.deepEqual(pci.trim().split('\n'), PCI);
  assert.equal(pci, await cok('nodedev-list', '--cap', 'pci'));

  const net = await vok('nodedev-list', '--cap', 'net');
  assert.deepEqual(net.trim().split('\n').map((n) => n.replace(/_[0-9a-f_]{17}$/, '')).sort(), ['net_enp3s0f0', 'net_eth0'], net);
  assert.equal(net, await cok('nodedev-list', '--cap', 'net'));
  assert.equal(await vok('nodedev-list', '--cap', 'pci,net'), await cok('nodedev-list', '--cap', 'pci,net'));
  assert.equal(await vok('nodedev-list', '--cap', 'usb_device'), '\n', 'no device has a capability tsvirt does not list');

  const all = await vok('nodedev-list');
  assert.equal(all, await cok('nodedev-list'));
  assert.match(all, /^computer$/m);
  // virsh draws the tree itself from GetParent; tsvirt's CLI draws the same layout
  const tree = await vok('nodedev-list', '--tree');
  assert.equal(tree, await cok('nodedev-list', '--tree'));
  assert.match(tree, /^computer\n  \|\n  \+- pci_0000_00_00_0\n  \+- pci_0000_00_02_0\n  \|   \|\n  \|   \+- net_eth0_52_54_00_aa_00_01\n  \|     \n/);
  assert.match(tree, /\n  \+- pci_0000_00_1c_0\n  \|   \|\n  \|   \+- pci_0000_03_00_0\n  \|       \|\n  \|       \+- net_enp3s0f0_52_54_00_aa_00_02\n/);
  assert.match(tree, /\n  \+- pci_0000_00_1f_2\n    \n\n$/);

  for (const dev of ['pci_0000_03_00_0', 'computer', net.split('\n')[0]]) {
    assert.equal(await vok('nodedev-dumpxml', dev), await cok('nodedev-dumpxml', dev), dev);
  }
  assert.match(await vok('nodedev-dumpxml', 'pci_0000_03_00_0'), /<capability type='virt_functions' maxCount='7'\/>/);
  assert.match(await vok('nodedev-info', 'pci_0000_03_00_0'), /^Name:\s+pci_0000_03_00_0\nParent:\s+pci_0000_00_1c_0\nActive:\s+yes\nPersistent:\s+no\nAutostart:\s+no\n/);
});

test('nodedev-detach, -reset, -reattach move the fake device between drivers; bad input changes nothing', async () => {
  assert.equal(await vok('nodedev-detach', 'pci_0000_00_02_0'), 'Device pci_0000_00_02_0 detached\n\n');
  assert.equal(h.driverOf('0000:00:02.0'), 'vfio-pci');
  assert.match(await vok('nodedev-dumpxml', 'pci_0000_00_02_0'), /<driver>\n\s+<name>vfio-pci<\/name>/);
  assert.equal(await vok('nodedev-reset', 'pci_0000_00_02_0'), 'Device pci_0000_00_02_0 reset\n\n');
  assert.deepEqual(h.resets, ['0000:00:02.0']);
  assert.equal(await vok('nodedev-reattach', 'pci_0000_00_02_0'), 'Device pci_0000_00_02_0 re-attached\n\n');
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');
  // --driver takes the newer call (virNodeDeviceDetachFlags)
  assert.equal(await vok('nodedev-detach', 'pci_0000_00_02_0', '--driver', 'vfio'), 'Device pci_0000_00_02_0 detached\n\n');
  assert.equal(h.driverOf('0000:00:02.0'), 'vfio-pci');
  await vok('nodedev-reattach', 'pci_0000_00_02_0');
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');

  await vfails(/error: Failed to detach device pci_0000_00_02_0\nerror: invalid argument: unsupported driver 'kvm' \(only vfio\)/, ['nodedev-detach', 'pci_0000_00_02_0', '--driver', 'kvm']);
  await vfails(/error: Could not find matching device 'pci_0000_0a_00_0'\nerror: Node device not found: no node device with matching name 'pci_0000_0a_00_0'/, ['nodedev-dumpxml', 'pci_0000_0a_00_0']);
  await vfails(/error: Could not find matching device 'nosuch'/, ['nodedev-detach', 'nosuch']);
  await vfails(/error: Failed to detach device pci_0000_00_1c_0\nerror: .*0000:00:1c.0 is a bridge/, ['nodedev-detach', 'pci_0000_00_1c_0']);
  await vfails(/error: Failed to re-attach device computer\nerror: /, ['nodedev-reattach', 'computer']);
  await vfails(/operation forbidden/, ['nodedev-detach', 'pci_0000_00_02_0'], true);
  // the read-only socket still answers the reads
  assert.deepEqual((await ok(virsh(['nodedev-list', '--cap', 'pci'], true), 'virsh -r nodedev-list')).trim().split('\n'), PCI);
});

test('libvirt-python: the calls Nova makes (lookup, listAllDevices, dettach/reAttach/reset, caps, parent)', async () => {
  const py = `
import libvirt, sys, json, os
c = libvirt.open(sys.argv[1])
drv = lambda: os.path.basename(os.readlink(sys.argv[2])) if os.path.islink(sys.argv[2]) else ''
out = {}
out['pci'] = sorted(d.name() for d in c.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV))
out['net'] = len(c.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET))
out['inactive'] = len(c.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE))
out['numpci'] = c.numOfDevices('pci', 0)
out['listnet'] = len(c.listDevices('net', 0))
d = c.nodeDeviceLookupByName('pci_0000_03_00_0')
out['parent'] = d.parent()
out['caps'] = d.listCaps()
out['ncaps'] = d.numOfCaps()
out['xml'] = '<name>pci_0000_03_00_0</name>' in d.XMLDesc(0)
out['computer_parent'] = c.nodeDeviceLookupByName('computer').parent()
e = c.nodeDeviceLookupByName('pci_0000_00_02_0')
e.dettach(); out['after_dettach'] = drv()
e.reset()
e.reAttach(); out['after_reattach'] = drv()
e.detachFlags('vfio', 0); out['after_detachflags'] = drv()
e.reAttach()
try:
    c.nodeDeviceLookupByName('pci_0000_0a_00_0')
except libvirt.libvirtError as x:
    out['err'] = [x.get_error_code(), x.get_error_domain()]
try:
    c.listAllDevices(1 << 25)
except libvirt.libvirtError as x:
    out['flags_err'] = x.get_error_code()
print(json.dumps(out))
`;
  const driverLink = join(h.dir, 'sys/bus/pci/devices/0000:00:02.0/driver');
  const r = await run('/usr/bin/python3', ['-c', py, libvirtUri(), driverLink], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.deepEqual(o.pci, PCI);
  assert.equal(o.net, 2);
  assert.equal(o.inactive, 0, 'every listed device is active');
  assert.equal(o.numpci, 6);
  assert.equal(o.listnet, 2);
  assert.equal(o.parent, 'pci_0000_00_1c_0');
  assert.deepEqual(o.caps, ['pci']);
  assert.equal(o.ncaps, 1);
  assert.equal(o.xml, true);
  assert.equal(o.computer_parent, null);
  assert.equal(o.after_dettach, 'vfio-pci');
  assert.deepEqual(h.resets.slice(-1), ['0000:00:02.0']);
  assert.equal(o.after_reattach, 'e1000e');
  assert.equal(o.after_detachflags, 'vfio-pci');
  assert.equal(h.driverOf('0000:00:02.0'), 'e1000e');
  assert.deepEqual(o.err, [53, 22], 'VIR_ERR_NO_NODE_DEVICE from VIR_FROM_NODEDEV');
  assert.equal(o.flags_err, 8, 'VIR_ERR_INVALID_ARG');
  // the daemon answered every error without dropping anyone
  assert.match(await vok('nodedev-list', '--cap', 'pci'), /pci_0000_03_00_0/);
});
