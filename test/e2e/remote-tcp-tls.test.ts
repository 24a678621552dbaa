// tsvirtd over the network, as libvirtd: two hosts in two network namespaces; the
// destination listens with --listen-tcp (auth none) and --listen-tls (x509 made by
// scripts/make-tls-certs.sh). From the source namespace stock virsh defines, lists and
// dumps a domain over both; a client certificate of another CA is refused; the RPC client
// does the same daemon-to-daemon; the source (started without them) has both ports closed;
// bad options stop the daemon from starting. No guest boots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync, promises as fs } from 'node:fs';
import { run, runOk } from '../../src/util/spawn.js';
import { startTwoHosts, type TwoHosts } from './two-hosts.js';
import { startTestDaemon, REPO } from './daemon.js';

const SUBNET = 52;
const DST = `10.231.${SUBNET}.2`;
const SRC = `10.231.${SUBNET}.1`;
let hosts: TwoHosts;
let tmp: string;
let certs: string;
let otherCerts: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tsvirt-rmt-'));
  certs = path.join(tmp, 'pki');
  otherCerts = path.join(tmp, 'other');
  await runOk('bash', [path.join(REPO, 'scripts/make-tls-certs.sh'), certs, DST, SRC]);
  await runOk('bash', [path.join(REPO, 'scripts/make-tls-certs.sh'), otherCerts, DST], { env: { ...process.env, CA_NAME: 'someone else' } });
  hosts = await startTwoHosts('rmt', SUBNET, {
    args: (h, address) => (h === 'dst' ? ['--listen-tcp', address, '--auth-tcp', 'none', '--listen-tls', address, '--tls-dir', certs] : []),
  });
});
let sshdPid: number | undefined;
after(async () => {
  if (sshdPid) try { process.kill(sshdPid, 'SIGTERM'); } catch { /* gone */ }
  await hosts?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** stock virsh run inside a namespace */
function virshIn(ns: string, uri: string, args: string[]) {
  return run('ip', ['netns', 'exec', ns, 'virsh', '-c', uri, ...args], { env: { ...process.env, LC_ALL: 'C' }, timeoutMs: 30_000 });
}

test('stock virsh over qemu+tcp:// and qemu+tls:// from the other host', { timeout: 120_000 }, async () => {
  const tcp = `qemu+tcp://${DST}/system`;
  const tlsUri = `qemu+tls://${DST}/system?pkipath=${certs}`;
  const xml = path.join(tmp, 'rmt1.xml');
  await fs.writeFile(xml, "<domain type='qemu'><name>rmt1</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\n");
  const def = await virshIn(hosts.src.netns, tcp, ['define', xml]);
  assert.equal(def.code, 0, def.stderr);
  assert.match(def.stdout, /Domain 'rmt1' defined from/);
  for (const uri of [tcp, tlsUri]) {
    const list = await virshIn(hosts.src.netns, uri, ['list', '--all']);
    assert.equal(list.code, 0, `${uri}: ${list.stderr}`);
    assert.match(list.stdout, /-\s+rmt1\s+shut off/);
    const dump = await virshIn(hosts.src.netns, uri, ['dumpxml', 'rmt1']);
    assert.equal(dump.code, 0, dump.stderr);
    assert.match(dump.stdout, /<name>rmt1<\/name>/);
    const missing = await virshIn(hosts.src.netns, uri, ['dominfo', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /failed to get domain 'nope'/);
  }
  // the domain is the destination's: its own socket sees it, the source's does not
  assert.match((await hosts.dst.daemon.virsh(['list', '--all', '--name'])).stdout, /^rmt1$/m);
  assert.doesNotMatch((await hosts.src.daemon.virsh(['list', '--all', '--name'])).stdout, /rmt1/);
  // TLS with certificates of another CA: refused (the server does not take the client's, nor the client the server's)
  const foreign = await virshIn(hosts.src.netns, `qemu+tls://${DST}/system?pkipath=${otherCerts}`, ['list', '--all']);
  assert.notEqual(foreign.code, 0);
  assert.match(foreign.stderr, /error: failed to connect to the hypervisor/);
  assert.match(foreign.stderr, /Failed to verify peer's certificate/);
  // a client that trusts both CAs (so virsh takes its own certificate and the server's) with a
  // certificate of the other CA: the server refuses it
  const mixed = path.join(tmp, 'mixed');
  await fs.mkdir(mixed);
  const both = Buffer.concat([await fs.readFile(path.join(certs, 'cacert.pem')), await fs.readFile(path.join(otherCerts, 'cacert.pem'))]);
  await fs.writeFile(path.join(mixed, 'cacert.pem'), both);
  for (const f of ['clientcert.pem', 'clientkey.pem']) await fs.copyFile(path.join(otherCerts, f), path.join(mixed, f));
  const badClient = await virshIn(hosts.src.netns, `qemu+tls://${DST}/system?pkipath=${mixed}`, ['list', '--all']);
  assert.notEqual(badClient.code, 0);
  assert.match(badClient.stderr, /failed to connect to the hypervisor/);
  assert.match(badClient.stderr, /Unable to read TLS confirmation/);
  // the destination still serves after the refusals
  assert.equal((await virshIn(hosts.src.netns, tlsUri, ['list', '--all'])).code, 0);
});

test('stock virsh over qemu+ssh:// to the libvirt socket (sshd in the destination namespace)', { timeout: 60_000, skip: !existsSync('/usr/sbin/sshd') && 'openssh-server is not installed' }, async () => {
  const dir = path.join(tmp, 'ssh');
  await fs.mkdir(dir);
  for (const k of ['host_key', 'client_key']) await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, k)]);
  await fs.copyFile(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'));
  await fs.mkdir('/run/sshd', { recursive: true }); // sshd's privilege separation folder
  await fs.writeFile(path.join(dir, 'sshd_config'), [
    `ListenAddress ${DST}:22`, `HostKey ${dir}/host_key`, `PidFile ${dir}/sshd.pid`, `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', '',
  ].join('\n'));
  await runOk('ip', ['netns', 'exec', hosts.dst.netns, '/usr/sbin/sshd', '-f', path.join(dir, 'sshd_config'), '-E', path.join(dir, 'sshd.log')]);
  // sshd writes its pid file once it forked and listens
  for (let i = 0; i < 100 && !existsSync(path.join(dir, 'sshd.pid')); i++) await new Promise((res) => setTimeout(res, 50));
  sshdPid = Number((await fs.readFile(path.join(dir, 'sshd.pid'), 'utf8')).trim());
  // ssh through a wrapper (libvirt's command=): its own known_hosts, never the user's
  const wrapper = path.join(dir, 'ssh');
  await fs.writeFile(wrapper, `#!/bin/sh\nexec ssh -o UserKnownHostsFile=${dir}/known_hosts -o StrictHostKeyChecking=no -o BatchMode=yes "$@"\n`, { mode: 0o755 });
  const sock = path.join(hosts.dst.daemon.root, 'run/tsvirt/libvirt-sock');
  const uri = `qemu+ssh://root@${DST}/system?socket=${sock}&keyfile=${dir}/client_key&command=${wrapper}&no_tty=1`;
  const list = await virshIn(hosts.src.netns, uri, ['list', '--all']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /-\s+rmt1\s+shut off/);
  const dump = await virshIn(hosts.src.netns, uri, ['dumpxml', 'rmt1']);
  assert.match(dump.stdout, /<name>rmt1<\/name>/);
  // the RPC client through the same tunnel
  const r = await run('ip', ['netns', 'exec', hosts.src.netns, process.execPath, '--import', 'tsx', path.join(REPO, 'test/e2e/rpc-client-call.ts'), uri, 'rmt1'], { cwd: REPO, timeoutMs: 30_000 });
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), {
    name: 'rmt1', xml: true, closed: true, error: { code: 'no-domain', message: "Domain not found: no domain with matching name 'no-such-domain'" },
  });
  // a key sshd does not know: refused
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'stranger')]);
  const stranger = await virshIn(hosts.src.netns, uri.replace(`${dir}/client_key`, `${dir}/stranger`), ['list']);
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /failed to connect to the hypervisor/);
  const r2 = await run('ip', ['netns', 'exec', hosts.src.netns, process.execPath, '--import', 'tsx', path.join(REPO, 'test/e2e/rpc-client-call.ts'), uri.replace(`${dir}/client_key`, `${dir}/stranger`), 'rmt1'], { cwd: REPO, timeoutMs: 30_000 });
  assert.match(JSON.parse(r2.stdout.trim().split('\n').pop()!).failed, /End of file while reading data: .*Permission denied/);
});

test('the RPC client, daemon-to-daemon style, over TCP and TLS', { timeout: 60_000 }, async () => {
  const call = async (uri: string, tlsDir?: string) => {
    const r = await run('ip', ['netns', 'exec', hosts.src.netns, process.execPath, '--import', 'tsx', path.join(REPO, 'test/e2e/rpc-client-call.ts'), uri, 'rmt1', ...(tlsDir ? [tlsDir] : [])], { cwd: REPO, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };
  for (const got of [await call(`qemu+tcp://${DST}/system`), await call(`qemu+tls://${DST}/system`, certs), await call(`qemu+tls://${DST}:16514/system?pkipath=${certs}`)]) {
    assert.deepEqual(got, {
      name: 'rmt1', xml: true, closed: true,
      error: { code: 'no-domain', message: "Domain not found: no domain with matching name 'no-such-domain'" },
    });
  }
  const refused = await call(`qemu+tls://${DST}/system`, otherCerts);
  assert.ok(refused.failed, JSON.stringify(refused));
});

test('the listeners are off by default: the source host has neither port open', { timeout: 60_000 }, async () => {
  for (const uri of [`qemu+tcp://${SRC}/system`, `qemu+tls://${SRC}/system?pkipath=${certs}`]) {
    const r = await virshIn(hosts.dst.netns, uri, ['list']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Connection refused/);
  }
});

test('bad listener options: a clear error and no daemon', { timeout: 60_000 }, async () => {
  const cases: Array<[string[], RegExp]> = [
    // (the other checks of the options are unit tests: rpc-listen-net.test.ts)
    [['--listen-tcp', '127.0.0.1'], /--listen-tcp needs --auth-tcp none/],
    [['--listen-tls', '127.0.0.1', '--tls-dir', path.join(tmp, 'none')], /Cannot read CA certificate '.*\/none\/cacert.pem': No such file or directory/],
  ];
  for (const [args, want] of cases) {
    await assert.rejects(startTestDaemon({ args }), (e: Error) => {
      assert.match(e.message, /tsvirtd exited with [12]/);
      assert.match(e.message, want);
      return true;
    });
  }
});
