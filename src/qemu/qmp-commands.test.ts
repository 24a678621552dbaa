// The typed QMP commands against one real paused QEMU (pc machine, TCG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { QmpMonitor, QmpError, type QmpEvent } from './qmp-monitor.js';
import * as qmp from './qmp-commands.js';
import { startTestQemu } from './qemu-test-support.js';

const MiB = 1024 * 1024;

test('typed QMP commands against a real QEMU', async (t) => {
  const q = await startTestQemu((dir) => [
    '-machine', 'pc', '-m', '64', '-smp', '1',
    '-vnc', `unix:${join(dir, 'vnc.sock')},password=on`,
    '-chardev', `socket,id=ch0,path=${join(dir, 'ch0.sock')},server=on,wait=off`,
    '-device', 'virtio-balloon-pci,id=balloon0',
  ]);
  t.after(() => q.cleanup());
  const mon = await QmpMonitor.connect(q.qmpPath, { retryUntilMs: 5000 });
  t.after(() => mon.close());
  const events: QmpEvent[] = [];
  mon.on('event', (e: QmpEvent) => events.push(e));

  await t.test('version, status, kvm, cpus', async () => {
    const v = await qmp.queryVersion(mon);
    assert.deepEqual(v.qemu, mon.qemuVersion);
    assert.equal((await qmp.queryStatus(mon)).status, 'prelaunch');
    assert.deepEqual(await qmp.queryKvm(mon), { enabled: false, present: true });
    const cpus = await qmp.queryCpusFast(mon);
    assert.equal(cpus.length, 1);
    assert.equal(cpus[0]['cpu-index'], 0);
    assert.equal(cpus[0].target, 'x86_64');
    assert.equal((await qmp.queryTarget(mon)).arch, 'x86_64');
  });

  await t.test('chardevs and VNC', async () => {
    const chardevs = await qmp.queryChardev(mon);
    const ch0 = chardevs.find((c) => c.label === 'ch0');
    assert.ok(ch0, JSON.stringify(chardevs));
    assert.ok(ch0.filename.includes(join(q.dir, 'ch0.sock')), ch0.filename);
    const vnc = await qmp.queryVnc(mon);
    assert.equal(vnc.enabled, true);
    assert.equal(vnc.family, 'unix');
    await qmp.setVncPassword(mon, 'secret');
    await qmp.sendKey(mon, ['ctrl', 'alt', 'delete']);
    await qmp.sendKey(mon, [0x1c], 50);
    await assert.rejects(qmp.sendKey(mon, ['no-such-key']), QmpError);
  });

  await t.test('human monitor command', async () => {
    assert.match(await qmp.humanMonitorCommand(mon, 'info version'), /^7\.\d+\.\d+/);
  });

  await t.test('balloon', async () => {
    assert.deepEqual(await qmp.queryBalloon(mon), { actual: 64 * MiB });
    await qmp.balloon(mon, 32 * MiB);
  });

  await t.test('netdev and NIC hot-plug, link state', async () => {
    await qmp.netdevAdd(mon, { type: 'hubport', id: 'n0', hubid: 0 });
    await qmp.deviceAdd(mon, { driver: 'e1000', id: 'nic0', netdev: 'n0', mac: '52:54:00:12:34:56' });
    assert.equal(await qmp.qomGet(mon, '/machine/peripheral/nic0', 'mac'), '52:54:00:12:34:56');
    await qmp.setLink(mon, 'nic0', false);
    await qmp.setLink(mon, 'nic0', true);
    await assert.rejects(qmp.setLink(mon, 'no-such-nic', false), /QEMU: .*no-such-nic/);
    assert.match(await qmp.humanMonitorCommand(mon, 'info network'), /nic0: .*macaddr=52:54:00:12:34:56/);
    await assert.rejects(qmp.deviceAdd(mon, { driver: 'e1000', id: 'nic0', netdev: 'n0' }), /QEMU: /);
    await qmp.netdevAdd(mon, { type: 'hubport', id: 'n1', hubid: 1 });
    await qmp.netdevDel(mon, 'n1');
    await assert.rejects(qmp.netdevDel(mon, 'n1'), (e: unknown) => e instanceof TsvirtError && /n1/.test(e.message));
    // a paused guest cannot acknowledge the unplug; the request itself must be accepted
    await qmp.deviceDel(mon, 'nic0');
  });

  await t.test('block nodes', async () => {
    await qmp.blockdevAdd(mon, { driver: 'null-co', 'node-name': 'null0', size: MiB });
    await assert.rejects(qmp.blockdevAdd(mon, { driver: 'null-co', 'node-name': 'null0' }), /QEMU: .*null0/);
    await qmp.blockdevDel(mon, 'null0');
    await assert.rejects(qmp.blockdevDel(mon, 'null0'), /QEMU: .*null0/);
  });

  await t.test('qom types, machines, cpu models', async () => {
    const types = await qmp.qomListTypes(mon, { implements: 'pci-device', abstract: false });
    assert.ok(types.some((x) => x.name === 'e1000'));
    assert.ok(!types.some((x) => x.abstract));
    const machines = await qmp.queryMachines(mon);
    assert.ok(machines.some((m) => m.alias === 'q35'));
    const cpus = await qmp.queryCpuDefinitions(mon);
    assert.ok(cpus.some((c) => c.name === 'qemu64'));
  });

  await t.test('run state: cont, stop, reset, powerdown, quit', async () => {
    await qmp.cont(mon);
    assert.equal((await qmp.queryStatus(mon)).running, true);
    await qmp.stop(mon);
    assert.equal((await qmp.queryStatus(mon)).status, 'paused');
    await qmp.systemReset(mon);
    await qmp.systemPowerdown(mon);
    const names = events.map((e) => e.event);
    for (const n of ['RESUME', 'STOP', 'RESET', 'POWERDOWN']) assert.ok(names.includes(n), `${n} in ${names}`);
    const closed = new Promise<void>((r) => mon.once('close', () => r()));
    await qmp.quit(mon);
    await closed;
    const exit = await q.exited;
    assert.equal(exit.code, 0);
  });
});
