// libvirt's protocol sockets of tsvirtd, with the stock virsh: their permissions, the
// read-only socket refusing every write with libvirt's operation-denied error, errors for
// procedures tsvirt does not implement, and --libvirt-compat-sockets (a bare `virsh`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { socketAnswers } from '../../src/daemon/http-server.js';
import { run } from '../../src/util/spawn.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

const xml = (name: string) => `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os></domain>\n`;

test('the read-write socket is root\'s only, the read-only one everyone\'s', () => {
  const rw = statSync(path.join(d.root, 'run/tsvirt/libvirt-sock'));
  const ro = statSync(path.join(d.root, 'run/tsvirt/libvirt-sock-ro'));
  assert.ok(rw.isSocket() && ro.isSocket());
  assert.equal(rw.mode & 0o777, 0o600);
  assert.equal(ro.mode & 0o777, 0o666);
});

test('the read-only socket answers reads and refuses every write, changing nothing', async () => {
  const file = path.join(d.root, 'ro.xml');
  writeFileSync(file, xml('rw-made'));
  const defined = await d.virsh(['define', file]);
  assert.equal(defined.code, 0, defined.stderr);

  // without -r the client library lets the call through, so the daemon's own check is what refuses
  const ro = `${d.libvirtUri}-ro`;
  const list = await run('virsh', ['-c', ro, 'list', '--all', '--name'], { input: '' });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, 'rw-made\n\n');
  writeFileSync(file, xml('ro-made'));
  const writes: Array<[string[], string]> = [
    [['define', file], 'virDomainDefineXML'],
    [['start', 'rw-made'], 'virDomainCreate'],
    [['undefine', 'rw-made'], 'virDomainUndefine'],
    [['autostart', 'rw-made'], 'virDomainSetAutostart'],
  ];
  for (const [args, api] of writes) {
    const r = await run('virsh', ['-c', ro, ...args], { input: '' });
    assert.equal(r.code, 1, `${args.join(' ')} passed on the read-only socket`);
    assert.match(r.stderr, new RegExp(`error: operation forbidden: read only access prevents ${api}`), `${args.join(' ')}: ${r.stderr}`);
  }
  const after = await d.virsh(['list', '--all', '--name']);
  assert.equal(after.stdout, 'rw-made\n\n');
  assert.equal((await d.virsh(['dominfo', 'rw-made'])).stdout.match(/Autostart:\s+(\w+)/)?.[1], 'disable');
  assert.equal((await d.virsh(['undefine', 'rw-made'])).code, 0);
});

test('a procedure tsvirt does not implement gets libvirt\'s not-supported error and the session goes on', async () => {
  // checkpoints are not built: virsh gets the driver's "not supported", then the next command works
  const file = path.join(d.root, 'snap.xml');
  writeFileSync(file, xml('snap'));
  const r = await d.virsh([], { input: `define ${file}\ncheckpoint-list snap\nlist --all --name\nundefine snap\n` });
  assert.match(r.stderr, /error: this function is not supported by the connection driver: virDomainListAllCheckpoints/);
  assert.match(r.stdout, /^snap$/m);
  assert.match(r.stdout, /Domain 'snap' has been undefined/);
});

test('--libvirt-compat-sockets: a bare virsh (qemu:///system) reaches tsvirtd', async (t) => {
  if (await socketAnswers('/run/libvirt/libvirt-sock')) {
    t.skip('a libvirtd holds /run/libvirt/libvirt-sock here: tsvirtd leaves it alone');
    return;
  }
  const c = await startTestDaemon({ args: ['--libvirt-compat-sockets'] });
  try {
    const file = path.join(c.root, 'compat.xml');
    writeFileSync(file, xml('compat-guest'));
    assert.equal((await c.cli(['define', file])).code, 0);
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
    delete env.LIBVIRT_DEFAULT_URI;
    const bare = await run('virsh', ['list', '--all', '--name'], { input: '', env });
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(bare.stdout, 'compat-guest\n\n');
    const uri = await run('virsh', ['uri'], { input: '', env });
    assert.equal(uri.stdout.trim(), 'qemu:///system');
  } finally {
    await c.stop();
  }
  // the paths are given back when tsvirtd stops
  assert.equal(await socketAnswers('/run/libvirt/libvirt-sock'), false);
});
