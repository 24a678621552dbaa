// End to end: the QEMU guest agent channel of a real Debian guest (ONE BIOS guest on an
// overlay disk, no network), through stock virsh (libvirt's protocol, the QEMU program for
// qemu-agent-command) and tsvirt's CLI: the agent connects (live XML state='connected', the
// agent-lifecycle events), qemu-agent-command guest-info and guest-exec, libvirt's errors for
// a paused domain, an agent that does not answer (within the timeout, not a hang) and a
// domain without the channel (two tiny busybox guests), and shutdown --mode agent.
// Run it alone: /work/brief/vm-slot node --import tsx --test test/e2e/guest-agent.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, startTestDaemon, type TestDaemon } from './daemon.js';
import { mustSucceed } from './virsh-compare.js';
import { DEBIAN_BOOT_MS, debianDomainXml, ensureDebianImages, overlay } from './debian-guest.js';
import { ensureTestGuest, minimalDomainXml } from './guest.js';
import { listener, probeUntilSubscribed, until, type Printer } from './event-printers.js';

const NAME = 'gadeb';
/** busybox guests: one without the agent channel, one with it (and no agent inside) */
const NOCHAN = 'ganochan';
const QUIET = 'gaquiet';
const CHANNEL = `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`;
let d: TestDaemon | undefined;
const printers: Printer[] = [];

const { virsh } = mustSucceed(() => d!);

/** a command that must fail, through virsh and tsvirt: both print the same error */
async function failsBoth(args: string[], error: RegExp): Promise<string[]> {
  const out: string[] = [];
  for (const r of [await d!.virsh(args, { timeoutMs: 60_000 }), await d!.cli(args, { timeoutMs: 60_000 })]) {
    assert.equal(r.code, 1, `${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, error);
    out.push(r.stderr.trim());
  }
  return out;
}

async function agent(cmd: object, extra: string[] = []): Promise<any> {
  return JSON.parse(await virsh(['qemu-agent-command', NAME, ...extra, JSON.stringify(cmd)]));
}

before(async () => {
  const images = await ensureDebianImages();
  const tiny = await ensureTestGuest();
  d = await startTestDaemon();
  // event printers first, so they see the agent state reported at start
  printers.push(listener('virsh', ['-c', d.libvirtUri, 'event', '--loop', '--all']));
  printers.push(listener(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'event', '--loop', '--all']));
  const tinyFile = (name: string, extraDevices?: string) => {
    const f = path.join(d!.root, `${name}.xml`);
    // a fixed UUID: defining it again (until the printers see it) updates it
    const uuid = `${Buffer.from(name.slice(0, 4)).toString('hex')}-0000-4000-8000-00000000a9e7`;
    writeFileSync(f, minimalDomainXml({ name, ...tiny, extraDevices }).replace('</name>', `</name>\n  <uuid>${uuid}</uuid>`));
    return f;
  };
  const nochan = tinyFile(NOCHAN);
  await probeUntilSubscribed(printers, `for domain '${NOCHAN}': Defined`, () => virsh(['define', nochan]));
  const disk = path.join(d.root, 'gadeb.qcow2');
  await overlay(images.bios, disk);
  const xml = path.join(d.root, `${NAME}.xml`);
  writeFileSync(xml, debianDomainXml({ name: NAME, firmware: 'bios', disk: { file: disk } }));
  await virsh(['define', xml]);
  await virsh(['start', NAME]);
  await virsh(['start', NOCHAN]);
  await virsh(['create', tinyFile(QUIET, CHANNEL)]);
});

after(async () => {
  for (const p of printers) p.child.kill();
  await d?.stop();
});

test('a domain without the channel: "QEMU guest agent is not configured"; with it but no agent: "not connected"', { timeout: 120_000 }, async () => {
  const ping = JSON.stringify({ execute: 'guest-ping' });
  const [v, t] = await failsBoth(['qemu-agent-command', NOCHAN, ping], /error: argument unsupported: QEMU guest agent is not configured/);
  assert.equal(t, v, 'tsvirt prints what virsh prints');
  await failsBoth(['shutdown', '--mode', 'agent', NOCHAN], /argument unsupported: QEMU guest agent is not configured/);
  assert.match(await virsh(['domstate', NOCHAN]), /running/, 'a refused agent shutdown changes nothing');
  await failsBoth(['qemu-agent-command', QUIET, ping], /error: Guest agent is not responding: QEMU guest agent is not connected/);
  // no qemu-ga in the busybox guest: the port stays closed; the live XML says so, with the socket's path
  const xml = await virsh(['dumpxml', QUIET]);
  assert.match(xml, /<target type='virtio' name='org\.qemu\.guest_agent\.0' state='disconnected'\/>/);
  assert.match(xml, new RegExp(`<source mode='bind' path='${d!.root}[^']*/org\\.qemu\\.guest_agent\\.0'/>`));
  assert.doesNotMatch(await virsh(['dumpxml', '--inactive', QUIET]), /state=/, 'the state is live-only');
  const zero = await d!.cli(['qemu-agent-command', NAME, '--timeout', '0', ping]);
  assert.equal(zero.code, 1);
  assert.match(zero.stderr, /error: timeout value must be positive/);
});

test('the agent in the Debian guest connects: live XML state and agent-lifecycle events', { timeout: DEBIAN_BOOT_MS + 60_000 }, async () => {
  await until('the agent connects', () => printers.every((p) => p.out().includes(`event 'agent-lifecycle' for domain '${NAME}': state: 'connected'`)), DEBIAN_BOOT_MS);
  for (const p of printers) {
    const lines = p.out().split('\n').filter((l) => l.includes(`'agent-lifecycle' for domain '${NAME}'`));
    assert.equal(lines[0], `event 'agent-lifecycle' for domain '${NAME}': state: 'disconnected' reason: 'domain started'`, p.out());
    assert.ok(lines.includes(`event 'agent-lifecycle' for domain '${NAME}': state: 'connected' reason: 'channel event'`), p.out());
    // the busybox guest with the channel reported its state at start too
    assert.ok(p.out().includes(`event 'agent-lifecycle' for domain '${QUIET}': state: 'disconnected' reason: 'domain started'`), p.out());
  }
  assert.match(await virsh(['dumpxml', NAME]), /<target type='virtio' name='org\.qemu\.guest_agent\.0' state='connected'\/>/);
});

test('qemu-agent-command: guest-info, guest-exec + guest-exec-status, error replies, tainted once', { timeout: 180_000 }, async () => {
  const info = await agent({ execute: 'guest-info' });
  assert.match(info.return.version, /^\d+\.\d+/);
  const supported = info.return.supported_commands.filter((c: any) => c.enabled).map((c: any) => c.name);
  assert.ok(supported.includes('guest-exec') && supported.includes('guest-shutdown'), supported.join(' '));
  // tsvirt's CLI: the same reply; --pretty indents it
  const own = await d!.cli(['qemu-agent-command', NAME, '--pretty', '{"execute":"guest-info"}']);
  assert.equal(own.code, 0, own.stderr);
  assert.deepEqual(JSON.parse(own.stdout).return.version, info.return.version);
  assert.match(own.stdout, /^\{\n {2}"return": \{\n/);

  const exec = await agent({
    execute: 'guest-exec',
    arguments: { path: '/bin/sh', arg: ['-c', 'echo hello-$((6*7)); cat /etc/debian_version; exit 3'], 'capture-output': true },
  });
  assert.equal(typeof exec.return.pid, 'number');
  let status: any;
  const deadline = Date.now() + 30_000;
  while (!status?.return?.exited) {
    assert.ok(Date.now() < deadline, `guest-exec did not finish: ${JSON.stringify(status)}`);
    status = await agent({ execute: 'guest-exec-status', arguments: { pid: exec.return.pid } });
    if (!status.return.exited) await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(status.return.exitcode, 3);
  const out = Buffer.from(status.return['out-data'], 'base64').toString();
  assert.match(out, /^hello-42\n12\.\d+\n$/);

  const [v, t] = await failsBoth(['qemu-agent-command', NAME, '{"execute":"guest-no-such-command"}'],
    /error: internal error: unable to execute QEMU agent command 'guest-no-such-command': .*guest-no-such-command/);
  assert.equal(t, v);
  await failsBoth(['qemu-agent-command', NAME, '{"execute":'], /cannot parse json/);
  // the agent goes on after errors
  assert.deepEqual(await agent({ execute: 'guest-ping' }), { return: {} });
  const taints = d!.logText().split('\n').filter((l) => l.includes(`name='${NAME}'`) && l.includes('is tainted: custom-ga-command'));
  assert.equal(taints.length, 1, `one taint warning per run: ${taints.join('\n')}`);
});

test('after a daemon restart the agent state is read back from QEMU and the agent answers', { timeout: 120_000 }, async () => {
  for (const p of printers) p.child.kill(); // their connection ends with the daemon
  await d!.kill();
  await d!.restart();
  assert.match(await virsh(['dumpxml', NAME]), /<target type='virtio' name='org\.qemu\.guest_agent\.0' state='connected'\/>/);
  assert.match((await agent({ execute: 'guest-info' })).return.version, /^\d+\.\d+/);
  assert.match(await virsh(['dumpxml', QUIET]), /name='org\.qemu\.guest_agent\.0' state='disconnected'/);
});

test('a paused domain is refused at once; an agent that does not answer times out within the timeout', { timeout: 180_000 }, async () => {
  await virsh(['suspend', NAME]);
  let t0 = Date.now();
  await failsBoth(['qemu-agent-command', NAME, '{"execute":"guest-ping"}'], /error: Requested operation is not valid: domain is not running/);
  assert.ok(Date.now() - t0 < 20_000);
  await virsh(['resume', NAME]);
  assert.deepEqual(await agent({ execute: 'guest-ping' }), { return: {} });

  // qemu-ga stops itself for 10 s: the channel stays open, nothing answers
  await agent({ execute: 'guest-exec', arguments: { path: '/bin/sh', arg: ['-c', 'p=$(pidof qemu-ga); (sleep 1; kill -STOP $p; sleep 10; kill -CONT $p) >/dev/null 2>&1 &'] } });
  await new Promise((r) => setTimeout(r, 3000));
  t0 = Date.now();
  const r = await d!.virsh(['qemu-agent-command', NAME, '--timeout', '2', '{"execute":"guest-info"}'], { timeoutMs: 30_000 });
  const took = Date.now() - t0;
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /error: Guest agent is not responding: Guest agent not available for now/);
  assert.ok(took >= 1900 && took < 8000, `failed after ${took} ms`);
  // once qemu-ga runs again, the late reply is skipped by the resync: answers are right again
  const deadline = Date.now() + 60_000;
  for (;;) {
    const p = await d!.virsh(['qemu-agent-command', NAME, '{"execute":"guest-info"}'], { timeoutMs: 30_000 });
    if (p.code === 0) {
      assert.match(JSON.parse(p.stdout).return.version, /^\d+\.\d+/);
      break;
    }
    assert.match(p.stderr, /Guest agent not available for now/);
    assert.ok(Date.now() < deadline, 'the agent did not answer again');
  }
});

test('shutdown --mode agent powers the guest off (reason shutdown)', { timeout: 180_000 }, async () => {
  const out = await virsh(['shutdown', '--mode', 'agent', NAME], 90_000);
  assert.match(out, new RegExp(`Domain '${NAME}' is being shutdown`));
  const deadline = Date.now() + 120_000;
  while (!(await virsh(['domstate', NAME])).includes('shut off')) {
    assert.ok(Date.now() < deadline, 'the guest did not power off');
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal((await virsh(['domstate', '--reason', NAME])).trim(), 'shut off (shutdown)');
  // the agent went away with the guest; qemu-agent-command now says the domain is off
  await failsBoth(['qemu-agent-command', NAME, '{"execute":"guest-ping"}'], /domain is not running/);
});
