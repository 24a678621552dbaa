// virsh console through libvirt's protocol (DOMAIN_OPEN_CONSOLE, a stream both ways) on the
// TCG test guest: the stock virsh under a pty (script(1)) sees the guest's shell, what is
// typed reaches the guest, Ctrl+] leaves; one session per device across both transports
// (tsvirt's WebSocket console too), --force takes it over, the guest's end ends the console;
// channels (DOMAIN_OPEN_CHANNEL) through libvirt-python; errors as libvirt words them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, startTestDaemon, type TestDaemon } from './daemon.js';
import { GUEST_READY, ensureTestGuest, minimalDomainXml, waitForText } from './guest.js';
import { run } from '../../src/util/spawn.js';
import { Client } from '../../src/client/client.js';
import { CONSOLE_ERROR_CLOSE } from '../../src/daemon/console.js';
import { ConsoleClient as Console } from './console-client.js';

let d: TestDaemon;
let log: string;
const consoles: Console[] = [];
const track = (c: Console) => (consoles.push(c), c);

before(async () => {
  d = await startTestDaemon();
});
after(async () => {
  for (const c of consoles) c.kill();
  await d?.stop();
});

/** the stock virsh console under a pty: script(1) gives it one, fed from our pipe */
function virshConsole(name: string, ...opts: string[]): Console {
  const cmd = ['virsh', '-c', `'${d.libvirtUri}'`, 'console', ...opts, name].join(' ');
  return track(new Console(spawn('script', ['-qefc', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })));
}

/** how the HTTP transport's console WebSocket closes right after opening: [code, reason] */
async function wsRefusal(name: string): Promise<[number, string]> {
  const client = new Client({ uri: d.uri });
  try {
    const ws = client.console(name);
    return await new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
  } finally {
    client.close();
  }
}

/** tsvirt's own console (the WebSocket of the HTTP transport) */
function cliConsole(name: string): Console {
  return track(new Console(spawn(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'console', name], { stdio: ['pipe', 'pipe', 'pipe'] })));
}

async function startGuest(name: string, extraDevices?: string): Promise<void> {
  const guest = await ensureTestGuest();
  log = path.join(d.root, `${name}.log`);
  const file = path.join(d.root, `${name}.xml`);
  writeFileSync(file, minimalDomainXml({ name, ...guest, consoleLog: log, extraDevices }));
  assert.equal((await d.virsh(['define', file])).code, 0);
  const r = await d.virsh(['start', name]);
  assert.equal(r.code, 0, r.stderr);
  await waitForText(log, GUEST_READY, 60_000);
}

test('virsh console: the guest\'s shell answers, Ctrl+] leaves, one session per device across transports', { timeout: 120_000 }, async () => {
  await startGuest('con', "<channel type='pty'><target type='virtio' name='org.tsvirt.test.0'/></channel>");
  const a = virshConsole('con');
  await a.waitFor(/Connected to domain 'con'\r\nEscape character is \^\] \(Ctrl \+ \]\)\r\n/);
  await a.command('echo con""sole-works', 'console-works');
  // the typed command ran in the guest: its answer is in the serial log too
  await waitForText(log, 'console-works', 10_000);
  // the device is taken: a second virsh, and tsvirt's own console, are refused
  const b = virshConsole('con');
  assert.equal(await b.exited, 1, b.text);
  assert.match(b.text, /error: operation failed: Active console session exists for this domain/);
  assert.deepEqual(await wsRefusal('con'), [CONSOLE_ERROR_CLOSE, 'Active console session exists for this domain']);
  a.type(Buffer.from([0x1d]));
  assert.equal(await a.exited, 0);
  // left cleanly: the session is free for tsvirt's WebSocket console, which then holds it against virsh
  const c = cliConsole('con');
  await c.waitFor('Escape character');
  await c.command('echo web""socket-works', 'websocket-works');
  const e = virshConsole('con');
  assert.equal(await e.exited, 1);
  assert.match(e.text, /Active console session exists for this domain/);
  c.type(Buffer.from([0x1d]));
  assert.equal(await c.exited, 0);
});

test('--force takes the console over; the guest\'s end ends the console', { timeout: 90_000 }, async () => {
  const a = virshConsole('con');
  await a.waitFor('Escape character');
  const b = virshConsole('con', '--force');
  await b.waitFor('Escape character');
  assert.equal(await a.exited, 1);
  assert.match(a.text, /error: operation failed: console session taken over by another client \(--force\)/);
  await b.command('echo for""ced-works', 'forced-works');
  // destroy: QEMU closes the pty, the stream ends (empty data), virsh finishes and exits 0
  assert.equal((await d.virsh(['destroy', 'con'])).code, 0);
  assert.equal(await b.exited, 0);
  const off = virshConsole('con');
  assert.equal(await off.exited, 1);
  assert.match(off.text, /error: The domain is not running/);
});

test('errors: unknown device, read-only socket; channels through libvirt-python', { timeout: 90_000 }, async () => {
  assert.equal((await d.virsh(['start', 'con'])).code, 0);
  await waitForText(log, GUEST_READY, 60_000);
  const none = virshConsole('con', '--devname', 'serial9');
  assert.equal(await none.exited, 1);
  assert.match(none.text, /error: operation failed: cannot find character device serial9/);
  // without -r the client library lets the call through: the daemon refuses it
  const ro = track(new Console(spawn('script', ['-qefc', `virsh -c '${d.libvirtUri}-ro' console con`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })));
  assert.equal(await ro.exited, 1);
  assert.match(ro.text, /operation forbidden: read only access prevents virDomainOpenConsole/);
  const script = `
import libvirt, json
c = libvirt.open(${JSON.stringify(d.libvirtUri)})
dom = c.lookupByName('con')
out = []
st = c.newStream(0)
dom.openChannel('org.tsvirt.test.0', st, 0)
out.append('opened')
for name in ('org.tsvirt.test.0', 'nope'):
    try:
        dom.openChannel(name, c.newStream(0), 0); out.append('opened again')
    except libvirt.libvirtError as e:
        out.append(str(e))
st.abort()
st = c.newStream(0); dom.openChannel('channel0', st, 1); out.append('by alias'); st.finish()
st = c.newStream(0); dom.openConsole(None, st, 0)
st.send(b'echo py""thon-works\\r')
st.finish()
print(json.dumps(out))
`;
  await waitForText(log, 'tsvirt-guest:/# ', 20_000); // the shell is up: one try is enough
  const r = await run('/usr/bin/python3', ['-c', script], { input: '', timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [
    'opened', 'operation failed: Active channel stream exists for this domain', 'operation failed: cannot find channel nope', 'by alias',
  ]);
  // bytes sent on a console stream reach the guest
  await waitForText(log, 'python-works', 20_000);
  assert.equal((await d.virsh(['destroy', 'con'])).code, 0);
  assert.equal((await d.virsh(['undefine', 'con'])).code, 0);
});
