// The daemon's API through the real SDK on real unix sockets (no guest is started here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, readdirSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { startDaemon, type Daemon } from '../src/daemon/tsvirtd.js';
import { rootPaths } from '../src/daemon/paths.js';
import { Client } from '../src/client/client.js';
import { methods } from '../src/protocol/methods.js';
import { readJournal } from '../src/util/durable-dir.js';
import type { TsvirtEvent } from '../src/protocol/types.js';

let daemon: Daemon;
let root: string;
let rw: Client;
let ro: Client;
const quiet = { info: () => undefined, warn: () => undefined };

const xml = (name: string, extra = '') => `<domain type='qemu'>
  <name>${name}</name>${extra}
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>`;

before(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-api-'));
  const paths = rootPaths(root);
  paths.cacheDir = path.resolve('.cache/test-caps');
  daemon = await startDaemon(paths, { kvmProbe: false, log: quiet });
  rw = new Client({ uri: `qemu+unix:///system?socket=${paths.socket}` });
  ro = new Client({ uri: `qemu+unix:///system?socket=${paths.roSocket}` });
});

after(async () => {
  rw?.close();
  ro?.close();
  await daemon?.close();
  await fs.rm(root, { recursive: true, force: true });
});

test('define writes the definition atomically with defaults filled in; lookup by name, uuid', async () => {
  const s = await rw.call('domain.define', { xml: xml('api1') });
  assert.equal(s.name, 'api1');
  assert.equal(s.state, 'shutoff');
  assert.match(s.uuid, /^[0-9a-f-]{36}$/);
  const file = path.join(root, 'etc/tsvirt/qemu/api1.xml');
  const saved = readFileSync(file, 'utf8');
  assert.match(saved, /machine='pc-i440fx-/, 'the machine alias is stored as its canonical name');
  assert.match(saved, new RegExp(`<uuid>${s.uuid}</uuid>`));
  // at most the empty temporary file the folder keeps open for its next write
  const temps = readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'));
  assert.ok(temps.length <= 1 && temps.every((f) => readFileSync(path.join(path.dirname(file), f)).length === 0), `temporary files left: ${temps}`);
  assert.equal((await rw.call('domain.lookup', { domain: s.uuid })).name, 'api1');
  assert.equal((await rw.call('domain.lookup', { domain: s.uuid.replace(/-/g, '') })).name, 'api1');
  const { xml: dumped } = await rw.call('domain.getXml', { domain: 'api1' });
  assert.match(dumped, /<memory unit='KiB'>65536<\/memory>/);
});

test('the read-only socket answers reads and refuses writes', async () => {
  await rw.call('domain.define', { xml: xml('api2') });
  const { domains } = await ro.call('domain.list', {});
  assert.ok(domains.some((d) => d.name === 'api2'));
  await assert.rejects(ro.call('domain.undefine', { domain: 'api2' }), (e: any) => e.code === 'operation-denied' && /read only/.test(e.message));
  assert.ok(existsSync(path.join(root, 'etc/tsvirt/qemu/api2.xml')), 'nothing changed');
});

test('errors carry libvirt-like codes; bad params and unknown methods are refused', async () => {
  await assert.rejects(rw.call('domain.getInfo', { domain: 'nosuch' }), (e: any) => e.code === 'no-domain');
  await assert.rejects(rw.call('domain.start', {} as any), (e: any) => e.code === 'invalid-arg' && /domain/.test(e.message));
  await assert.rejects(rw.call('domain.define', { xml: '<domain>' }), (e: any) => e.code === 'xml-error');
  await assert.rejects(rw.call('domain.define', { xml: xml('api3', '<bogus/>') }), (e: any) => e.code === 'xml-error' && /bogus/.test(e.message) && /line 2/.test(e.message));
  await assert.rejects(rw.call('domain.destroy', { domain: 'api1' }), (e: any) => e.code === 'operation-invalid' && /not running/.test(e.message));
  await assert.rejects(rw.call('nosuch.method' as any, {}), (e: any) => e.code === 'no-support');
  // raw HTTP: the status codes follow the error codes
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ socketPath: rw.target.socket, path: '/v1/domain.getInfo', method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ domain: 'nosuch' }));
  });
  assert.equal(status, 404);
});

test('lifecycle events reach subscribers', async () => {
  const seen: TsvirtEvent[] = [];
  const sub = await rw.events((ev) => seen.push(ev));
  try {
    await rw.call('domain.define', { xml: xml('api4') });
    await rw.call('domain.undefine', { domain: 'api4' });
    const deadline = Date.now() + 2000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen.map((e) => (e.type === 'lifecycle' ? `${e.domain.name} ${e.event} ${e.detail}` : e.type)), ['api4 defined added', 'api4 undefined removed']);
  } finally {
    sub.close();
  }
});

test('the OpenAPI document lists every method', async () => {
  const doc = await new Promise<any>((resolve, reject) => {
    http.get({ socketPath: rw.target.socket, path: '/v1/openapi.json' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
  assert.equal(doc.openapi, '3.1.0');
  for (const name of Object.keys(methods)) assert.ok(doc.paths[`/v1/${name}`], `OpenAPI has ${name}`);
  assert.deepEqual(doc.paths['/v1/domain.start'].post.requestBody.content['application/json'].schema.required, ['domain']);
});

test('a second daemon on the same root is refused and changes nothing', async () => {
  await rw.call('domain.define', { xml: xml('api6') });
  const paths = rootPaths(root);
  paths.cacheDir = path.resolve('.cache/test-caps');
  await assert.rejects(startDaemon(paths, { kvmProbe: false, log: quiet }), /another tsvirtd is already running on .*tsvirtd\.sock/);
  // the first one still serves, and its journal still holds its last change (no replay ran)
  assert.ok(readJournal(path.join(root, 'etc/tsvirt/qemu/.journal')).changes.some((c) => c.name === 'api6.xml'));
  assert.equal((await rw.call('domain.lookup', { domain: 'api6' })).name, 'api6');
  await rw.call('domain.undefine', { domain: 'api6' });
});

test('a restarted daemon loads the definitions and autostart flags from disk', async () => {
  await rw.call('domain.define', { xml: xml('api5') });
  await rw.call('domain.setAutostart', { domain: 'api5', autostart: true });
  assert.ok(existsSync(path.join(root, 'etc/tsvirt/qemu/autostart/api5.xml')));
  await rw.call('domain.setAutostart', { domain: 'api5', autostart: false });
  const before = (await rw.call('domain.list', {})).domains.map((d) => d.name).sort();
  await daemon.close();
  const paths = rootPaths(root);
  paths.cacheDir = path.resolve('.cache/test-caps');
  daemon = await startDaemon(paths, { kvmProbe: false, log: quiet });
  const after = (await rw.call('domain.list', {})).domains.map((d) => d.name).sort();
  assert.deepEqual(after, before);
  assert.equal((await rw.call('domain.lookup', { domain: 'api5' })).autostart, false);
});
