// Load: many clients at once for a while, each doing mixed reads (list, info, XML, stats) and
// writes (define, redefine and undefine of its own domains), while guests are started and
// destroyed over and over. No error but the expected "job busy" ones; p50 and p99 latency of
// each method; the daemon's resident memory before and after; and a client listening to the
// event stream sees every start and stop of every guest, in order.
// FAULT_LOAD_CLIENTS / FAULT_LOAD_SECONDS / FAULT_LOAD_GUESTS (npm test: 16 / 10 / 5;
// npm run fault: 64 / 60 / 20).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from '../../src/client/client.js';
import type { TsvirtEvent } from '../../src/protocol/types.js';
import { TsvirtError } from '../../src/util/errors.js';
import { startTestDaemon, type TestDaemon } from '../e2e/daemon.js';
import { recordFigures } from './figures.js';

const full = Boolean(process.env.FAULT_INPUTS);
const CLIENTS = Number(process.env.FAULT_LOAD_CLIENTS ?? (full ? 64 : 16));
const SECONDS = Number(process.env.FAULT_LOAD_SECONDS ?? (full ? 60 : 10));
const GUESTS = Number(process.env.FAULT_LOAD_GUESTS ?? (full ? 20 : 5));
let d: TestDaemon;

// idle BIOS guests without a NIC: QEMU for real, at little CPU, and no network (no namespace needed)
const xml = (name: string, note = '') => `<domain type='qemu'><name>${name}</name>${note ? `<description>${note}</description>` : ''}<memory unit='MiB'>16</memory><os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`;
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.pid}/status`, 'utf8'))![1]) / 1024;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100 : 0;
};

before(async () => {
  d = await startTestDaemon();
});

after(async () => {
  await d?.stop();
});

test(`load: ${CLIENTS} clients for ${SECONDS} s of mixed calls while ${GUESTS} guests start and stop; no error, no lost event`, async () => {
  const setup = new Client({ uri: d.uri });
  const guests = Array.from({ length: GUESTS }, (_, i) => `lg${i}`);
  for (const g of guests) await setup.call('domain.define', { xml: xml(g) });
  const events: TsvirtEvent[] = [];
  const listener = new Client({ uri: d.uri });
  const stream = await listener.events((ev) => events.push(ev));
  const rssBefore = rssMiB();
  const latency = new Map<string, number[]>();
  const errors: string[] = [];
  let busy = 0, calls = 0;
  const end = Date.now() + SECONDS * 1000;
  const timed = async (c: Client, method: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    try {
      await fn();
    } catch (e) {
      // two callers on one domain's job: "cannot acquire state change lock", as libvirt says it
      if (e instanceof TsvirtError && /cannot acquire state change lock/.test(e.message)) busy++;
      else if (errors.length < 20) errors.push(`${method}: ${(e as Error).message}`);
    }
    calls++;
    (latency.get(method) ?? latency.set(method, []).get(method)!).push(performance.now() - t0);
  };
  const client = async (i: number) => {
    const c = new Client({ uri: d.uri });
    let n = 0;
    try {
      while (Date.now() < end) {
        const mine = `lc${i}-${n % 3}`;
        const k = n++ % 10;
        if (k === 0) await timed(c, 'domain.define', () => c.call('domain.define', { xml: xml(mine, `round ${n}`) }));
        else if (k === 5) await timed(c, 'domain.undefine', () => c.call('domain.undefine', { domain: mine }).catch((e: TsvirtError) => { if (e.code !== 'no-domain') throw e; }));
        else if (k % 4 === 1) await timed(c, 'domain.list', () => c.call('domain.list', {}));
        else if (k % 4 === 2) await timed(c, 'domain.getInfo', () => c.call('domain.getInfo', { domain: guests[n % GUESTS]! }));
        else if (k % 4 === 3) await timed(c, 'domain.getXml', () => c.call('domain.getXml', { domain: guests[n % GUESTS]! }));
        else await timed(c, 'domain.getAllStats', () => c.call('domain.getAllStats', { domains: [guests[n % GUESTS]!] }));
      }
    } finally {
      c.close();
    }
  };
  // each guest is started and destroyed over and over by one worker: what it was told, in order
  const told = new Map<string, string[]>(guests.map((g) => [g, []]));
  const cycler = async (g: string) => {
    const c = new Client({ uri: d.uri });
    try {
      while (Date.now() < end) {
        await timed(c, 'domain.start', () => c.call('domain.start', { domain: g }).then(() => told.get(g)!.push('started')));
        await timed(c, 'domain.destroy', () => c.call('domain.destroy', { domain: g }).then(() => told.get(g)!.push('stopped')));
      }
    } finally {
      c.close();
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => client(i)), ...guests.map(cycler)]);
  // the last events reach the listener
  await new Promise((r) => setTimeout(r, 1000));
  stream.close();
  listener.close();
  const rssAfter = rssMiB();
  const seen = new Map<string, string[]>(guests.map((g) => [g, []]));
  for (const ev of events) {
    if (ev.type === 'lifecycle' && seen.has(ev.domain.name) && (ev.event === 'started' || ev.event === 'stopped')) seen.get(ev.domain.name)!.push(ev.event);
  }
  const lost = guests.filter((g) => JSON.stringify(seen.get(g)) !== JSON.stringify(told.get(g)));
  const perMethod = Object.fromEntries([...latency].map(([m, xs]) => [m, `n=${xs.length} p50=${pct(xs, 50)} ms p99=${pct(xs, 99)} ms`]));
  recordFigures('load', {
    clients: CLIENTS, seconds: SECONDS, guests: GUESTS, calls, busy, errors: errors.length,
    starts: [...told.values()].reduce((a, x) => a + x.filter((e) => e === 'started').length, 0),
    guestsWithLostEvents: lost.length, rssBeforeMiB: Math.round(rssBefore), rssAfterMiB: Math.round(rssAfter), ...perMethod,
  });
  setup.close();
  assert.deepEqual(errors, [], 'calls failed with errors other than a busy domain');
  assert.deepEqual(lost.map((g) => `${g}: told ${told.get(g)!.join(',')}; events ${seen.get(g)!.join(',')}`), [], 'the event stream lost or reordered lifecycle events');
  assert.ok([...told.values()].every((x) => x.length >= 2), 'every guest was started and stopped');
  assert.ok(calls > CLIENTS * SECONDS, `${calls} calls in ${SECONDS} s`);
});
