// <vcpupin>/<emulatorpin> become thread affinity of a real (paused) QEMU under TCG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { buildQemuArgv } from './argv.js';
import { launchQemu, spawned, killPid, waitForExit } from './qemu-process.js';
import { QmpMonitor } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import { applyCpuPinning, hostOnlineCpus } from './cpu-pinning.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';

const QEMU = '/usr/bin/qemu-system-x86_64';
const allowed = async (tid: number) => (await fs.readFile(`/proc/${tid}/status`, 'utf8')).match(/^Cpus_allowed_list:\s*(\S+)/m)![1];

test('vcpupin and emulatorpin set the affinity of the vCPU and emulator threads', async (t) => {
  const cpus = await hostOnlineCpus();
  const haveQemu = await fs.access(QEMU).then(() => true, () => false);
  if (!haveQemu || cpus.length < 2 || !cpus.includes(1)) return t.skip('needs qemu-system-x86_64 and two host CPUs');
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-pin-'));
  const xml = `<domain type='qemu'><name>pin</name><uuid>c0ffee00-0000-4000-8000-000000000510</uuid><memory unit='MiB'>64</memory>
    <vcpu placement='static'>2</vcpu><cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='0-1'/><emulatorpin cpuset='0'/></cputune>
    <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><memballoon model='none'/></devices></domain>`;
  const dom = parseAndPrepareDomain(xml, { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: QEMU, canonicalMachines: { pc: 'pc-i440fx-7.2' } });
  const ctx = { ...BASE_CTX, monitorPath: join(dir, 'mon.sock'), pidfilePath: join(dir, 'qemu.pid'), logDir: dir, channelDir: dir };
  const child = launchQemu(QEMU, buildQemuArgv(dom, goldenCaps, ctx), join(dir, 'qemu.log'));
  const pid = await spawned(child);
  let mon: QmpMonitor | undefined;
  try {
    mon = await QmpMonitor.connect(ctx.monitorPath, { timeoutMs: 10_000, retryUntilMs: 10_000 });
    await applyCpuPinning(mon, dom, pid);
    const threads = await qmp.queryCpusFast(mon);
    const byIndex = new Map(threads.map((c) => [c['cpu-index'], c['thread-id']]));
    assert.equal(await allowed(pid), '0', 'emulator thread on the emulatorpin set');
    assert.equal(await allowed(byIndex.get(0)!), '1', 'vCPU 0 on its vcpupin set');
    assert.equal(await allowed(byIndex.get(1)!), '0-1', 'vCPU 1 on its vcpupin set');
  } finally {
    mon?.close();
    killPid(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
    await fs.rm(dir, { recursive: true, force: true });
  }
});
