// The guest agent client's framing against a scripted peer on a unix socket: the resync
// (0xFF, guest-sync-delimited), stale replies, timeouts, disconnects. The real qemu-ga
// inside a Debian guest is exercised by test/e2e/guest-agent.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsvirtError } from '../util/errors.js';
import { AgentCommandError, GuestAgent, agentChannelIndex } from './guest-agent.js';
import type { Socket } from 'node:net';
import { agentPeer as peer, syncReply } from './testing/fake-agent.js';


test('a command resyncs first (0xFF then guest-sync-delimited) and resolves with "return"', async (t) => {
  let sawSentinel = false;
  const p = await peer(t, (msg, sock, raw) => {
    if (msg.execute === 'guest-sync-delimited') {
      sawSentinel = raw[0] === 0xff;
      // a stale reply of an earlier command before the sentinel must be skipped
      sock.write(JSON.stringify({ return: { stale: true } }) + '\n');
      syncReply(msg, sock);
    } else if (msg.execute === 'guest-info') sock.write(JSON.stringify({ return: { version: '7.2.0' } }) + '\n');
  });
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  ga.setGuestOpen(true);
  const r = await ga.command<{ version: string }>('guest-info');
  assert.deepEqual(r, { version: '7.2.0' });
  assert.equal(sawSentinel, true, 'the sync starts with a 0xFF byte');
  // in sync now: the second command goes without another guest-sync-delimited
  await ga.command('guest-info');
  assert.deepEqual(p.received.map((m) => m.execute), ['guest-sync-delimited', 'guest-info', 'guest-info']);
  assert.equal(p.connections(), 1);
});

test('an error reply is libvirt\'s "unable to execute QEMU agent command"; the agent goes on', async (t) => {
  const p = await peer(t, (msg, sock) => {
    if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock);
    else if (msg.execute === 'guest-nothing') sock.write(JSON.stringify({ error: { class: 'CommandNotFound', desc: "The command guest-nothing has not been found" } }) + '\n');
    else sock.write(JSON.stringify({ return: {} }) + '\n');
  });
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  ga.setGuestOpen(true);
  await assert.rejects(ga.command('guest-nothing'), (e: unknown) => {
    assert.ok(e instanceof AgentCommandError);
    assert.equal(e.code, 'internal-error');
    assert.equal(e.agentClass, 'CommandNotFound');
    assert.equal(e.message, "unable to execute QEMU agent command 'guest-nothing': The command guest-nothing has not been found");
    return true;
  });
  assert.deepEqual(await ga.command('guest-ping'), {});
});

test('no reply in time: libvirt\'s timeout error, then a resync skips the late reply', async (t) => {
  let slowSock: Socket | undefined;
  const p = await peer(t, (msg, sock) => {
    if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock);
    else if (msg.execute === 'guest-slow') slowSock = sock; // answered later
    else sock.write(JSON.stringify({ return: { n: msg.execute } }) + '\n');
  });
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  ga.setGuestOpen(true);
  const t0 = Date.now();
  await assert.rejects(ga.command('guest-slow', undefined, { timeoutSec: 0.3 }), (e: unknown) => {
    assert.ok(e instanceof TsvirtError);
    assert.equal(e.code, 'agent-unresponsive');
    assert.equal(e.message, 'Guest agent is not responding: Guest agent not available for now');
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took >= 250 && took < 2000, `timed out after ${took} ms`);
  slowSock!.write(JSON.stringify({ return: { n: 'late' } }) + '\n');
  // the late reply must not be taken for this command's
  assert.deepEqual(await ga.command('guest-ping'), { n: 'guest-ping' });
  assert.deepEqual(p.received.map((m) => m.execute), ['guest-sync-delimited', 'guest-slow', 'guest-sync-delimited', 'guest-ping']);
});

test('commands run one at a time, in order', async (t) => {
  const p = await peer(t, (msg, sock) => {
    if (msg.execute === 'guest-sync-delimited') return syncReply(msg, sock);
    // answer later than the next command could be sent
    setTimeout(() => sock.write(JSON.stringify({ return: msg.arguments.i }) + '\n'), 20);
  });
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  ga.setGuestOpen(true);
  const got = await Promise.all([0, 1, 2, 3].map((i) => ga.command('guest-echo', { i })));
  assert.deepEqual(got, [0, 1, 2, 3]);
});

test('not connected: libvirt\'s error, nothing is sent; lifecycle events on changes only (or when forced)', async (t) => {
  const p = await peer(t, (msg, sock) => syncReply(msg, sock));
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  const events: string[] = [];
  ga.on('lifecycle', (e) => events.push(`${e.state}/${e.reason}`));
  await assert.rejects(ga.command('guest-ping'), { code: 'agent-unresponsive', message: 'Guest agent is not responding: QEMU guest agent is not connected' });
  assert.equal(p.connections(), 0);
  ga.setGuestOpen(false, 'domain-started', true);
  ga.setGuestOpen(true);
  ga.setGuestOpen(true);
  ga.setGuestOpen(false);
  assert.deepEqual(events, ['disconnected/domain-started', 'connected/channel', 'disconnected/channel']);
  assert.equal(ga.connected, false);
});

test('the guest closing the channel ends a waiting command; guest-shutdown counts that as done', async (t) => {
  const p = await peer(t, (msg, sock) => {
    if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock);
    // guest-shutdown and guest-hang answer nothing
  });
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  ga.setGuestOpen(true);
  const hang = ga.command('guest-hang', undefined, { timeoutSec: 30 });
  await new Promise((r) => setTimeout(r, 100));
  ga.setGuestOpen(false);
  await assert.rejects(hang, { code: 'agent-unresponsive', message: 'Guest agent is not responding: Guest agent disappeared while executing command' });

  ga.setGuestOpen(true);
  const down = ga.command('guest-shutdown', { mode: 'powerdown' }, { timeoutSec: 30, awaitEvent: 'shutdown' });
  await new Promise((r) => setTimeout(r, 100));
  ga.setGuestOpen(false); // qemu-ga stops as the guest shuts down
  assert.equal(await down, undefined);

  ga.setGuestOpen(true);
  const down2 = ga.command('guest-shutdown', { mode: 'reboot' }, { timeoutSec: 30, awaitEvent: 'reset' });
  await new Promise((r) => setTimeout(r, 100));
  ga.notifyEvent('shutdown'); // not the awaited one
  ga.notifyEvent('reset');
  assert.equal(await down2, undefined);
  assert.equal(p.received.filter((m) => m.execute === 'guest-shutdown').length, 2);
});

test('QEMU dropping the socket fails the waiting command; the next one reconnects and resyncs', async (t) => {
  const p = await peer(t, (msg, sock) => {
    if (msg.execute === 'guest-sync-delimited') syncReply(msg, sock);
    else if (msg.execute === 'guest-drop') sock.destroy();
    else sock.write(JSON.stringify({ return: 'ok' }) + '\n');
  });
  const ga = new GuestAgent(p.path);
  t.after(() => ga.close());
  ga.setGuestOpen(true);
  await assert.rejects(ga.command('guest-drop'), { code: 'agent-unresponsive' });
  assert.equal(await ga.command('guest-ping'), 'ok');
  assert.equal(p.connections(), 2);
  assert.deepEqual(p.received.map((m) => m.execute), ['guest-sync-delimited', 'guest-drop', 'guest-sync-delimited', 'guest-ping']);
});

test('agentChannelIndex finds the unix virtio channel named org.qemu.guest_agent.0', () => {
  const ch = (type: string, name?: string) => ({ type, target: { type: 'virtio', name } });
  const dom = (channels: unknown[]) => ({ devices: { channels } }) as never;
  assert.equal(agentChannelIndex(dom([ch('unix', 'org.example.x'), ch('unix', 'org.qemu.guest_agent.0')])), 1);
  assert.equal(agentChannelIndex(dom([ch('pty', 'org.qemu.guest_agent.0')])), -1);
  assert.equal(agentChannelIndex(dom([])), -1);
});
