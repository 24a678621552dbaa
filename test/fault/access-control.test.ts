// Access control, walked from the API's own OpenAPI document: every write method is refused
// on the read-only socket and changes nothing, every read method answers there; the sockets'
// modes; the web listener answers no API path or WebSocket without a session; volume names and
// paths that try to leave their pool are refused, and a symlink planted in a pool folder does
// not let a volume call reach the file it points to. In a network namespace of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { methods } from '../../src/protocol/methods.js';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from '../e2e/daemon.js';
import { addNetns, removeNetns } from '../e2e/netns.js';
import { recordFigures } from './figures.js';

const NS = `tsvt-ac-${process.pid}`;
let d: TestDaemon;
const sock = (ro: boolean) => path.join(d.root, 'run/tsvirt', ro ? 'tsvirtd-ro.sock' : 'tsvirtd.sock');

function request(socketPath: string, method: string, p: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: p, headers: { 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** everything a write could change, as the read-write socket lists it */
async function snapshot(): Promise<string> {
  const parts = [];
  for (const m of ['domain.list', 'network.list', 'pool.list', 'nodedev.list']) {
    parts.push((await request(sock(false), 'POST', `/v1/${m}`, '{}')).body);
  }
  parts.push((await request(sock(false), 'POST', '/v1/vol.list', JSON.stringify({ pool: 'default' }))).body);
  return parts.join('\n');
}

async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS, args: ['--listen-http', '127.0.0.1:8099'] });
  const f = path.join(d.root, 'ac.xml');
  writeFileSync(f, `<domain type='qemu'><name>ac1</name><memory unit='MiB'>32</memory><os><type>hvm</type></os></domain>\n`);
  await ok(['define', f]);
});

after(async () => {
  await d?.stop();
  await removeNetns(NS);
});

test('the OpenAPI walk: every write method is refused on the read-only socket and nothing changes; every read method answers', async () => {
  const all = JSON.parse((await request(sock(true), 'GET', '/v1/openapi.json')).body) as { paths: Record<string, { post?: { 'x-readonly'?: boolean } }> };
  // the methods; the document also describes the event, console and stream paths
  const doc = { paths: Object.fromEntries(Object.entries(all.paths).filter(([, p]) => p.post?.['x-readonly'] !== undefined)) as Record<string, { post: { 'x-readonly': boolean } }> };
  const listed = Object.keys(doc.paths).map((p) => p.replace(/^\/v1\//, ''));
  assert.deepEqual(listed.sort(), Object.keys(methods).sort(), 'the OpenAPI document lists every method');
  const before = await snapshot();
  let writes = 0, reads = 0;
  const leaks: string[] = [];
  for (const [name, p] of Object.entries(doc.paths)) {
    const m = name.replace(/^\/v1\//, '');
    const readonly = p.post['x-readonly'];
    assert.equal(readonly, methods[m as keyof typeof methods].readonly, `${m}: the document and the table agree`);
    // plausible parameters, so a check that ran after validation would be found out too
    const r = await request(sock(true), 'POST', `/v1/${m}`, JSON.stringify({ domain: 'ac1', name: 'ac1', pool: 'default', network: 'default', xml: '<x/>' }));
    if (!readonly) {
      writes++;
      if (r.status !== 403 || !/read only access prevents/.test(r.body)) leaks.push(`${m}: ${r.status} ${r.body.slice(0, 120)}`);
    } else {
      reads++;
      assert.notEqual(r.status, 403, `${m} is a read method and must answer on the read-only socket: ${r.body}`);
    }
  }
  assert.deepEqual(leaks, [], 'write methods that the read-only socket did not refuse');
  assert.equal(await snapshot(), before, 'nothing changed');
  // and the byte streams: an upload is a write
  const up = await request(sock(true), 'PUT', '/v1/stream/volume?pool=default&vol=x', 'data');
  assert.equal(up.status, 403);
  recordFigures('access-control', { writeMethodsRefused: writes, readMethodsAnswered: reads, leaks: leaks.length });
});

test('socket modes: read-write sockets 0600 and root\'s, read-only ones 0666', async () => {
  for (const [f, mode] of [['tsvirtd.sock', 0o600], ['tsvirtd-ro.sock', 0o666], ['libvirt-sock', 0o600], ['libvirt-sock-ro', 0o666]] as const) {
    const st = statSync(path.join(d.root, 'run/tsvirt', f));
    assert.ok(st.isSocket(), f);
    assert.equal(st.mode & 0o777, mode, f);
    assert.equal(st.uid, 0, f);
  }
  // stock virsh on the read-only libvirt socket: writes refused with libvirt's words
  for (const args of [['start', 'ac1'], ['undefine', 'ac1'], ['net-start', 'default'], ['pool-destroy', 'default']]) {
    const r = await d.virsh(args, { readonly: true });
    assert.notEqual(r.code, 0, `virsh -r ${args.join(' ')}`);
    assert.match(r.stderr, /read only access prevents/, args.join(' '));
  }
});

test('the web listener: no API path, page or metrics without a session (its WebSockets: test/e2e/web.test.ts)', async () => {
  const inNs = async (script: string) => (await run('ip', ['netns', 'exec', NS, process.execPath, '-e', script])).stdout.trim();
  const paths = ['/', '/metrics', '/v1/openapi.json', ...Object.keys(methods).map((m) => `/v1/${m}`)];
  const statuses = await inNs(`(async () => { const out = []; for (const p of ${JSON.stringify(paths)}) {
    const r = await fetch('http://127.0.0.1:8099' + p, { method: p.startsWith('/v1/') && p !== '/v1/openapi.json' ? 'POST' : 'GET', body: p.startsWith('/v1/') && p !== '/v1/openapi.json' ? '{}' : undefined });
    out.push(r.status); } console.log(JSON.stringify(out)); })()`);
  const codes = JSON.parse(statuses) as number[];
  assert.equal(codes.length, paths.length);
  assert.deepEqual([...new Set(codes)], [401], 'every path answers 401 without a session');
});

test('volume names and paths that leave their pool are refused; a planted symlink does not reach its target', async () => {
  const poolDir = path.join(d.root, 'var/lib/tsvirt/images');
  for (const name of ['../escape.img', '/tmp/abs.img', 'a/b.img', '..', '.']) {
    const r = await d.cli(['vol-create-as', 'default', name, '1M']);
    assert.notEqual(r.code, 0, `vol-create-as ${name}`);
    assert.match(r.stderr, /error:/);
  }
  assert.ok(!existsSync(path.join(d.root, 'var/lib/tsvirt/escape.img')), 'nothing made outside the pool');
  // a symlink to a file outside the pool, planted in the pool's folder
  const outside = path.join(d.root, 'outside.img');
  writeFileSync(outside, 'precious data\n');
  symlinkSync(outside, path.join(poolDir, 'planted.img'));
  await ok(['pool-refresh', 'default']);
  for (const args of [['vol-wipe', '--pool', 'default', 'planted.img'], ['vol-delete', '--pool', 'default', 'planted.img'],
    ['vol-resize', '--pool', 'default', 'planted.img', '2M'], ['vol-upload', '--pool', 'default', 'planted.img', '/etc/hostname']]) {
    await d.cli(args);
    assert.equal(readFileSync(outside, 'utf8'), 'precious data\n', `${args[0]} left the symlink's target alone`);
  }
  assert.ok(existsSync(outside));
});
