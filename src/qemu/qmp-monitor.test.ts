// QMP monitor against a real QEMU (TCG, paused with -S).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TsvirtError } from '../util/errors.js';
import { QmpMonitor, QmpError, type QmpEvent } from './qmp-monitor.js';
import { cont, queryStatus } from './qmp-commands.js';
import { startTestQemu, pidAlive, type TestQemu } from './qemu-test-support.js';

async function started(t: { after(fn: () => Promise<void>): void }): Promise<{ q: TestQemu; mon: QmpMonitor }> {
  const q = await startTestQemu();
  t.after(() => q.cleanup());
  // Connect right away: the socket may not exist yet, so retry. 20 s: a QEMU starting on a
  // loaded 2-core CI machine once took more than 5 s to answer the negotiation
  const mon = await QmpMonitor.connect(q.qmpPath, { retryUntilMs: 20_000 });
  t.after(async () => { mon.close(); });
  return { q, mon };
}

test('connect retries until QEMU is up, negotiates, and reads the version', async (t) => {
  const { mon } = await started(t);
  assert.equal(mon.closed, false);
  assert.equal(mon.qemuVersion.major, 7);
  assert.equal(typeof mon.qemuVersion.minor, 'number');
  assert.match(mon.qemuPackage, /\S/);
  // a command only accepted after negotiation
  const st = await queryStatus(mon);
  assert.equal(st.status, 'prelaunch');
  assert.equal(st.running, false);
});

test('cont runs the guest and a RESUME event arrives', async (t) => {
  const { mon } = await started(t);
  const events: QmpEvent[] = [];
  const resumed = new Promise<QmpEvent>((resolve) => {
    mon.on('event', (ev: QmpEvent) => { events.push(ev); if (ev.event === 'RESUME') resolve(ev); });
  });
  await cont(mon);
  const ev = await resumed;
  assert.equal(typeof ev.timestamp?.seconds, 'number');
  const st = await queryStatus(mon);
  assert.equal(st.running, true);
  assert.equal(st.status, 'running');
});

test('an error reply becomes a TsvirtError naming QEMU\'s message; the session goes on', async (t) => {
  const { mon } = await started(t);
  await assert.rejects(mon.execute('no-such-command'), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.ok(e instanceof QmpError);
    assert.equal(e.code, 'operation-failed');
    assert.equal(e.qmpClass, 'CommandNotFound');
    assert.match(e.message, /^QEMU: .*no-such-command/);
    return true;
  });
  await assert.rejects(mon.execute('device_del', { id: 'nothing-here' }), /QEMU: Device 'nothing-here' not found/);
  assert.equal((await queryStatus(mon)).status, 'prelaunch');
});

test('a command with no answer times out; late answers are dropped and the session goes on', async (t) => {
  const { q, mon } = await started(t);
  process.kill(q.pid, 'SIGSTOP');
  try {
    const t0 = Date.now();
    await assert.rejects(queryStatus(mon, { timeoutMs: 150 }), (e: unknown) => {
      assert.ok(e instanceof TsvirtError);
      assert.equal(e.code, 'operation-timeout');
      assert.match(e.message, /query-status/);
      return true;
    });
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    process.kill(q.pid, 'SIGCONT');
  }
  // the late reply to the timed-out command must not be taken as this one's
  assert.equal(await mon.execute('human-monitor-command', { 'command-line': 'info name' }), '');
  assert.equal((await queryStatus(mon)).status, 'prelaunch');
});

test('SIGKILL of QEMU: close fires once within ~100 ms and pending commands reject at once', async (t) => {
  const { q, mon } = await started(t);
  let closes = 0;
  const closed = new Promise<number>((resolve) => mon.on('close', () => { closes++; resolve(Date.now()); }));
  process.kill(q.pid, 'SIGSTOP'); // so the next command stays pending
  const pending = queryStatus(mon);
  const pendingErr = pending.then(() => undefined, (e: unknown) => e);
  await new Promise((r) => setTimeout(r, 30));
  const killedAt = Date.now();
  process.kill(q.pid, 'SIGKILL');
  const closedAt = await closed;
  assert.ok(closedAt - killedAt < 150, `close after ${closedAt - killedAt} ms`);
  const e = await pendingErr;
  assert.ok(e instanceof TsvirtError);
  assert.equal(e.code, 'operation-failed');
  assert.equal(e.message, 'QEMU monitor closed');
  assert.equal(mon.closed, true);
  await assert.rejects(queryStatus(mon), /QEMU monitor closed/);
  mon.close();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closes, 1);
  await q.exited;
  assert.equal(pidAlive(q.pid), false);
});

test('close() ends the session: pending commands reject, close is emitted once', async (t) => {
  const { mon } = await started(t);
  let closes = 0;
  mon.on('close', () => { closes++; });
  const p = queryStatus(mon).then(() => 'answered', (e: Error) => e.message);
  mon.close();
  mon.close();
  assert.equal(mon.closed, true);
  assert.equal(await p, 'QEMU monitor closed');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closes, 1);
});

test('connect to a missing socket fails clearly, at once without retry, after the window with it', async (t) => {
  const dir = await fs.mkdtemp(join(tmpdir(), 'tsvirt-qmp-missing-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'none.sock');
  await assert.rejects(QmpMonitor.connect(path), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'operation-failed');
    assert.ok(e.message.includes(path));
    return true;
  });
  const t0 = Date.now();
  await assert.rejects(QmpMonitor.connect(path, { retryUntilMs: 200 }), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'operation-timeout');
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took >= 150 && took < 1000, `gave up after ${took} ms`);
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('QEMU exited')), 50);
  await assert.rejects(QmpMonitor.connect(path, { retryUntilMs: 5000, signal: ac.signal }), /aborted: QEMU exited/);
});

test('connect times out when the peer never sends a greeting', async (t) => {
  const q = await startTestQemu();
  t.after(() => q.cleanup());
  // Let QEMU create the socket, then freeze it so it never greets.
  const mon = await QmpMonitor.connect(q.qmpPath, { retryUntilMs: 5000 });
  mon.close();
  process.kill(q.pid, 'SIGSTOP');
  t.after(() => { try { process.kill(q.pid, 'SIGCONT'); } catch { /* gone */ } });
  await assert.rejects(QmpMonitor.connect(q.qmpPath, { timeoutMs: 200 }), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'operation-timeout');
    return true;
  });
});
