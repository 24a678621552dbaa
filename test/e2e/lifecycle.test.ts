// End to end: the real tsvirtd, the real CLI, real QEMU under TCG booting the test guest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync, readFileSync, readdirSync, truncateSync } from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startTestDaemon, REPO, type TestDaemon } from './daemon.js';
import { ensureTestGuest, minimalDomainXml, guestCmdline, waitForText, GUEST_MARKER, type TestGuest } from './guest.js';

let d: TestDaemon;
let guest: TestGuest;

before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

function serialLog(name: string): string {
  return path.join(d.root, 'var/log/tsvirt/qemu', name, 'serial0.log');
}

async function ok(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function define(name: string, extra: { cmdline?: string; xml?: string } = {}): Promise<string> {
  const file = path.join(d.root, `${name}.xml`);
  writeFileSync(file, extra.xml ?? minimalDomainXml({ name, ...guest, cmdline: extra.cmdline }));
  assert.match(await ok(['define', file]), new RegExp(`Domain '${name}' defined from ${file}`));
  return file;
}

async function state(name: string): Promise<string> {
  return (await ok(['domstate', '--reason', name])).trim();
}

async function waitState(name: string, want: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await state(name);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`domain ${name}: wanted '${want}', still '${last}' after ${timeoutMs} ms`);
}

function qemuPidOf(name: string): number {
  const status = readFileSync(path.join(d.root, 'run/tsvirt/qemu', `${name}.xml`), 'utf8');
  return Number(/pid='(\d+)'/.exec(status)![1]);
}

function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(s);
  } catch {
    return false;
  }
}

test('define, start, the guest boots, shutdown (ACPI) shuts it off with reason shutdown', async () => {
  await define('life1');
  assert.equal(await state('life1'), 'shut off (unknown)');
  assert.match(await ok(['start', 'life1']), /Domain 'life1' started/);
  assert.equal(await state('life1'), 'running (booted)');
  await waitForText(serialLog('life1'), GUEST_MARKER, 30_000);
  const list = await ok(['list']);
  assert.match(list, /^\s*\d+\s+life1\s+running\s*$/m);
  assert.match(await ok(['shutdown', 'life1']), /Domain 'life1' is being shutdown/);
  await waitState('life1', 'shut off (shutdown)');
  assert.match(await ok(['list', '--all']), /^\s*-\s+life1\s+shut off\s*$/m);
  assert.equal(existsSync(path.join(d.root, 'run/tsvirt/qemu/life1.xml')), false, 'status file removed');
});

test('destroy stops a running domain at once (reason destroyed); suspend and resume', async () => {
  await define('life2');
  await ok(['start', 'life2']);
  const pid = qemuPidOf('life2');
  await ok(['suspend', 'life2']);
  assert.equal(await state('life2'), 'paused (user)');
  await ok(['resume', 'life2']);
  assert.equal(await state('life2'), 'running (unpaused)');
  assert.match(await ok(['destroy', 'life2']), /Domain 'life2' destroyed/);
  assert.equal(await state('life2'), 'shut off (destroyed)');
  assert.equal(alive(pid), false, 'QEMU process is gone');
});

test('reboot restarts the guest in place; reset too', async () => {
  await define('life3');
  await ok(['start', 'life3']);
  const pid = qemuPidOf('life3');
  await waitForText(serialLog('life3'), GUEST_MARKER, 30_000);
  assert.match(await ok(['reboot', 'life3']), /Domain 'life3' is being rebooted/);
  const deadline = Date.now() + 30_000;
  while (readFileSync(serialLog('life3'), 'latin1').split(GUEST_MARKER).length < 3) {
    assert.ok(Date.now() < deadline, 'the guest booted a second time after reboot');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(qemuPidOf('life3'), pid, 'same QEMU process');
  assert.equal(await state('life3'), 'running (booted)');
  await ok(['reset', 'life3']);
  assert.equal(await state('life3'), 'running (booted)');
  await ok(['destroy', 'life3']);
});

test('a guest that powers itself off ends shut off (shutdown)', async () => {
  await define('life4', { cmdline: guestCmdline('tsvirt.poweroff=1') });
  await ok(['start', 'life4']);
  await waitState('life4', 'shut off (shutdown)', 30_000);
});

test('on_reboot=destroy turns a guest reboot into shut off; on_poweroff=restart boots it again', async () => {
  const rebootXml = minimalDomainXml({ name: 'act1', ...guest, cmdline: guestCmdline('tsvirt.reboot=1') })
    .replace('<on_reboot>restart</on_reboot>', '<on_reboot>destroy</on_reboot>');
  await define('act1', { xml: rebootXml });
  await ok(['start', 'act1']);
  await waitState('act1', 'shut off (shutdown)', 30_000);
  assert.match(readFileSync(serialLog('act1'), 'latin1'), /TSVIRT-GUEST-SELF-REBOOT/);

  const restartXml = minimalDomainXml({ name: 'act2', ...guest, cmdline: guestCmdline('tsvirt.poweroff=1') })
    .replace('<on_poweroff>destroy</on_poweroff>', '<on_poweroff>restart</on_poweroff>');
  await define('act2', { xml: restartXml });
  await ok(['start', 'act2']);
  const pid = qemuPidOf('act2');
  const deadline = Date.now() + 30_000;
  while (readFileSync(serialLog('act2'), 'latin1').split(GUEST_MARKER).length < 3) {
    assert.ok(Date.now() < deadline, 'the guest booted again after powering itself off');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(qemuPidOf('act2'), pid, 'restarted in the same QEMU');
  assert.match(await state('act2'), /^running/);
  await ok(['destroy', 'act2']);
});

test('a guest kernel panic reaches QEMU through <panic model="isa"/>: on_crash=destroy gives shut off (crashed)', async () => {
  const xml = minimalDomainXml({ name: 'crash1', ...guest, cmdline: guestCmdline('tsvirt.panic=1'), extraDevices: "<panic model='isa'/>" });
  await define('crash1', { xml });
  assert.match(await ok(['dumpxml', '--inactive', 'crash1']), /<panic model='isa'/);
  await ok(['start', 'crash1']);
  await waitState('crash1', 'shut off (crashed)', 30_000);
  assert.match(readFileSync(serialLog('crash1'), 'latin1'), /TSVIRT-GUEST-PANIC/);
});

test('QEMU killed with SIGKILL: shut off (crashed) at once, and an event', async () => {
  await define('life5');
  const events = spawn(path.join(REPO, 'bin/tsvirt'), ['-c', d.uri, 'event', '--loop', '--timeout', '30', '--domain', 'life5', '--event', 'lifecycle'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  events.stdout.on('data', (b) => (out += b));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the event client is connected
    await ok(['start', 'life5']);
    const pid = qemuPidOf('life5');
    process.kill(pid, 'SIGKILL');
    await waitState('life5', 'shut off (crashed)', 5000);
    const deadline = Date.now() + 5000;
    while (!/Stopped Failed/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /event 'lifecycle' for domain 'life5': Started Booted/);
    assert.match(out, /event 'lifecycle' for domain 'life5': Stopped Failed/);
  } finally {
    events.kill('SIGKILL');
  }
});

test('tsvirtd killed while two VMs run: they keep running, a new tsvirtd re-attaches and shuts them down', async () => {
  await define('keep1');
  await define('keep2');
  await ok(['start', 'keep1']);
  await ok(['start', 'keep2', '--paused']);
  const pids = [qemuPidOf('keep1'), qemuPidOf('keep2')];
  await waitForText(serialLog('keep1'), GUEST_MARKER, 30_000);
  // defined just before the kill: its change is still only in the folder's journal
  await define('keep3');
  await d.kill();
  assert.ok(pids.every(alive), 'QEMUs survive the daemon');
  // what a power cut can do to a file renamed but not fsynced: the journal must bring it back
  const keep3 = path.join(d.root, 'etc/tsvirt/qemu/keep3.xml');
  truncateSync(keep3, 0);
  await d.restart();
  assert.match(readFileSync(keep3, 'utf8'), /<name>keep3<\/name>/);
  assert.match(await ok(['list', '--all']), /keep3\s+shut off/);
  assert.equal(await state('keep1'), 'running (booted)');
  assert.equal(await state('keep2'), 'paused (user)');
  assert.match(await ok(['list']), /keep1\s+running/);
  await ok(['resume', 'keep2']);
  await ok(['shutdown', 'keep1']);
  await waitState('keep1', 'shut off (shutdown)', 30_000);
  await ok(['destroy', 'keep2']);
  assert.ok(!pids.some(alive), 'both QEMUs are gone');
});

test('undefine of a running domain leaves it transient; it disappears when it stops', async () => {
  await define('trans1');
  await ok(['start', 'trans1']);
  assert.match(await ok(['undefine', 'trans1']), /Domain 'trans1' has been undefined/);
  assert.equal(existsSync(path.join(d.root, 'etc/tsvirt/qemu/trans1.xml')), false);
  const info = await ok(['dominfo', 'trans1']);
  assert.match(info, /Persistent:\s+no/);
  assert.match(info, /State:\s+running/);
  await ok(['destroy', 'trans1']);
  const r = await d.cli(['dominfo', 'trans1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: failed to get domain 'trans1'/);
});

test('create starts a transient domain from XML', async () => {
  const file = path.join(d.root, 'tr2.xml');
  writeFileSync(file, minimalDomainXml({ name: 'tr2', ...guest }));
  assert.match(await ok(['create', file]), /Domain 'tr2' created from/);
  assert.match(await ok(['dominfo', 'tr2']), /Persistent:\s+no/);
  await ok(['destroy', 'tr2']);
  assert.equal((await d.cli(['domstate', 'tr2'])).code, 1);
});

test('bad input: clear errors, exit 1, nothing changed, no QEMU left', async () => {
  // the definitions (hidden files are the folder's journal and its temporary file)
  const snapshot = () => readdirSync(path.join(d.root, 'etc/tsvirt/qemu')).filter((n) => !n.startsWith('.')).sort().join(',');
  const before = snapshot();
  const bad = async (xml: string, pattern: RegExp) => {
    const file = path.join(d.root, 'bad.xml');
    writeFileSync(file, xml);
    const r = await d.cli(['define', file]);
    assert.equal(r.code, 1, `expected failure for ${pattern}: ${r.stdout}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  const good = minimalDomainXml({ name: 'badx', ...guest });
  await bad('<domain type="qemu"><name>x</name>', /error: .*(XML|xml)/);
  await bad(good.replace('<devices>', '<devices><frobnicator/>'), /frobnicator.*line \d+/);
  await bad(good.replace("<memory unit='KiB'>98304</memory>", "<memory unit='KiB'>-5</memory>"), /memory/i);
  await bad(good.replace("<memory unit='KiB'>98304</memory>", "<memory unit='EiB'>9</memory>"), /memory/i);
  await define('dup1');
  const dupUuid = (await ok(['domuuid', 'dup1'])).trim();
  await bad(minimalDomainXml({ name: 'dup1', ...guest }).replace('<name>', `<uuid>6695eb01-f6a4-8304-79aa-97f2502e1931</uuid><name>`), /already exists/);
  await bad(minimalDomainXml({ name: 'dup2', ...guest }).replace('<name>', `<uuid>${dupUuid}</uuid><name>`), /already defined with uuid/);
  assert.equal(snapshot(), [before, 'dup1.xml'].filter(Boolean).join(',').split(',').sort().join(','));

  await define('nokernel', { xml: minimalDomainXml({ name: 'nokernel', ...guest, kernel: '/nonexistent/vmlinuz' }) });
  const r = await d.cli(['start', 'nokernel']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot access kernel '\/nonexistent\/vmlinuz'/);
  assert.equal(await state('nokernel'), 'shut off (unknown)');
  assert.equal(readdirSync(path.join(d.root, 'run/tsvirt/qemu')).filter((f) => f.startsWith('domain-')).length, 0, 'no run folder left');

  await define('twice');
  await ok(['start', 'twice']);
  const pid = qemuPidOf('twice');
  const again = await d.cli(['start', 'twice']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already active/);
  assert.equal(qemuPidOf('twice'), pid);
  await ok(['destroy', 'twice']);
});

test("type='kvm' fails at once when KVM does not really work, and says to use type='qemu'", async (t) => {
  const caps = await ok(['version']);
  assert.match(caps, /QEMU/);
  const file = path.join(d.root, 'kvm1.xml');
  writeFileSync(file, minimalDomainXml({ name: 'kvm1', ...guest, type: 'kvm' }));
  await ok(['define', file]);
  const started = Date.now();
  const r = await d.cli(['start', 'kvm1']);
  if (r.code === 0) {
    t.diagnostic('KVM works on this host: the kvm domain started');
    await ok(['destroy', 'kvm1']);
    return;
  }
  assert.ok(Date.now() - started < 5000, 'fails at once (probe result is cached)');
  assert.match(r.stderr, /KVM is not usable/);
  assert.match(r.stderr, /type='qemu'/);
  assert.equal(await state('kvm1'), 'shut off (unknown)');
});

// last in this file: it ends the daemon with SIGTERM
test('the daemon log names the domain on start, stop and crash; the QEMU log is libvirt\'s; SIGTERM is logged', async () => {
  const name = 'log one';
  await define(name);
  await ok(['start', name]);
  await ok(['destroy', name]);
  await ok(['start', name]);
  process.kill(qemuPidOf(name), 'SIGKILL');
  await waitState(name, 'shut off (crashed)', 5000);

  // one line per event, the domain as a field; the crash is a warning
  const daemonLog = d.logText();
  assert.match(daemonLog, /^\S+Z info domain="log one" defined \(added\)$/m);
  assert.equal(daemonLog.match(/^\S+Z info domain="log one" started \(booted\) as id \d+$/gm)?.length, 2, daemonLog.slice(-2000));
  assert.match(daemonLog, /^\S+Z info domain="log one" stopped \(destroyed\)$/m);
  assert.match(daemonLog, /^\S+Z warn domain="log one" stopped \(failed\)$/m);

  const qemuLog = readFileSync(path.join(d.root, 'var/log/tsvirt/qemu', `${name}.log`), 'utf8');
  assert.equal([...qemuLog.matchAll(/^\S+Z: starting up kernel: \S+, hostname: \S+$/gm)].length, 2, qemuLog);
  assert.match(qemuLog, /^PATH=\S+ \\\nLC_ALL=C \\\n\S*qemu-system-x86_64 \\\n-name \\\n'guest=log one,debug-threads=on' \\$/m);
  // each stop line follows its start line, with libvirt's reason, in time order
  const marks = [...qemuLog.matchAll(/^(\S+Z): (starting up|shutting down, reason=\w+)/gm)];
  assert.deepEqual(marks.map((m) => m[2].replace(/ kernel.*/, '')), ['starting up', 'shutting down, reason=destroyed', 'starting up', 'shutting down, reason=crashed']);
  const times = marks.map((m) => Date.parse(m[1]));
  assert.deepEqual([...times].sort((a, b) => a - b), times);

  // SIGTERM: said, with what keeps running, and the stop is logged before the process ends
  await ok(['start', name]);
  process.kill(d.pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(d.pid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(d.pid), false, 'tsvirtd ended on SIGTERM');
  assert.match(d.logText(), /^\S+Z info SIGTERM: stopping; 1 running domain left running$/m);
  assert.match(d.logText(), /^\S+Z info stopped$/m);
});
