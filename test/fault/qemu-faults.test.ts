// QEMU failing under tsvirtd: killed with SIGKILL (the domain is shut off (crashed) at once, an
// event goes out, its tap goes away, its NVRAM is left as it was) and hung with SIGSTOP (a QMP
// query times out with a clear error, other domains' calls are not held up, destroy still
// ends it). Runs in a network namespace this file creates and removes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '../../src/client/client.js';
import type { TsvirtEvent } from '../../src/protocol/types.js';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from '../e2e/daemon.js';
import { addNetns, removeNetns } from '../e2e/netns.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, GUEST_READY, type TestGuest } from '../e2e/guest.js';
import { recordFigures } from './figures.js';

const NS = `tsvt-qf-${process.pid}`;
let d: TestDaemon;
let c: Client;
let guest: TestGuest;
const events: Array<{ at: number; ev: TsvirtEvent }> = [];
let closeEvents: (() => void) | undefined;

async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function qemuPid(name: string): number {
  const status = readFileSync(path.join(d.root, 'run/tsvirt/qemu', `${name}.xml`), 'utf8');
  return Number(/pid='(\d+)'/.exec(status)![1]);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const links = async () => (await run('ip', ['netns', 'exec', NS, 'ip', '-o', 'link'])).stdout;

async function defineGuest(name: string, extra = '', os = ''): Promise<void> {
  let xml = minimalDomainXml({
    name, ...guest, cmdline: guestCmdline('tsvirt.shell=0'),
    extraDevices: `<interface type='network'><source network='qf'/><model type='virtio'/></interface>${extra}`,
  });
  if (os) xml = xml.replace("<os>", `<os ${os}>`);
  const f = path.join(d.root, `${name}.xml`);
  writeFileSync(f, xml);
  await ok(['define', f]);
}

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
  const nf = path.join(d.root, 'qf.xml');
  writeFileSync(nf, `<network><name>qf</name><bridge name='tsvqf0'/><ip address='10.81.0.1' netmask='255.255.255.0'/></network>\n`);
  await ok(['net-define', nf]);
  await ok(['net-start', 'qf']);
  c = new Client({ uri: d.uri });
  closeEvents = (await c.events((ev) => events.push({ at: performance.now(), ev }))).close;
});

after(async () => {
  closeEvents?.();
  c?.close();
  await d?.stop();
  await removeNetns(NS);
});

test('QEMU killed with SIGKILL: shut off (crashed) within 100 ms with an event, its tap removed, its NVRAM untouched', async () => {
  // UEFI, started paused: the firmware writes no variable, so the NVRAM must be byte for byte as it was
  await defineGuest('qk', '', "firmware='efi'");
  await ok(['start', 'qk', '--paused']);
  const tap = /<target dev='(vnet\d+)'/.exec(await ok(['dumpxml', 'qk']))![1];
  assert.match(await links(), new RegExp(`: ${tap}[:@]`));
  const nvram = /<nvram[^>]*>([^<]+)<\/nvram>/.exec(await ok(['dumpxml', 'qk']))![1];
  const before = sha(nvram);
  const pid = qemuPid('qk');
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  let stopped: { at: number; ev: TsvirtEvent } | undefined;
  while (!stopped && Date.now() < deadline) {
    stopped = events.find((e) => e.ev.type === 'lifecycle' && e.ev.domain.name === 'qk' && e.ev.event === 'stopped');
    if (!stopped) await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(stopped, 'a stopped lifecycle event arrives');
  const ms = stopped.at - t0;
  assert.equal((await ok(['domstate', 'qk', '--reason'])).trim(), 'shut off (crashed)');
  assert.ok(ms <= 100, `the event came ${ms.toFixed(1)} ms after the kill (goal: 100 ms)`);
  assert.equal((stopped.ev as { detail?: string }).detail, 'failed');
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    gone = !new RegExp(`: ${tap}[:@]`).test(await links());
    if (!gone) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(gone, `tap ${tap} is removed`);
  assert.ok(existsSync(nvram), 'the NVRAM file stays');
  assert.equal(sha(nvram), before, 'the NVRAM is not rewritten or reset');
  // and it starts again, from the same NVRAM
  await ok(['start', 'qk', '--paused']);
  await ok(['destroy', 'qk']);
  recordFigures('qemu-kill', { eventAfterKillMs: Math.round(ms * 10) / 10, tapRemoved: 1, nvramUnchanged: 1 });
});

test('a hung QEMU (SIGSTOP): its stats time out with a clear error, other domains are answered at once, destroy ends it', async () => {
  await defineGuest('qh');
  await defineGuest('qo');
  await ok(['start', 'qh']);
  await ok(['start', 'qo']);
  await waitForText(path.join(d.root, 'var/log/tsvirt/qemu/qh/serial0.log'), GUEST_READY, 60_000);
  const pid = qemuPid('qh');
  process.kill(pid, 'SIGSTOP');
  try {
    const t0 = performance.now();
    const hung = c.call('domain.memoryStats', { domain: 'qh' }).then(() => 'answered', (e: Error) => e.message);
    // while qh's query waits, the other domain's calls go through
    const other: number[] = [];
    for (const call of [() => c.call('domain.suspend', { domain: 'qo' }), () => c.call('domain.resume', { domain: 'qo' }),
      () => c.call('domain.memoryStats', { domain: 'qo' }), () => c.call('domain.getAllStats', { domains: ['qo'] })]) {
      const s = performance.now();
      await call();
      other.push(performance.now() - s);
    }
    const msg = await hung;
    const timeoutMs = performance.now() - t0;
    assert.match(msg, /QEMU: no answer to '(query-balloon|qom-get)' within 2000 ms/);
    assert.ok(Math.max(...other) < 1000, `other domain's calls took ${other.map((x) => x.toFixed(0)).join(', ')} ms`);
    // a bulk call over every domain is held up by the hung one for the stats timeout at most
    const b0 = performance.now();
    const { records } = await c.call('domain.getAllStats', {});
    const bulkMs = performance.now() - b0;
    assert.ok(bulkMs < 5000, `all-domain stats took ${bulkMs.toFixed(0)} ms with a hung QEMU`);
    assert.equal(records.find((r) => r.name === 'qo')?.stats['state.state'], 1);
    const d0 = performance.now();
    await ok(['destroy', 'qh']);
    const destroyMs = performance.now() - d0;
    assert.ok(!alive(pid), 'the hung QEMU is gone');
    assert.equal((await ok(['domstate', 'qh', '--reason'])).trim(), 'shut off (destroyed)');
    assert.ok(destroyMs < 15_000, `destroy took ${destroyMs.toFixed(0)} ms (libvirt's grace: 15 s)`);
    recordFigures('qemu-hang', {
      qmpTimeoutMs: Math.round(timeoutMs), otherDomainMaxMs: Math.round(Math.max(...other)), bulkStatsMs: Math.round(bulkMs), destroyMs: Math.round(destroyMs),
    });
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGCONT');
    await ok(['destroy', 'qo']);
  }
});
