// cloud-init NoCloud seeds end to end on the real Debian BIOS image (one guest): `tsvirt
// cloud-init` makes the seed volume in the default pool and attaches it as an IDE CD-ROM
// (machine 'pc'); bad input changes nothing; a second run replaces the seed. The guest's
// cloud-init then reads the seed: the default user 'debian' logs in on the serial console
// with the seed's password (root too), holds the ssh key, and has the seed's host name and instance-id.
// Run it alone: /work/brief/vm-slot node --import tsx --test test/e2e/cloud-init.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run, runOk } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { mustSucceed } from './virsh-compare.js';
import { DEBIAN_BOOT_MS, GuestShell, debianDomainXml, ensureDebianImages, overlay } from './debian-guest.js';

const NAME = 'cideb';
const SEED = `${NAME}-cidata.iso`;
const PASSWORD = 'seed-Pass:42';
let d: TestDaemon | undefined;
let sh: GuestShell | undefined;
let uuid = '';
let keyFile = '';
let pwFile = '';

const file = (name: string, text: string) => {
  const f = path.join(d!.root, name);
  writeFileSync(f, text);
  return f;
};

const { virsh, cli } = mustSucceed(() => d!);


async function cliFails(args: string[], why: RegExp): Promise<void> {
  const r = await d!.cli(args, { timeoutMs: 60_000 });
  assert.notEqual(r.code, 0, `tsvirt ${args.join(' ')} should fail`);
  assert.match(r.stderr, why);
}

const guest = (cmd: string) => sh!.must(cmd);

/**
 * Logs in on the console, again after each 'Login incorrect': getty may ask before cloud-init
 * has made the user and set its password (GuestShell.login tries once).
 */
async function loginWhenSeeded(user: string, password: string, ms: number): Promise<void> {
  const con = sh!.con;
  const deadline = Date.now() + ms;
  let at = con.text.length;
  for (;;) {
    const nudge = setInterval(() => con.type('\r'), 5000);
    try {
      await con.waitFor(/login: $/m, Math.max(5000, deadline - Date.now()), at);
    } finally {
      clearInterval(nudge);
    }
    const from = con.text.length;
    con.type(`${user}\r`);
    await con.waitFor('Password:', 30_000, from);
    con.type(`${password}\r`);
    await con.waitFor(/[#$] $|Login incorrect/m, 60_000, from);
    const wrong = con.text.indexOf('Login incorrect', from);
    if (wrong < 0) break;
    // the next login: prompt follows the message
    at = wrong;
    if (Date.now() > deadline) throw new Error(`'${user}' could not log in within ${ms} ms: ${JSON.stringify(con.text.slice(-1500))}`);
  }
  await sh!.run('stty -echo cols 1000');
}

const cdroms = (xml: string) => xml.match(/<disk type='volume' device='cdrom'>[\s\S]*?<\/disk>/g) ?? [];

before(async () => {
  const images = await ensureDebianImages();
  d = await startTestDaemon();
  const disk = path.join(d.root, 'cideb.qcow2');
  await overlay(images.bios, disk);
  await virsh(['define', file('dom.xml', debianDomainXml({ name: NAME, firmware: 'bios', disk: { file: disk }, agent: false }))]);
  uuid = (await virsh(['domuuid', NAME])).trim();
  keyFile = path.join(d.root, 'id_ed25519');
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tsvirt-test', '-f', keyFile]);
  pwFile = file('pw.txt', `${PASSWORD}\nsecond line is not read\n`);
});

after(async () => {
  sh?.close();
  await d?.stop();
});

test('bad input is a clear error and changes nothing', async () => {
  await cliFails(['cloud-init', 'nosuch', '--root-password-file', pwFile], /failed to get domain 'nosuch'/);
  await cliFails(['cloud-init', NAME, '--hostname', 'bad_host!'], /invalid hostname 'bad_host!'/);
  await cliFails(['cloud-init', NAME, '--root-password-generate', '--root-password-file', pwFile], /mutually exclusive/);
  await cliFails(['cloud-init', NAME, '--user-data', file('ud', '#cloud-config\n'), '--ssh-key', `${keyFile}.pub`], /user-data is written verbatim/);
  await cliFails(['cloud-init', NAME, '--ssh-key', pwFile], /not an ssh public key/);
  await cliFails(['cloud-init', NAME, '--pool', 'nosuch'], /Storage pool not found/);
  await cliFails(['cloud-init', NAME, '--user-data', '/no/such/file'], /Failed to open file '\/no\/such\/file': No such file or directory/);
  assert.doesNotMatch(await virsh(['vol-list', 'default']), /cidata/);
  assert.deepEqual(cdroms(await virsh(['dumpxml', '--inactive', NAME])), []);
});

test('the seed is a cidata volume of the default pool, attached as a read-only IDE CD-ROM; a second run replaces it', async () => {
  // first with a generated password: printed once
  const gen = await cli(['cloud-init', NAME, '--root-password-generate']);
  assert.match(gen, /^Password for first root login is: [A-Za-z0-9]{16}$/m);
  assert.match(gen, new RegExp(`Seed default/${SEED} attached to domain '${NAME}' as CD-ROM hda`));
  const xml = await virsh(['dumpxml', '--inactive', NAME]);
  const [cd, ...more] = cdroms(xml);
  assert.equal(more.length, 0);
  assert.match(cd!, new RegExp(`<source pool='default' volume='${SEED}'/>`));
  assert.match(cd!, /<target dev='hda' bus='ide'\/>/);
  assert.match(cd!, /<readonly\/>/);
  assert.match(cd!, /<driver name='qemu' type='raw'\/>/);

  // the one this test boots: the password from a file, the ssh key, a host name
  const again = await cli(['cloud-init', NAME, '--root-password-file', pwFile, '--ssh-key', `${keyFile}.pub`, '--hostname', 'cihost']);
  assert.match(again, new RegExp(`Seed default/${SEED} of domain '${NAME}' \\(CD-ROM hda\\) replaced`));
  assert.doesNotMatch(again, /Password for first/);
  assert.equal(cdroms(await virsh(['dumpxml', '--inactive', NAME])).length, 1, 'still one CD-ROM');

  // stock virsh sees the volume; its bytes are a NoCloud seed made for this domain
  assert.match(await virsh(['vol-list', 'default']), new RegExp(`^ ${SEED.replace(/\./g, '\\.')}\\s+/`, 'm'));
  const volPath = (await virsh(['vol-path', '--pool', 'default', SEED])).trim();
  assert.match(await virsh(['vol-dumpxml', '--pool', 'default', SEED]), /<format type='raw'\/>/);
  assert.match((await runOk('isoinfo', ['-d', '-i', volPath])), /^Volume id: cidata$/m);
  const meta = await runOk('isoinfo', ['-R', '-x', '/meta-data', '-i', volPath]);
  assert.match(meta, new RegExp(`instance-id: "${uuid}"`));
  const user = await runOk('isoinfo', ['-R', '-x', '/user-data', '-i', volPath]);
  assert.match(user, /^#cloud-config\n/);
  assert.ok(user.includes(readFileSync(`${keyFile}.pub`, 'utf8').trim()), user);
  assert.ok(user.includes(JSON.stringify(PASSWORD)), 'only the first line of the password file');
  // the temporary name it was written under is gone
  assert.deepEqual((await run('ls', ['-a', path.dirname(volPath)])).stdout.split('\n').filter((n) => n.includes('.part')), []);
});

test('the guest runs cloud-init from the seed: debian logs in with the password and has the key', { timeout: DEBIAN_BOOT_MS + 240_000 }, async () => {
  await virsh(['start', NAME]);
  sh = GuestShell.open(d!, NAME);
  await loginWhenSeeded('debian', PASSWORD, DEBIAN_BOOT_MS + 180_000);
  assert.equal(await guest('id -un'), 'debian');
  assert.match((await sh.run('cloud-init status --wait', 180_000)).out, /status: done/);
  assert.equal(await guest('cat ~/.ssh/authorized_keys'), readFileSync(`${keyFile}.pub`, 'utf8').trim());
  assert.equal(await guest('hostname'), 'cihost');
  assert.equal(await guest('cat /var/lib/cloud/data/instance-id'), uuid);
  assert.match(await guest('cat /run/cloud-init/result.json'), /DataSourceNoCloud/);
  // (expire: false) the login went straight to a shell, with no new password asked
  assert.doesNotMatch(sh.con.text, /You are required to change your password/);
  // root's password is the seed's too (the image's own one is gone)
  sh.con.type('exit\r');
  await loginWhenSeeded('root', PASSWORD, 120_000);
  assert.equal(await guest('id -un'), 'root');
});

test('the seed of a running domain is not replaced under it', async () => {
  await cliFails(['cloud-init', NAME, '--root-password-file', pwFile], new RegExp(`cannot replace volume '${SEED.replace(/\./g, '\\.')}': it is in use by running domain '${NAME}'`));
});
