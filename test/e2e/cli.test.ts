// End to end: the real tsvirt CLI against a real tsvirtd (isolated root). Definitions,
// listings, errors, batch mode, edit and events need no QEMU; one test boots the test
// guest to check the live commands (console over piped stdin, vncdisplay, ttyconsole).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, REPO, type TestDaemon } from './daemon.js';
import { ensureTestGuest, minimalDomainXml, type TestGuest } from './guest.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

function xml(name: string, title?: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>${title ? `\n  <title>${title}</title>` : ''}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/var/tmp/${name}.img'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>
  </devices>
</domain>
`;
}

function writeXml(name: string, text = xml(name)): string {
  const file = path.join(d.root, `${name}.xml`);
  writeFileSync(file, text);
  return file;
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await d.cli(args, { input });
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

test('define, list, dominfo, domstate, dumpxml, domblklist, domiflist, undefine', async () => {
  try {
    const file = writeXml('alpha', xml('alpha', 'The first'));
    assert.equal(await ok(['define', file]), `Domain 'alpha' defined from ${file}\n\n`);
    assert.equal(await ok(['define', writeXml('b')]), `Domain 'b' defined from ${path.join(d.root, 'b.xml')}\n\n`);
    assert.equal(await ok(['list', '--all']),
      ' Id   Name    State\n------------------------\n -    alpha   shut off\n -    b       shut off\n\n');
    assert.equal(await ok(['list']), ' Id   Name   State\n--------------------\n\n');
    assert.equal(await ok(['list', '--all', '--title']),
      ' Id   Name    State      Title\n' + '-'.repeat(36) + '\n' + ' -    alpha   shut off   The first\n -    b       shut off   \n\n');
    assert.equal(await ok(['list', '--all', '--name']), 'alpha\nb\n\n');
    assert.equal(await ok(['-q', 'list', '--all']), ' -   alpha   shut off\n -   b       shut off\n');

    const uuid = (await ok(['domuuid', 'alpha'])).trim();
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(await ok(['domname', uuid]), 'alpha\n\n');
    assert.equal(await ok(['domid', 'alpha']), '-\n\n');
    const info = await ok(['dominfo', uuid]);
    assert.match(info, /^Id: {13}-\nName: {11}alpha\nUUID: {11}[0-9a-f-]{36}\nOS Type: {8}hvm\nState: {10}shut off\nCPU\(s\): {9}1\nMax memory: {5}65536 KiB\n/);
    assert.deepEqual(JSON.parse(await ok(['dominfo', '--json', 'alpha'])).name, 'alpha');
    assert.equal(await ok(['domstate', '--reason', 'alpha']), 'shut off (unknown)\n\n');
    assert.deepEqual(JSON.parse(await ok(['domstate', 'alpha', '--json'])), { state: 'shutoff', reason: 'unknown' });
    const listed = JSON.parse(await ok(['list', '--all', '--json'])) as Array<{ name: string }>;
    assert.deepEqual(listed.map((x) => x.name), ['alpha', 'b']);

    const dump = await ok(['dumpxml', 'alpha']);
    assert.match(dump, /^<domain type='qemu'>\n  <name>alpha<\/name>\n  <uuid>/);
    assert.ok(dump.endsWith('</domain>\n\n'));
    // dash line: widths + 3 between columns + 3
    assert.equal(await ok(['domblklist', 'alpha']), ' Target   Source\n' + '-'.repeat(6 + 18 + 6) + '\n vda      /var/tmp/alpha.img\n\n');
    assert.equal(await ok(['domblklist', '--details', 'alpha']),
      ' Type   Device   Target   Source\n' + '-'.repeat(4 + 6 + 6 + 18 + 12) + '\n file   disk     vda      /var/tmp/alpha.img\n\n');
    assert.equal(await ok(['domiflist', 'alpha']),
      ' Interface   Type   Source   Model    MAC\n' + '-'.repeat(9 + 4 + 6 + 6 + 17 + 15) + '\n -           user   -        virtio   52:54:00:00:00:01\n\n');

    assert.equal(await ok(['autostart', 'alpha']), "Domain 'alpha' marked as autostarted\n\n");
    assert.equal(await ok(['list', '--all', '--autostart', '--name']), 'alpha\n\n');
    assert.equal(await ok(['autostart', '--disable', 'alpha']), "Domain 'alpha' unmarked as autostarted\n\n");

    assert.equal(await ok(['undefine', 'alpha']), "Domain 'alpha' has been undefined\n\n");
    assert.equal(await ok(['undefine', uuid.length ? 'b' : 'b']), "Domain 'b' has been undefined\n\n");
    assert.equal(await ok(['list', '--all', '--name']), '\n');
  } finally {
    // leave nothing behind for the next tests when an assertion failed
    await d.cli(['undefine', 'alpha']);
    await d.cli(['undefine', 'b']);
  }
});

test('errors: virsh messages and exit code 1', async () => {
  let r = await d.cli(['dominfo', 'nosuch']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '\n', "error: failed to get domain 'nosuch'\n"]);
  r = await d.cli(['start', 'nosuch']);
  assert.deepEqual([r.code, r.stderr], [1, "error: failed to get domain 'nosuch'\n"]);
  r = await d.cli(['define', path.join(d.root, 'missing.xml')]);
  assert.deepEqual([r.code, r.stderr], [1, `error: Failed to open file '${path.join(d.root, 'missing.xml')}': No such file or directory\n`]);
  const bad = writeXml('bad', '<domain type=\'qemu\'><name>bad</name>');
  r = await d.cli(['define', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^error: Failed to define domain from ${bad}\nerror: XML error: .+\n$`));
  assert.equal((await d.cli(['destroy', 'nosuch'])).stderr, "error: failed to get domain 'nosuch'\n");
  r = await d.cli(['list', '--bogus']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', "error: command 'list' doesn't support option --bogus\n"]);
  for (const r2 of [await d.cli(['dominfo', 'nosuch']), await d.cli(['foo'])]) assert.doesNotMatch(r2.stderr, /\n\s+at /);
});

test('batch: ; in one argument and one command per stdin line, over one connection', async () => {
  const a = writeXml('batch-a'), b = writeXml('batch-b');
  assert.equal(await ok([`define ${a}; define ${b}; domid batch-b`]),
    `Domain 'batch-a' defined from ${a}\n\nDomain 'batch-b' defined from ${b}\n\n-\n\n`);
  const r = await d.cli(['-q'], { input: 'domid batch-a\ndominfo nosuch\nundefine batch-a\nundefine batch-b\nlist --all --name\n' });
  // (list --all --name prints nothing more: the first test removed its domains)
  assert.equal(r.code, 1, 'one failed line makes the batch fail');
  assert.equal(r.stdout, '-\n');
  assert.equal(r.stderr, "error: failed to get domain 'nosuch'\n");
});

test('edit: unchanged, changed (re-defined), invalid XML refused without a TTY', async () => {
  await ok(['define', writeXml('ed', xml('ed', 'Before'))]);
  try {
    let r = await d.cli(['edit', 'ed'], { env: { VISUAL: '', EDITOR: 'true' } });
    assert.equal(r.stdout, "Domain 'ed' XML configuration not changed.\n\n");
    r = await d.cli(['edit', 'ed'], { env: { VISUAL: 'sed -i s/Before/After/', EDITOR: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Domain 'ed' XML configuration edited.\n\n");
    assert.match(await ok(['dumpxml', 'ed']), /<title>After<\/title>/);
    r = await d.cli(['edit', 'ed'], { env: { VISUAL: '', EDITOR: "sed -i 's/<memory/<memoryx/'" } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: XML error: /);
    assert.match(await ok(['dumpxml', 'ed']), /<memory unit='KiB'>65536<\/memory>/, 'definition unchanged');
  } finally {
    await d.cli(['undefine', 'ed']);
  }
});

test('event: lifecycle lines for define and undefine, --timeout, --json lines', { timeout: 60_000 }, async () => {
  const file = writeXml('ev');
  const child = spawn(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'event', '--all', '--loop', '--timeout', '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const jsonChild = spawn(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'event', '--event', 'lifecycle', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let json = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  jsonChild.stdout.on('data', (c: Buffer) => (json += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const jsonExited = new Promise<number | null>((r) => jsonChild.once('exit', r));
  try {
    await new Promise((r) => setTimeout(r, 2500)); // both subscribed (CLI startup under load)
    await ok(['define', file]);
    await ok(['undefine', 'ev']);
    assert.equal(await exited, 0);
    assert.equal(out, "event 'lifecycle' for domain 'ev': Defined Added\nevent 'lifecycle' for domain 'ev': Undefined Removed\nevent loop timed out\nevents received: 2\n\n");
    // without --loop: one event, printed as one JSON line, then exit 0
    assert.equal(await jsonExited, 0);
    const lines = json.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.deepEqual([lines[0].event, lines[0].detail, lines[0].domain.name], ['defined', 'added', 'ev']);
    const r = await d.cli(['event', '--all', '--domain', 'nosuch']);
    assert.deepEqual([r.code, r.stderr], [1, "error: failed to get domain 'nosuch'\n"]);
    const r2 = await d.cli(['event']);
    assert.deepEqual([r2.code, r2.stderr], [1, 'error: one of --list, --all, or --event <type> is required\n']);
  } finally {
    child.kill('SIGKILL');
    jsonChild.kill('SIGKILL');
  }
});

test('live: start, vncdisplay, ttyconsole, console over piped stdin, destroy', { timeout: 180_000 }, async () => {
  const guest: TestGuest = await ensureTestGuest();
  const file = writeXml('live', minimalDomainXml({
    name: 'live', ...guest, extraDevices: "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>",
  }));
  await ok(['define', file]);
  try {
    assert.equal(await ok(['start', 'live']), "Domain 'live' started\n\n");
    const again = await d.cli(['start', 'live']);
    assert.deepEqual([again.code, again.stderr], [1, 'error: Domain is already active\n']);
    assert.match(await ok(['list']), /^ Id   Name   State\n----------------------\n \d+    live   running\n\n$/);
    assert.match(await ok(['vncdisplay', 'live']), /^127\.0\.0\.1:\d+\n\n$/);
    assert.match(await ok(['ttyconsole', 'live']), /^\/dev\/pts\/\d+\n\n$/);
    // piped stdin: the guest's shell may be up already (its banner went by before we attached),
    // so type the command every 1.5 s until its output comes back, then leave with Ctrl-]
    const con = spawn(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'console', 'live'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    const done = new Promise<number | null>((r) => con.once('exit', r));
    let typer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer on the console: ${text}`)), 60_000);
        con.stdout.on('data', (c: Buffer) => {
          text += c.toString('latin1');
          if (!typer && text.includes('Escape character')) {
            const type = () => con.stdin.write('echo con""sole-works\n');
            type();
            typer = setInterval(type, 1500);
          }
          if (text.includes('console-works')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      clearInterval(typer);
      // a second console on the same device is refused with virsh's error while this one is open
      const second = await d.cli(['console', 'live']);
      assert.deepEqual([second.code, second.stderr], [1, 'error: operation failed: Active console session exists for this domain\n']);
      // --force takes it over: the session pushed out says so and fails, as virsh's does
      let errText = '';
      con.stderr.on('data', (c: Buffer) => (errText += c.toString()));
      const forced = await d.cli(['console', 'live', '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /^Connected to domain 'live'\n/);
      assert.equal(await done, 1);
      assert.equal(errText, 'error: operation failed: console session taken over by another client (--force)\n');
      assert.match(text, /^Connected to domain 'live'\nEscape character is \^\] \(Ctrl \+ \]\)\n/);
    } finally {
      clearInterval(typer);
      con.kill('SIGKILL');
    }
    assert.equal(await ok(['destroy', 'live']), "Domain 'live' destroyed\n\n");
    assert.equal(await ok(['domstate', '--reason', 'live']), 'shut off (destroyed)\n\n');
    const r = await d.cli(['console', 'live']);
    assert.deepEqual([r.code, r.stderr], [1, 'error: The domain is not running\n']);
  } finally {
    await d.cli(['destroy', 'live']);
    await d.cli(['undefine', 'live']);
  }
});
