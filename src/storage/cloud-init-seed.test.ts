import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../util/spawn.js';
import { generatePassword, seedFiles, writeSeedIso } from './cloud-init-seed.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk2bm9ub25zZW5zZWtleWZvcnRlc3RzMTIzNDU2 me@host';
const UUID = '4f0c2a5e-8f5b-4c4e-9d55-7a1b3c2d1e0f';

test('seed files from a typed config: instance-id, hostname, password for root and the default user, keys', () => {
  const f = seedFiles({ instanceId: UUID, hostname: 'web-1', password: 'pa"ss: #x', sshKeys: [KEY] });
  assert.equal(f['meta-data'], `instance-id: "${UUID}"\nlocal-hostname: "web-1"\n`);
  const u = f['user-data'].split('\n');
  assert.equal(u[0], '#cloud-config');
  // quoted scalars: the quote, colon and hash of the password stay inside the value
  assert.ok(u.includes('password: "pa\\"ss: #x"'), f['user-data']);
  assert.ok(u.includes('    plain_text_passwd: "pa\\"ss: #x"'), f['user-data']);
  assert.deepEqual(u.slice(u.indexOf('users:'), u.indexOf('users:') + 4), ['users:', '  - default', '  - name: root', '    lock_passwd: false']);
  // a chpasswd list would stop 'password' from reaching the default user
  assert.equal(f['user-data'].includes('list:'), false);
  assert.ok(u.includes('  expire: false'));
  assert.ok(u.includes(`  - ${JSON.stringify(KEY)}`));
  assert.equal(f['network-config'], undefined);
  assert.ok(seedFiles({ instanceId: UUID, password: 'x', passwordExpire: true })['user-data'].includes('  expire: true'));
  // nothing asked: a valid, empty cloud-config
  assert.equal(seedFiles({ instanceId: UUID })['user-data'], '#cloud-config\n');
});

test('the user\'s own files are written verbatim; mixing them with typed fields is refused', () => {
  const own = { instanceId: UUID, userData: '#cloud-config\nruncmd: [true]\n', metaData: 'instance-id: mine\n', networkConfig: 'version: 2\n' };
  assert.deepEqual(seedFiles(own), { 'user-data': own.userData, 'meta-data': own.metaData, 'network-config': own.networkConfig });
  assert.throws(() => seedFiles({ ...own, password: 'x' }), /user-data is written verbatim/);
  assert.throws(() => seedFiles({ ...own, sshKeys: [KEY] }), /user-data is written verbatim/);
  assert.throws(() => seedFiles({ ...own, hostname: 'h' }), /meta-data is written verbatim/);
});

test('bad input is refused with the reason', () => {
  assert.throws(() => seedFiles({ instanceId: UUID, password: 'a\nb' }), /one non-empty line/);
  assert.throws(() => seedFiles({ instanceId: UUID, password: '' }), /one non-empty line/);
  assert.throws(() => seedFiles({ instanceId: UUID, hostname: 'bad_host!' }), /invalid hostname 'bad_host!'/);
  assert.throws(() => seedFiles({ instanceId: UUID, sshKeys: ['hello world'] }), /not an ssh public key: 'hello world'/);
  assert.throws(() => seedFiles({ instanceId: UUID, sshKeys: [`${KEY}\nssh-rsa AAAA x`] }), /not an ssh public key/);
  assert.throws(() => seedFiles({ instanceId: UUID, userData: '  \n' }), /user-data is empty/);
  assert.throws(() => seedFiles({ instanceId: '' }), /instance-id is empty/);
});

test('generated passwords: 16 letters and digits, different each time', () => {
  const a = generatePassword();
  assert.match(a, /^[A-Za-z0-9]{16}$/);
  assert.notEqual(a, generatePassword());
});

test('genisoimage writes a cidata ISO whose files read back (isoinfo); a missing program is a clear error', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsvirt-seed-test-'));
  try {
    const iso = path.join(dir, 'seed.iso');
    const files = seedFiles({ instanceId: UUID, password: 'secret', sshKeys: [KEY], networkConfig: 'version: 2\n' });
    await writeSeedIso(files, iso);
    const pvd = await run('isoinfo', ['-d', '-i', iso]);
    assert.match(pvd.stdout, /^Volume id: cidata$/m);
    assert.match(pvd.stdout, /Joliet/);
    assert.match(pvd.stdout, /Rock Ridge/);
    for (const name of ['user-data', 'meta-data', 'network-config'] as const) {
      const r = await run('isoinfo', ['-R', '-x', `/${name}`, '-i', iso]);
      assert.equal(r.stdout, files[name], name);
    }
    const bad = path.join(dir, 'bad.iso');
    await assert.rejects(writeSeedIso(files, bad, 'genisoimage-not-here'), /genisoimage-not-here is not installed \(Debian package 'genisoimage'\)/);
    // genisoimage failing (here: the output folder does not exist) is its own message, and leaves no file
    await assert.rejects(writeSeedIso(files, path.join(dir, 'no/such/dir.iso')), /genisoimage failed to make the cloud-init seed/);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['seed.iso']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
