// The TCP and TLS listeners in this process with the real RPC code, the RPC client over
// both, certificates made by scripts/make-tls-certs.sh; the option and file checks.
// The network tests run in a network namespace of their own (the file runs itself again
// under `unshare -n`), so no port of the machine's own network is used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run, runOk } from '../../util/spawn.js';
import { EventBus } from '../event-bus.js';
import { remoteImpls } from './impls.js';
import { RpcClient } from './rpc-client.js';
import { listenNet, netListenOptions, parseListenSpec } from './rpc-listen-net.js';
import type { RpcServer } from './rpc-server.js';
import { loadTlsFiles, dnAllowed } from '../tls-files.js';
import { TsvirtError } from '../../util/errors.js';
import type { Handlers } from '../dispatch.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/make-tls-certs.sh');
const IN_NETNS = process.env.TSVIRT_TEST_OWN_NETNS === '1';
let tmp: string;
let good: string;
let other: string;
const UUID = '0badc0de-0000-4000-8000-000000000002';
const handlers = {
  'domain.lookup': async ({ domain }: { domain: string }) => {
    if (domain === 'web') return { name: 'web', uuid: UUID, id: 3, state: 'running' };
    throw new TsvirtError('no-domain', `no domain with matching name '${domain}'`);
  },
} as unknown as Handlers;
const deps = { handlers, events: new EventBus(), impls: remoteImpls, extras: {} };

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tsvirt-tls-'));
  good = path.join(tmp, 'good');
  other = path.join(tmp, 'other');
  await runOk('bash', [SCRIPT, good, '127.0.0.1']);
  await runOk('bash', [SCRIPT, other, '127.0.0.1'], { env: { ...process.env, CA_NAME: 'other CA' } });
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function portOf(r: RpcServer): number {
  return (r.server.address() as net.AddressInfo).port;
}

if (!IN_NETNS) {
  test('TCP and TLS tests, in a network namespace of their own', { timeout: 120_000 }, async () => {
    const self = fileURLToPath(import.meta.url);
    const r = await run('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx --test "$1"', process.execPath, self], {
      // without the runner's NODE_TEST_CONTEXT the child reports in plain text
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, TSVIRT_TEST_OWN_NETNS: '1' }, timeoutMs: 110_000,
    });
    assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
    assert.match(r.stdout, /^# pass 2$/m);
    assert.match(r.stdout, /^# fail 0$/m);
  });
}

test('listen specs and option checks', { skip: IN_NETNS }, () => {
  assert.deepEqual(parseListenSpec('--listen-tcp', '10.0.0.2', 16509), { host: '10.0.0.2', port: 16509 });
  assert.deepEqual(parseListenSpec('--listen-tcp', '0.0.0.0:1600', 16509), { host: '0.0.0.0', port: 1600 });
  assert.deepEqual(parseListenSpec('--listen-tls', '[::1]:1700', 16514), { host: '::1', port: 1700 });
  assert.deepEqual(parseListenSpec('--listen-tls', 'fd00::1', 16514), { host: 'fd00::1', port: 16514 });
  assert.throws(() => parseListenSpec('--listen-tcp', '1.2.3.4:0', 16509), /--listen-tcp '1.2.3.4:0': expected ADDR or ADDR:PORT/);
  assert.throws(() => parseListenSpec('--listen-tcp', 'a:b:c', 16509), /expected ADDR/);
  assert.throws(() => netListenOptions({ listenTcp: '127.0.0.1' }), /--listen-tcp needs --auth-tcp none/);
  assert.throws(() => netListenOptions({ listenTcp: '127.0.0.1', authTcp: 'sasl' }), /--auth-tcp 'sasl': only 'none' is supported/);
  assert.throws(() => netListenOptions({ authTcp: 'none' }), /--auth-tcp needs --listen-tcp/);
  assert.throws(() => netListenOptions({ tlsAllowedDn: ['CN=x'] }), /--tls-allowed-dn needs --listen-tls/);
  assert.deepEqual(netListenOptions({}), {});
  assert.deepEqual(netListenOptions({ listenTcp: '127.0.0.1', authTcp: 'none' }).tcp, { host: '127.0.0.1', port: 16509 });
  assert.equal(dnAllowed('CN=tsvirt client,O=tsvirt', ['CN=tsvirt*,O=tsvirt']), true);
  assert.equal(dnAllowed('CN=eve,O=tsvirt', ['CN=tsvirt*,O=tsvirt']), false);
});

test('certificate files: missing, unreadable, mismatched and foreign are clear errors', { skip: IN_NETNS }, async () => {
  assert.throws(() => loadTlsFiles('server', path.join(tmp, 'nothing')), new RegExp(`Cannot read CA certificate '${tmp}/nothing/cacert.pem': No such file or directory`));
  const mixed = path.join(tmp, 'mixed');
  await fs.mkdir(mixed);
  await fs.copyFile(path.join(good, 'cacert.pem'), path.join(mixed, 'cacert.pem'));
  assert.throws(() => loadTlsFiles('server', mixed), /Cannot read server certificate '.*mixed\/servercert.pem'/);
  await fs.copyFile(path.join(good, 'servercert.pem'), path.join(mixed, 'servercert.pem'));
  await fs.copyFile(path.join(good, 'clientkey.pem'), path.join(mixed, 'serverkey.pem'));
  assert.throws(() => loadTlsFiles('server', mixed), /The server key .*serverkey.pem does not match the certificate/);
  await fs.copyFile(path.join(other, 'servercert.pem'), path.join(mixed, 'servercert.pem'));
  await fs.copyFile(path.join(other, 'serverkey.pem'), path.join(mixed, 'serverkey.pem'));
  assert.throws(() => loadTlsFiles('server', mixed), /is not signed by the CA certificate/);
  await fs.writeFile(path.join(mixed, 'cacert.pem'), 'not a certificate');
  assert.throws(() => loadTlsFiles('server', mixed), /Unable to import CA certificate/);
  // the key in private/ is found too
  const priv = path.join(tmp, 'priv');
  await fs.mkdir(path.join(priv, 'private'), { recursive: true });
  for (const f of ['cacert.pem', 'servercert.pem']) await fs.copyFile(path.join(good, f), path.join(priv, f));
  await fs.copyFile(path.join(good, 'serverkey.pem'), path.join(priv, 'private', 'serverkey.pem'));
  assert.equal(loadTlsFiles('server', priv).files.key, path.join(priv, 'private', 'serverkey.pem'));
});

test('TCP and TLS: the RPC client calls through both; foreign or missing client certificates and DNs are refused', { skip: !IN_NETNS }, async () => {
  const warnings: string[] = [];
  const servers = await listenNet({
    tcp: { host: '127.0.0.1', port: 0 },
    tls: { host: '127.0.0.1', port: 0, files: loadTlsFiles('server', good), allowedDn: [] },
  }, deps, (m) => warnings.push(m), () => undefined);
  const [tcpPort, tlsPort] = servers.map(portOf) as [number, number];
  try {
    assert.match(warnings.join('\n'), /auth none: anyone who can reach it controls this host/);
    const c = await RpcClient.connect(`qemu+tcp://127.0.0.1:${tcpPort}/system`);
    assert.equal((await c.call('DOMAIN_LOOKUP_BY_NAME', { name: 'web' })).dom.id, 3);
    assert.equal((await c.call('CONNECT_GET_URI', undefined)).uri, 'qemu:///system');
    await c.close();

    const t = await RpcClient.connect(`qemu+tls://127.0.0.1:${tlsPort}/system?pkipath=${good}`);
    assert.equal((await t.call('DOMAIN_LOOKUP_BY_NAME', { name: 'web' })).dom.name, 'web');
    await assert.rejects(t.call('DOMAIN_LOOKUP_BY_NAME', { name: 'x' }), /Domain not found: no domain with matching name 'x'/);
    await t.close();
    // the client certificate handed in (the daemon's own --tls-dir) when the URI has no pkipath
    const t2 = await RpcClient.connect(`qemu+tls://127.0.0.1:${tlsPort}/system`, { tls: loadTlsFiles('client', good) });
    assert.equal((await t2.call('CONNECT_GET_TYPE', undefined)).type, 'QEMU');
    await t2.close();

    // a client of another CA: the server does not know its certificate, the client not the server's
    await assert.rejects(RpcClient.connect(`qemu+tls://127.0.0.1:${tlsPort}/system?pkipath=${other}`, { timeoutMs: 5000 }), TsvirtError);
    // our CA, but a certificate of the other: refused by the server
    const foreign = { ca: await fs.readFile(path.join(good, 'cacert.pem')), cert: await fs.readFile(path.join(other, 'clientcert.pem')), key: await fs.readFile(path.join(other, 'clientkey.pem')), files: { ca: '', cert: '', key: '' } };
    await assert.rejects(RpcClient.connect(`qemu+tls://127.0.0.1:${tlsPort}/system`, { tls: foreign, timeoutMs: 5000 }), TsvirtError);
    // no client certificate at all: a bare TLS connection gets no RPC
    const tlsMod = await import('node:tls');
    const bare = tlsMod.connect({ host: '127.0.0.1', port: tlsPort, ca: await fs.readFile(path.join(good, 'cacert.pem')) });
    const got = await new Promise<string>((resolve) => {
      bare.once('data', () => resolve('data'));
      bare.once('error', () => resolve('error'));
      bare.once('close', () => resolve('close'));
    });
    bare.destroy();
    assert.notEqual(got, 'data');
    // the TCP port is plain: a TLS client there fails, and the TLS port takes no plain RPC
    await assert.rejects(RpcClient.connect(`qemu+tcp://127.0.0.1:${tlsPort}/system`, { timeoutMs: 3000 }), TsvirtError);
  } finally {
    for (const s of servers) await s.close();
  }
  // closed: nothing answers
  await assert.rejects(RpcClient.connect(`qemu+tcp://127.0.0.1:${tcpPort}/system`, { timeoutMs: 2000 }), /unable to connect to server/);
});

test('TLS with --tls-allowed-dn: a DN not on the list is refused', { skip: !IN_NETNS }, async () => {
  const warnings: string[] = [];
  const servers = await listenNet({ tls: { host: '127.0.0.1', port: 0, files: loadTlsFiles('server', good), allowedDn: ['O=tsvirt,CN=somebody else'] } }, deps, (m) => warnings.push(m), () => undefined);
  try {
    await assert.rejects(RpcClient.connect(`qemu+tls://127.0.0.1:${portOf(servers[0]!)}/system?pkipath=${good}`, { timeoutMs: 5000 }), /server verification \(of our certificate or IP address\) failed/);
    assert.match(warnings.join('\n'), /TLS client refused: its certificate's DN 'CN=tsvirt client,O=tsvirt' is not in --tls-allowed-dn/);
  } finally {
    for (const s of servers) await s.close();
  }
  const ok = await listenNet({ tls: { host: '127.0.0.1', port: 0, files: loadTlsFiles('server', good), allowedDn: ['CN=tsvirt client,O=*'] } }, deps, () => undefined, () => undefined);
  try {
    const c = await RpcClient.connect(`qemu+tls://127.0.0.1:${portOf(ok[0]!)}/system?pkipath=${good}`);
    assert.equal((await c.call('CONNECT_GET_TYPE', undefined)).type, 'QEMU');
    await c.close();
  } finally {
    for (const s of ok) await s.close();
  }
});
