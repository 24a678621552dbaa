// libvirt-python 9.0 (Debian's python3-libvirt, run with /usr/bin/python3) drives tsvirtd
// through OpenStack Nova's libvirt-driver cycle on the TCG test guest: host facts, define,
// start, look-ups, XML, state and info, a disk attached and detached live and in the
// definition, stats, pause, soft and hard power off, undefine, and lifecycle events in the
// script's own event loop. tsvirtd runs in a network namespace with a network of its own,
// whose bridge the guest's NIC uses (type='bridge', as Nova's linuxbridge VIFs): a real
// tap, and DHCP traffic on it. Node
// devices come from a second tsvirtd, in this process, on a fake kernel tree, whose PCI
// device the script detaches and reattaches. At the script's checkpoints tsvirt's own CLI
// must show the same state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { startDaemon, type Daemon } from '../../src/daemon/tsvirtd.js';
import { rootPaths, type InstancePaths } from '../../src/daemon/paths.js';
import { sampleHost, type FakeSysfs } from '../../src/host/testing/fake-sysfs.js';
import { run } from '../../src/util/spawn.js';
import { REPO, TEST_CACHE, startTestDaemon, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, type TestGuest } from './guest.js';

const NS = `tsvt-nova-${process.pid}`;
const BRIDGE = 'tsvnova0';
const PCI = '0000:00:02.0'; // the fake tree's e1000e, alone in its IOMMU group
const PCI_NAME = 'pci_0000_00_02_0';

let guest: TestGuest;
let d: TestDaemon | undefined;
let h: FakeSysfs | undefined;
let hostDir: string;
let hostPaths: InstancePaths;
let hostDaemon: Daemon | undefined;

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
  // the bridge with a DHCP server on it, as Neutron's linuxbridge agent and dnsmasq give Nova
  const net = path.join(d.root, 'novanet.xml');
  writeFileSync(net, `<network><name>novanet</name><bridge name='${BRIDGE}'/><ip address='10.79.5.1' netmask='255.255.255.0'><dhcp><range start='10.79.5.100' end='10.79.5.150'/></dhcp></ip></network>`);
  await ok(['net-create', net]);
  // the fake kernel tree's driver hooks run in the process that writes to it: this one
  h = sampleHost();
  hostDir = mkdtempSync(path.join(tmpdir(), 'tsvirt-nova-host-'));
  hostPaths = { ...rootPaths(hostDir), cacheDir: TEST_CACHE };
  hostDaemon = await startDaemon(hostPaths, { kvmProbe: false, log: { info: () => {}, warn: () => {} }, hostRoot: h.root });
});

after(async () => {
  await d?.stop();
  await removeNetns(NS);
  await hostDaemon?.close();
  h?.cleanup();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

async function ok(args: string[], socket = d!.socket): Promise<string> {
  const r = await run(path.join(REPO, 'bin/tsvirt'), ['-c', `qemu+unix:///system?socket=${socket}`, ...args], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const cli = (...args: string[]) => ok(args);

/** "Label:   value" lines of virsh-style info output */
function fields(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
}

interface Step { step: string; ok: boolean; value?: any; error?: string; code?: number | null }

test("Nova's libvirt-driver cycle through libvirt-python", { timeout: 150_000 }, async (t) => {
  const dir = d!.root;
  const vda = path.join(dir, 'vda.img');
  const vdb = path.join(dir, 'vdb.img');
  writeFileSync(vda, Buffer.alloc(4 << 20));
  writeFileSync(vdb, Buffer.alloc(4 << 20));
  const consoleLog = path.join(dir, 'nova1.console.log');
  const xml = path.join(dir, 'nova1.xml');
  writeFileSync(xml, minimalDomainXml({
    name: 'nova1', ...guest, consoleLog, cmdline: guestCmdline('tsvirt.watch=1 tsvirt.dhcp=1'),
    extraDevices: `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${vda}'/><target dev='vda' bus='virtio'/></disk>
<interface type='bridge'><mac address='52:54:00:4e:6f:01'/><source bridge='${BRIDGE}'/><model type='virtio'/></interface>`,
  }));
  const uri = d!.libvirtUri;
  const py = spawn('/usr/bin/python3', [
    path.join(REPO, 'test/e2e/libvirt-python/nova_cycle.py'), '--sync', '--uri', uri, '--xml', xml,
    '--console-log', consoleLog, '--disk', vdb, '--nodedev', PCI_NAME,
    '--nodedev-uri', `qemu+unix:///system?socket=${hostPaths.libvirtSocket}`,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  py.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => py.once('exit', r));
  const steps = new Map<string, Step>();
  const got = (name: string): Step => {
    const s = steps.get(name);
    assert.ok(s, `step '${name}' did not run; stderr: ${stderr}`);
    return s;
  };
  const value = (name: string): any => {
    const s = got(name);
    assert.ok(s.ok, `${name}: ${s.error} (code ${s.code})`);
    return s.value;
  };
  const disks = async (...opts: string[]) => (await cli('domblklist', 'nova1', ...opts)).split('\n').slice(2).map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);

  try {
    // checkpoints: the script waits while tsvirt's CLI looks at the same state
    for await (const line of readline.createInterface({ input: py.stdout })) {
      const s = JSON.parse(line) as Step;
      if (s.step !== 'checkpoint') {
        steps.set(s.step, s);
        continue;
      }
      if (s.value === 'running') {
        assert.equal((await cli('dumpxml', 'nova1')).trim(), value('XMLDesc(text)').trim(), 'XMLDesc = tsvirt dumpxml');
        assert.equal((await cli('domstate', '--reason', 'nova1')).trim(), 'running (booted)');
        const info = fields(await cli('dominfo', 'nova1'));
        const [, maxMem, mem, vcpus] = value('info');
        assert.equal(info['Id'], value('XMLDesc')[0]);
        assert.equal(info['UUID'], value('lookupByName'));
        assert.deepEqual([info['Max memory'], info['Used memory'], info['CPU(s)']], [`${maxMem} KiB`, `${mem} KiB`, String(vcpus)]);
      } else if (s.value === 'attached') {
        if (got('attachDeviceFlags').ok) {
          assert.deepEqual(await disks(), ['vda', 'vdb']);
          assert.deepEqual(await disks('--inactive'), ['vda', 'vdb']);
        }
      } else if (s.value === 'detached') {
        assert.deepEqual(await disks(), ['vda']);
        assert.deepEqual(await disks('--inactive'), ['vda']);
      } else if (s.value === 'paused') {
        assert.equal((await cli('domstate', '--reason', 'nova1')).trim(), 'paused (user)');
      } else if (s.value === `dettached ${PCI_NAME}`) {
        assert.equal(h!.driverOf(PCI), 'vfio-pci');
        assert.match(await ok(['nodedev-dumpxml', PCI_NAME], hostPaths.socket), /<driver>\s*<name>vfio-pci<\/name>/);
      }
      py.stdin.write('\n');
    }
    assert.equal(await exited, 0, stderr);
    // every failed step at once, for whoever reads a failure below
    const meantToFail = new Set(['lookupByName(undefined)', 'nodeDeviceLookupByName(missing)']);
    for (const s of steps.values()) if (!s.ok && !meantToFail.has(s.step)) t.diagnostic(`step '${s.step}' failed: ${s.error} (code ${s.code})`);
    assert.equal(got('done').ok, true);

    // host facts, as tsvirt's CLI has them
    assert.equal(value('openAuth'), uri);
    assert.equal(typeof value('domainEventRegisterAny'), 'number');
    assert.equal(value('getCapabilities'), 'x86_64');
    assert.match(await cli('capabilities'), /<arch>x86_64<\/arch>/);
    const hv = /Running hypervisor: QEMU (\d+)\.(\d+)\.(\d+)/.exec(await cli('version'))!;
    assert.equal(value('getVersion'), Number(hv[1]) * 1e6 + Number(hv[2]) * 1e3 + Number(hv[3]));
    assert.equal(value('getLibVersion'), 9000000, "libvirt 9.0's API");
    assert.equal(value('getHostname'), (await cli('hostname')).trim());
    const node = fields(await cli('nodeinfo'));
    const [model, memMiB, cpus] = value('getInfo');
    assert.deepEqual([model, cpus, memMiB], [node['CPU model'], Number(node['CPU(s)']), Math.floor(parseInt(node['Memory size'], 10) / 1024)]);
    assert.deepEqual(value('listAllDomains'), []);

    // define, start and read back
    assert.equal(value('lookupByUUIDString'), 'nova1');
    assert.match(value('lookupByName'), /^[0-9a-f-]{36}$/);
    assert.equal(value('isActive(defined)'), 0);
    assert.equal(value('createWithFlags'), 0);
    assert.equal(value('isActive'), 1);
    assert.deepEqual(value('state'), [1, 1], 'running, booted');
    const [st, maxMem, mem, vcpus, cpuTime] = value('info');
    assert.deepEqual([st, maxMem, mem, vcpus], [1, 96 * 1024, 96 * 1024, 1]);
    assert.ok(cpuTime > 0);
    assert.deepEqual(value('XMLDesc')[1], ['vda']);
    assert.match(value('XMLDesc')[0], /^\d+$/);

    // the disk, live and in the definition; the guest saw it come and go
    assert.equal(value('attachDeviceFlags'), 0);
    assert.deepEqual(value('attached: live and config disks'), [['vda', 'vdb'], ['vda', 'vdb']]);
    value('guest sees vdb');
    assert.equal(value('detachDeviceFlags'), 0);
    assert.equal(value('event DeviceRemoved'), 'virtio-disk1', "DEVICE_REMOVED with the disk's alias");
    assert.deepEqual(value('detached: live and config disks'), [['vda'], ['vda']]);
    value('guest lost vdb');

    // stats: (rd_req, rd_bytes, wr_req, wr_bytes, errs); the guest read vda's partition table
    const blk = value('blockStats');
    assert.equal(blk.length, 5);
    assert.ok(blk[0] > 0 && blk[1] > 0, `vda was read: ${blk}`);
    assert.equal(value('blockStats(vdb)').length, 5);
    // (rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop), the
    // guest's view; its DHCP requests went out, so the tap received them
    const nic = value('interfaceStats');
    assert.equal(nic.length, 8);
    assert.ok(nic[4] > 0 && nic[5] > 0, `the guest sent packets: ${nic}`);
    const memStats = value('memoryStats');
    assert.equal(memStats.actual, 96 * 1024, `balloon size: ${JSON.stringify(memStats)}`);
    const [vcpuInfo, vcpuMap] = value('vcpus');
    assert.equal(vcpuInfo.length, 1);
    assert.deepEqual(vcpuInfo[0].slice(0, 2), [0, 1], 'vcpu 0 running');
    assert.equal(vcpuMap.length, 1);

    // pause, soft and hard power off, undefine
    assert.equal(value('suspend'), 0);
    assert.deepEqual(value('state(paused)'), [3, 1], 'paused, user');
    assert.equal(value('resume'), 0);
    assert.equal(value('shutdownFlags'), 0);
    assert.deepEqual(value('state(shut off)'), [5, 1], 'shut off, shutdown');
    assert.equal(value('destroyFlags'), 0);
    assert.equal(value('isActive(destroyed)'), 0);
    assert.equal(value('undefineFlags'), 0);
    assert.deepEqual([got('lookupByName(undefined)').code, got('lookupByName(undefined)').error], [42, "Domain not found: no domain with matching name 'nova1'"]);

    // each lifecycle event once, in order, with libvirt's numbers (event, detail); the one
    // device-removed came between start and suspend (after the detach)
    assert.deepEqual(value('events'), [
      ['nova1', 'Defined', 0], ['nova1', 'Started', 0], ['nova1', 'DeviceRemoved', 'virtio-disk1'], ['nova1', 'Suspended', 0], ['nova1', 'Resumed', 0],
      ['nova1', 'Shutdown', 0], ['nova1', 'Stopped', 0], ['nova1', 'Started', 0], ['nova1', 'Stopped', 1], ['nova1', 'Undefined', 0],
    ]);
    assert.equal(value('domainEventDeregisterAny'), null);
    assert.equal(value('domainEventDeregisterAny(device-removed)'), null);

    // node devices: the list tsvirt has, a missing one, a PCI device detached and given back
    const names = (await ok(['nodedev-list'], hostPaths.socket)).split('\n').filter(Boolean).sort();
    assert.deepEqual(value('listAllDevices'), names);
    const missing = got('nodeDeviceLookupByName(missing)');
    assert.equal(missing.code, 53, `VIR_ERR_NO_NODE_DEVICE: ${missing.error}`);
    assert.match(missing.error!, /pci_0000_7f_1f_7/);
    assert.equal(value(`dettach(${PCI_NAME})`), 0);
    assert.equal(value(`reAttach(${PCI_NAME})`), 0);
    assert.equal(h!.driverOf(PCI), 'e1000e', 'back on its host driver');
    assert.equal(typeof value('close'), 'number');
  } finally {
    py.kill('SIGKILL');
  }
});
