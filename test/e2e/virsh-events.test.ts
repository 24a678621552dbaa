// Events over libvirt's protocol: stock `virsh event` against tsvirtd prints the same lines
// as tsvirt's own `tsvirt event` for a real TCG guest's define, start, suspend, resume,
// destroy and undefine, and both exit 1 when --timeout came before any event. The styles
// older clients use (105/106/107, 167/168) and the registrations and messages of other
// object kinds are checked with a plain socket client, since libvirt 9.0's client only uses
// them when the server lacks the callback feature. (virsh net-event, pool-event and
// device-removed against real changes: virsh-object-events.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestDaemon, REPO, type TestDaemon } from './daemon.js';
import { ensureTestGuest, minimalDomainXml, type TestGuest } from './guest.js';
import { listener, probeUntilSubscribed, until } from './event-printers.js';
import { FrameReader, HEADER_LEN, LEN_LEN, MessageError, MsgStatus, MsgType, REMOTE_PROGRAM, decodeHeader, frame } from '../../src/protocol/libvirt/wire.js';
import { XdrReader, type XdrType } from '../../src/protocol/libvirt/xdr.js';
import { remoteProcs } from '../../src/protocol/libvirt/procs-table.js';
import { eventMessages } from '../../src/protocol/libvirt/procs-events.js';
import { REMOTE_PROC_NAMES } from '../../src/protocol/libvirt/proc-names.js';
import { EventBus } from '../../src/daemon/event-bus.js';
import { listenLibvirt } from '../../src/daemon/libvirt/rpc-server.js';
import { remoteImpls } from '../../src/daemon/libvirt/impls.js';
import { uuidString } from '../../src/daemon/libvirt/rpc-ids.js';
import type { Handlers } from '../../src/daemon/dispatch.js';
import type { LifecycleEvent } from '../../src/protocol/types.js';

let d: TestDaemon;
let guest: TestGuest;

before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

/** a definition with a fixed UUID, so that defining it again updates it */
function writeXml(name: string): string {
  const file = path.join(d.root, `${name}.xml`);
  const uuid = `${Buffer.from(name.padEnd(4, '_').slice(0, 4)).toString('hex')}-0000-4000-8000-000000000000`;
  writeFileSync(file, minimalDomainXml({ name, ...guest }).replace('</name>', `</name>\n  <uuid>${uuid}</uuid>`));
  return file;
}

async function virsh(...args: string[]): Promise<string> {
  const r = await d.virsh(args);
  assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const line = (dom: string, text: string) => `event 'lifecycle' for domain '${dom}': ${text}`;

test('virsh event --all / --event lifecycle print what tsvirt event prints, for a TCG guest', { timeout: 90_000 }, async () => {
  const ev1 = writeXml('ev1');
  const other = writeXml('other');
  await virsh('define', ev1);
  const all = listener('virsh', ['-c', d.libvirtUri, 'event', '--loop', '--all']);
  const own = listener(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'event', '--loop', '--all']);
  // read-only socket, one event type, one domain (a filter the daemon applies)
  const one = listener('virsh', ['-r', '-c', `${d.libvirtUri}-ro`, 'event', '--loop', '--event', 'lifecycle', '--domain', 'ev1']);
  // an event tsvirt has not: registered fine, never sent
  const reboot = listener('virsh', ['-c', d.libvirtUri, 'event', '--loop', '--event', 'reboot']);
  const printers = [all, own, one];
  const everyone = [...printers, reboot];
  try {
    // redefining ev1 ("Defined Updated") until every printer has shown it: all are subscribed
    const deadline = Date.now() + 20_000;
    while (!printers.every((p) => p.out().includes('Defined Updated'))) {
      assert.ok(Date.now() < deadline, `event printers did not subscribe: ${printers.map((p) => p.out())}`);
      await virsh('define', ev1);
      await new Promise((r) => setTimeout(r, 300));
    }
    await virsh('define', other);
    await virsh('start', 'ev1');
    await virsh('suspend', 'ev1');
    await virsh('resume', 'ev1');
    await virsh('destroy', 'ev1');
    await virsh('undefine', 'ev1');
    await virsh('undefine', 'other');
    await until('the last events', () => [all, own].every((p) => p.out().includes(line('other', 'Undefined Removed'))) && one.out().includes('Undefined Removed'));
    for (const p of everyone) p.child.kill('SIGINT');
    // virsh's exit status is 1 when no event came
    assert.deepEqual(await Promise.all(everyone.map((p) => p.exited)), [0, 0, 0, 1]);

    const cycle = [
      line('ev1', 'Started Booted'), line('ev1', 'Suspended Paused'), line('ev1', 'Resumed Unpaused'),
      line('ev1', 'Stopped Destroyed'), line('ev1', 'Undefined Removed'),
    ];
    const want = [[line('other', 'Defined Added'), ...cycle, line('other', 'Undefined Removed')], [line('other', 'Defined Added'), ...cycle, line('other', 'Undefined Removed')], cycle];
    printers.forEach((p, i) => {
      const lines = p.out().split('\n');
      // what came before the cycle: the probes' redefinitions of ev1
      let probes = 0;
      while (lines[probes] === line('ev1', 'Defined Updated')) probes++;
      assert.ok(probes > 0);
      const n = probes + want[i].length;
      assert.deepEqual(lines.slice(probes), [...want[i], 'event loop interrupted', `events received: ${n}`, '', ''], `printer ${i}: ${p.out()}`);
    });
    assert.equal(reboot.out(), 'event loop interrupted\nevents received: 0\n\n');
  } finally {
    for (const p of everyone) p.child.kill('SIGKILL');
  }
});

test('no event before --timeout: virsh and tsvirt both print the count and exit 1', { timeout: 30_000 }, async () => {
  const [v, own] = await Promise.all([
    d.virsh(['event', '--event', 'lifecycle', '--loop', '--timeout', '1']),
    d.cli(['event', '--event', 'lifecycle', '--loop', '--timeout', '1']),
  ]);
  for (const r of [v, own]) assert.deepEqual([r.code, r.stdout, r.stderr], [1, 'event loop timed out\nevents received: 0\n\n', '']);
  // events, then the timeout: success
  const ev = writeXml('tmo1');
  const printers = [
    listener('virsh', ['-c', d.libvirtUri, 'event', '--event', 'lifecycle', '--loop', '--timeout', '5']),
    listener(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'event', '--event', 'lifecycle', '--loop', '--timeout', '5']),
  ];
  try {
    await probeUntilSubscribed(printers, 'tmo1', () => virsh('define', ev));
    await virsh('undefine', 'tmo1');
    assert.deepEqual(await Promise.all(printers.map((p) => p.exited)), [0, 0]);
    for (const p of printers) {
      const lines = p.out().split('\n');
      const n = lines.length - 4;
      assert.deepEqual(lines.slice(n - 1), [line('tmo1', 'Undefined Removed'), 'event loop timed out', `events received: ${n}`, '', ''], p.out());
    }
  } finally {
    for (const p of printers) p.child.kill('SIGKILL');
  }
});

/** a plain libvirt-protocol client: calls by name, and the event messages it was sent */
class RawClient {
  readonly messages: Array<{ proc: number; body: Buffer }> = [];
  private readonly frames = new FrameReader();
  private readonly waiting = new Map<number, (r: { ok: boolean; body: Buffer }) => void>();
  private serial = 1;
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (data: Buffer) => {
      for (const f of this.frames.push(data)) {
        const h = decodeHeader(f);
        const body = f.subarray(LEN_LEN + HEADER_LEN);
        if (h.type === MsgType.MESSAGE) this.messages.push({ proc: h.proc, body });
        else if (h.type === MsgType.REPLY) this.waiting.get(h.serial)?.({ ok: h.status === MsgStatus.OK, body });
      }
    });
  }

  static async open(socketPath: string): Promise<RawClient> {
    const sock = net.connect(socketPath);
    await new Promise<void>((res, rej) => sock.once('connect', res).once('error', rej));
    const c = new RawClient(sock);
    await c.call('CONNECT_OPEN', { name: 'qemu:///system', flags: 0 });
    return c;
  }

  /** resolves with the decoded reply, rejects with the remote error's message and code */
  call<N extends keyof typeof remoteProcs>(name: N, args: unknown): Promise<unknown> {
    const p = remoteProcs[name] as unknown as { num: number; args: XdrType<unknown>; ret: XdrType<unknown> };
    const serial = this.serial++;
    return new Promise((resolve, reject) => {
      this.waiting.set(serial, ({ ok, body }) => {
        this.waiting.delete(serial);
        if (ok) resolve(p.ret.decode(new XdrReader(body)));
        else {
          const e = MessageError.decode(new XdrReader(body));
          reject(Object.assign(new Error(e.message ?? ''), { code: e.code }));
        }
      });
      this.sock.write(frame({ prog: REMOTE_PROGRAM, vers: 1, proc: p.num, type: MsgType.CALL, serial, status: MsgStatus.OK }, (w) => p.args.encode(w, args)));
    });
  }

  /** lifecycle messages so far, as [proc, callbackID or null, domain, event, detail] */
  lifecycle(): Array<[number, number | null, string, number, number]> {
    const mine: number[] = [eventMessages.DOMAIN_EVENT_LIFECYCLE.num, eventMessages.DOMAIN_EVENT_CALLBACK_LIFECYCLE.num];
    return this.messages.filter((m) => mine.includes(m.proc)).map(({ proc, body }) => {
      if (proc === eventMessages.DOMAIN_EVENT_LIFECYCLE.num) {
        const m = eventMessages.DOMAIN_EVENT_LIFECYCLE.body.decode(new XdrReader(body));
        return [proc, null, m.dom.name, m.event, m.detail];
      }
      const m = eventMessages.DOMAIN_EVENT_CALLBACK_LIFECYCLE.body.decode(new XdrReader(body));
      return [proc, m.callbackID, m.msg.dom.name, m.msg.event, m.msg.detail];
    });
  }

  /** the other event messages so far: [proc, callbackID or null, object name, event or alias] */
  others(): unknown[][] {
    const m = eventMessages;
    return this.messages.map(({ proc, body }) => {
      const r = new XdrReader(body);
      if (proc === m.NETWORK_EVENT_LIFECYCLE.num) {
        const x = m.NETWORK_EVENT_LIFECYCLE.body.decode(r);
        return [proc, x.callbackID, x.net.name, x.event, x.detail];
      }
      if (proc === m.STORAGE_POOL_EVENT_LIFECYCLE.num) {
        const x = m.STORAGE_POOL_EVENT_LIFECYCLE.body.decode(r);
        return [proc, x.callbackID, x.pool.name, x.event, x.detail];
      }
      if (proc === m.STORAGE_POOL_EVENT_REFRESH.num) {
        const x = m.STORAGE_POOL_EVENT_REFRESH.body.decode(r);
        return [proc, x.callbackID, x.pool.name];
      }
      if (proc === m.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED.num) {
        const x = m.DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED.body.decode(r);
        return [proc, x.callbackID, x.msg.dom.name, x.msg.devAlias];
      }
      if (proc === m.DOMAIN_EVENT_DEVICE_REMOVED.num) {
        const x = m.DOMAIN_EVENT_DEVICE_REMOVED.body.decode(r);
        return [proc, null, x.dom.name, x.devAlias];
      }
      return [];
    }).filter((x) => x.length);
  }

  close(): void {
    this.sock.destroy();
  }
}

const INTERNAL = 1;

test('older clients: 105/106 and 167/168 get DOMAIN_EVENT_LIFECYCLE; bad ids and other kinds', { timeout: 60_000 }, async () => {
  for (const [name, m] of Object.entries(eventMessages)) assert.equal(REMOTE_PROC_NAMES[m.num], name);
  const sock = path.join(d.root, 'run/tsvirt/libvirt-sock');
  const c = await RawClient.open(sock);
  try {
    await c.call('CONNECT_DOMAIN_EVENT_REGISTER', undefined);
    await c.call('CONNECT_DOMAIN_EVENT_REGISTER_ANY', { eventID: 0 });
    await c.call('CONNECT_DOMAIN_EVENT_REGISTER_ANY', { eventID: 15 }); // device-removed: accepted, silent
    const { callbackID } = (await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: 0, dom: null })) as { callbackID: number };
    await virsh('define', writeXml('raw1'));
    await c.call('CONNECT_SUPPORTS_FEATURE', { feature: 14 }); // a round trip: every message of the define is in
    // 105 and 167 each send the message without a callback id, 316 the one with it
    assert.deepEqual(c.lifecycle(), [[107, null, 'raw1', 0, 0], [107, null, 'raw1', 0, 0], [318, callbackID, 'raw1', 0, 0]]);

    await c.call('CONNECT_DOMAIN_EVENT_DEREGISTER', undefined);
    await c.call('CONNECT_DOMAIN_EVENT_DEREGISTER_ANY', { eventID: 0 });
    await c.call('CONNECT_DOMAIN_EVENT_DEREGISTER_ANY', { eventID: 15 });
    await virsh('undefine', 'raw1'); // only 316's callback is left
    await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', { callbackID });
    await assert.rejects(c.call('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', { callbackID }), { code: INTERNAL, message: new RegExp(`domain event callback ${callbackID} not registered`) });
    await assert.rejects(c.call('CONNECT_DOMAIN_EVENT_DEREGISTER', undefined), { code: INTERNAL, message: /^internal error: domain event 0 not registered$/ });
    await assert.rejects(c.call('CONNECT_DOMAIN_EVENT_DEREGISTER_ANY', { eventID: 0 }), { code: INTERNAL, message: /^internal error: domain event 0 not registered$/ });
    await virsh('define', writeXml('raw2'));
    await virsh('undefine', 'raw2');
    await c.call('CONNECT_SUPPORTS_FEATURE', { feature: 14 });
    assert.deepEqual(c.lifecycle().slice(3), [[318, callbackID, 'raw1', 1, 0]], 'nothing after the last deregister');

    // ids out of range: libvirt's texts, the connection lives on
    await assert.rejects(c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: 27, dom: null }), { code: INTERNAL, message: /unsupported event ID 27/ });
    await assert.rejects(c.call('CONNECT_DOMAIN_EVENT_REGISTER_ANY', { eventID: 16 }), { code: INTERNAL, message: /unsupported event ID 16/ });
    await assert.rejects(c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: -1, dom: null }), { message: /unsupported event ID -1/ });
    await assert.rejects(c.call('CONNECT_NETWORK_EVENT_REGISTER_ANY', { eventID: 1, net: null }), { message: /unsupported network event ID 1/ });
    await assert.rejects(c.call('CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY', { eventID: 2, pool: null }), { message: /unsupported storage pool event ID 2/ });
    await assert.rejects(c.call('CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY', { eventID: 2, dev: null }), { message: /unsupported node device event ID 2/ });
    await assert.rejects(c.call('CONNECT_SECRET_EVENT_REGISTER_ANY', { eventID: 2, secret: null }), { message: /unsupported secret event ID 2/ });

    // what virt-manager registers at connect: each kind, each id, distinct callback ids
    const uuid = Buffer.alloc(16, 7);
    const ids = [
      await c.call('CONNECT_NETWORK_EVENT_REGISTER_ANY', { eventID: 0, net: null }),
      await c.call('CONNECT_NETWORK_EVENT_REGISTER_ANY', { eventID: 0, net: { name: 'default', uuid } }),
      await c.call('CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY', { eventID: 0, pool: null }),
      await c.call('CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY', { eventID: 1, pool: null }),
      await c.call('CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY', { eventID: 0, dev: null }),
      await c.call('CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY', { eventID: 1, dev: { name: 'computer' } }),
      await c.call('CONNECT_SECRET_EVENT_REGISTER_ANY', { eventID: 0, secret: null }),
      await c.call('CONNECT_SECRET_EVENT_REGISTER_ANY', { eventID: 1, secret: { uuid, usageType: 0, usageID: '' } }),
    ].map((r) => (r as { callbackID: number }).callbackID);
    assert.equal(new Set(ids).size, ids.length);
    // a callback id belongs to its kind
    await assert.rejects(c.call('CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY', { callbackID: ids[0] }), { message: new RegExp(`storage pool event callback ${ids[0]} not registered`) });
    await c.call('CONNECT_NETWORK_EVENT_DEREGISTER_ANY', { callbackID: ids[0] });
    await c.call('CONNECT_NETWORK_EVENT_DEREGISTER_ANY', { callbackID: ids[1] });
    await c.call('CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY', { callbackID: ids[2] });
    await c.call('CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY', { callbackID: ids[3] });
    await c.call('CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY', { callbackID: ids[4] });
    await c.call('CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY', { callbackID: ids[5] });
    await c.call('CONNECT_SECRET_EVENT_DEREGISTER_ANY', { callbackID: ids[6] });
    await c.call('CONNECT_SECRET_EVENT_DEREGISTER_ANY', { callbackID: ids[7] });
    await assert.rejects(c.call('CONNECT_NETWORK_EVENT_DEREGISTER_ANY', { callbackID: ids[0] }), { message: /network event callback \d+ not registered/ });
    assert.match(await virsh('list', '--all'), /Name/, 'the daemon still answers');
  } finally {
    c.close();
  }
});

test('filters by object, the messages of each kind, and subscriptions end with deregister and with the connection', { timeout: 30_000 }, async () => {
  // the real RPC listener over a real event bus in this process, so its subscribers can be counted
  const bus = new EventBus();
  const sock = path.join(os.tmpdir(), `tsvirt-events-${process.pid}.sock`);
  const server = await listenLibvirt(sock, false, { handlers: {} as Handlers, events: bus, impls: remoteImpls, extras: {} });
  const emit = (name: string, uuid: string, event: LifecycleEvent['event'], detail: string) =>
    bus.emit({ type: 'lifecycle', domain: { name, uuid, id: 3 }, event, detail, time: Date.now() });
  const a = 'aaaaaaaa-0000-4000-8000-000000000001';
  const b = 'bbbbbbbb-0000-4000-8000-000000000002';
  try {
    const c = await RawClient.open(sock);
    const all = (await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: 0, dom: null })) as { callbackID: number };
    const onlyB = (await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: 0, dom: { name: 'b', uuid: Buffer.from(b.replace(/-/g, ''), 'hex'), id: -1 } })) as { callbackID: number };
    await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: 1, dom: null }); // reboot: no subscription needed
    await c.call('CONNECT_DOMAIN_EVENT_REGISTER', undefined);
    const hex = (u: string) => Buffer.from(u.replace(/-/g, ''), 'hex');
    const id = (r: unknown) => (r as { callbackID: number }).callbackID;
    const netAll = id(await c.call('CONNECT_NETWORK_EVENT_REGISTER_ANY', { eventID: 0, net: null }));
    const netOne = id(await c.call('CONNECT_NETWORK_EVENT_REGISTER_ANY', { eventID: 0, net: { name: 'n1', uuid: hex(a) } }));
    const poolAll = id(await c.call('CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY', { eventID: 0, pool: null }));
    const poolRefresh = id(await c.call('CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY', { eventID: 1, pool: { name: 'p1', uuid: hex(a) } }));
    const removed = id(await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', { eventID: 15, dom: null }));
    await c.call('CONNECT_DOMAIN_EVENT_REGISTER_ANY', { eventID: 15 });
    assert.equal(bus.size, 9);
    emit('a', a, 'suspended', 'paused');
    emit('b', b, 'stopped', 'destroyed');
    emit('b', b, 'crashed', 'panicked');
    await c.call('CONNECT_SUPPORTS_FEATURE', { feature: 14 });
    assert.deepEqual(c.lifecycle(), [
      [318, all.callbackID, 'a', 3, 0], [107, null, 'a', 3, 0],
      [318, all.callbackID, 'b', 5, 1], [318, onlyB.callbackID, 'b', 5, 1], [107, null, 'b', 5, 1],
      [318, all.callbackID, 'b', 8, 0], [318, onlyB.callbackID, 'b', 8, 0], [107, null, 'b', 8, 0],
    ]);
    assert.equal(uuidString(eventMessages.DOMAIN_EVENT_CALLBACK_LIFECYCLE.body.decode(new XdrReader(c.messages[3].body)).msg.dom.uuid), b);
    // networks, pools and device removal: each to its kind and event id, with libvirt's numbers
    const time = Date.now();
    bus.emit({ type: 'network', network: { name: 'n1', uuid: a }, event: 'started', time });
    bus.emit({ type: 'network', network: { name: 'n2', uuid: b }, event: 'stopped', time });
    bus.emit({ type: 'pool', pool: { name: 'p1', uuid: a }, event: 'created', time });
    bus.emit({ type: 'pool-refresh', pool: { name: 'p1', uuid: a }, time });
    bus.emit({ type: 'pool-refresh', pool: { name: 'p2', uuid: b }, time });
    bus.emit({ type: 'device-removed', domain: { name: 'a', uuid: a, id: 3 }, alias: 'virtio-disk1', time });
    await c.call('CONNECT_SUPPORTS_FEATURE', { feature: 14 });
    assert.deepEqual(c.others(), [
      [315, netAll, 'n1', 2, 0], [315, netOne, 'n1', 2, 0], [315, netAll, 'n2', 3, 0],
      [370, poolAll, 'p1', 4, 0], [373, poolRefresh, 'p1'],
      [333, removed, 'a', 'virtio-disk1'], [311, null, 'a', 'virtio-disk1'],
    ]);
    assert.equal(c.lifecycle().length, 8, 'no lifecycle message for the others');
    await c.call('CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', { callbackID: onlyB.callbackID });
    assert.equal(bus.size, 8);
    c.close();
    await until('the closed connection to unsubscribe', () => bus.size === 0, 5000);
  } finally {
    await server.close();
  }
});
