// End to end: what tsvirtd writes about a guest's life. The daemon's log names the domain on
// every start, stop and crash (domain=NAME) and says when SIGTERM stops it; each domain has
// its QEMU log as libvirt's /var/log/libvirt/qemu/NAME.log: start time, environment and
// command line, QEMU's own output, and a "shutting down, reason=..." line per stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, minimalDomainXml, type TestGuest } from './guest.js';

let d: TestDaemon;
let guest: TestGuest;
before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
}

test('the daemon log names the domain on start, stop and crash; the QEMU log is libvirt\'s; SIGTERM is logged', async () => {
  const name = 'log one';
  const file = path.join(d.root, 'log1.xml');
  writeFileSync(file, minimalDomainXml({ name, ...guest }));
  await ok(['define', file]);
  await ok(['start', name]);
  await ok(['destroy', name]);
  await ok(['start', name]);
  const pid = Number(/pid='(\d+)'/.exec(readFileSync(path.join(d.root, 'run/tsvirt/qemu', `${name}.xml`), 'utf8'))![1]);
  process.kill(pid, 'SIGKILL');
  await until('the crash is logged', () => /domain="log one" stopped \(failed\)/.test(d.logText()));

  const daemonLog = d.logText();
  // one line per event, the domain as a field; the crash is a warning
  assert.match(daemonLog, /^\S+Z info domain="log one" defined \(added\)$/m);
  assert.match(daemonLog, /^\S+Z info domain="log one" started \(booted\) as id 1$/m);
  assert.match(daemonLog, /^\S+Z info domain="log one" stopped \(destroyed\)$/m);
  assert.match(daemonLog, /^\S+Z info domain="log one" started \(booted\) as id 2$/m);
  assert.match(daemonLog, /^\S+Z warn domain="log one" stopped \(failed\)$/m);

  const qemuLog = readFileSync(path.join(d.root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8');
  const starts = [...qemuLog.matchAll(/^(\S+Z): starting up kernel: \S+, hostname: \S+$/gm)];
  assert.equal(starts.length, 2, qemuLog);
  assert.match(qemuLog, /^PATH=\S+ \\\nLC_ALL=C \\\n\S*qemu-system-x86_64 \\\n-name \\\n'guest=log one,debug-threads=on' \\$/m);
  const stops = [...qemuLog.matchAll(/^(\S+Z): shutting down, reason=(\w+)$/gm)].map((m) => m[2]);
  assert.deepEqual(stops, ['destroyed', 'crashed'], qemuLog);
  // the stop lines follow their start lines, in time order
  const times = [...qemuLog.matchAll(/^(\S+Z): (starting up|shutting down)/gm)].map((m) => `${m[2]}@${Date.parse(m[1])}`);
  assert.deepEqual(times.map((t) => t.split('@')[0]), ['starting up', 'shutting down', 'starting up', 'shutting down']);
  const ms = times.map((t) => Number(t.split('@')[1]));
  assert.deepEqual([...ms].sort((a, b) => a - b), ms);

  // SIGTERM: said, and the stop is logged before the process ends
  await ok(['start', name]);
  process.kill(d.pid, 'SIGTERM');
  await until('tsvirtd exits', () => { try { process.kill(d.pid, 0); return false; } catch { return true; } });
  assert.match(d.logText(), /^\S+Z info SIGTERM: stopping; 1 running domain left running$/m);
  assert.match(d.logText(), /^\S+Z info stopped$/m);
});
