// virt-manager 4.1 (Debian's) against tsvirtd through libvirt's protocol, under Xvfb: its VM
// list shows the guests with their states, its Run and Shut Down buttons start and stop a
// guest, and its serial console (a libvirt console stream) reaches the guest's shell. What the
// window shows is read through the accessibility bus (test/e2e/virt-manager/a11y.py) and a
// screenshot. One virt-manager process for the whole file: later windows are asked for by
// running virt-manager again, which hands the request to the first one over D-Bus and exits.
// Its graphical console shows a guest's VGA screen over the VNC connection that tsvirtd passes
// as a descriptor (virDomainOpenGraphicsFD, its only way for a local connection), and what is
// typed on it reaches the guest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, GUEST_MARKER, GUEST_READY, type TestGuest } from './guest.js';
import { run } from '../../src/util/spawn.js';

const MANAGER = 'Virtual Machine Manager';
const A11Y = path.join(REPO, 'test/e2e/virt-manager/a11y.py');
const SERIAL_SEND = path.join(REPO, 'test/e2e/virt-manager/serial-send.py');
const GRAPHICS = "<graphics type='vnc' listen='127.0.0.1' autoport='yes'/>\n<video><model type='vga'/></video>";

let d: TestDaemon;
let guest: TestGuest;
/** process groups we started (Xvfb, the session bus with the accessibility services it starts, virt-manager) */
const groups: ChildProcess[] = [];
let env: NodeJS.ProcessEnv;
/**
 * The daemon's socket as virt-manager is given it. With a transport in the URI (qemu+unix://)
 * virt-manager takes the host for remote and refuses a VNC server on loopback; without one
 * (as qemu:///system) the connection is local and the console comes as a descriptor.
 */
let uri: string;

const serialLog = (name: string) => path.join(d.root, `${name}-serial.log`);

async function defineGuest(name: string, extraDevices?: string, cmdline?: string): Promise<void> {
  const file = path.join(d.root, `${name}.xml`);
  writeFileSync(file, minimalDomainXml({ name, ...guest, consoleLog: serialLog(name), extraDevices, cmdline }));
  const r = await d.virsh(['define', file]);
  assert.equal(r.code, 0, r.stderr);
}

/** starts a program in its own process group (ended as a group in after()) */
function startGroup(cmd: string, args: string[], stdio: Array<'ignore' | 'pipe' | number>, e = env): ChildProcess {
  const child = spawn(cmd, args, { detached: true, stdio, env: e });
  groups.push(child);
  return child;
}

/** the first line a child writes on one of its pipes */
function firstLine(child: ChildProcess, fd: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within 10 s`)), 10_000);
    child.stdio[fd]!.on('data', (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl).trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code})`)));
  });
}

before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
  await defineGuest('vm-run');
  await defineGuest('vm-off');
  // console=tty0 too: the kernel's text console is on the VGA screen (the last one, serial, gets /init's shell)
  await defineGuest('vm-gfx', GRAPHICS, guestCmdline().replace('console=ttyS0', 'console=tty0 console=ttyS0'));
  for (const name of ['vm-run', 'vm-gfx']) {
    const started = await d.virsh(['start', name]);
    assert.equal(started.code, 0, started.stderr);
  }
  uri = d.libvirtUri.replace(/^qemu\+unix:/, 'qemu:');

  // Xvfb takes the first free display and tells it on fd 3
  const xvfb = startGroup('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], ['ignore', 'ignore', 'ignore', 'pipe']);
  const display = `:${await firstLine(xvfb, 3, 'Xvfb')}`;
  const xdg = path.join(d.root, 'xdg');
  mkdirSync(xdg, { mode: 0o700 });
  mkdirSync(path.join(d.root, 'home'));
  env = {
    ...process.env, DISPLAY: display, XDG_RUNTIME_DIR: xdg, HOME: path.join(d.root, 'home'),
    GSETTINGS_BACKEND: 'memory', NO_AT_BRIDGE: undefined, LC_ALL: 'C.UTF-8',
  };
  const bus = startGroup('dbus-daemon', ['--session', '--nofork', '--print-address=1'], ['ignore', 'pipe', 'ignore']);
  env.DBUS_SESSION_BUS_ADDRESS = await firstLine(bus, 1, 'dbus-daemon');
  const log = openSync(path.join(d.root, 'virt-manager.log'), 'a');
  startGroup('virt-manager', ['--connect', uri, '--no-fork', '--debug'], ['ignore', log, log]);
  await waitForGuest('vm-run', 60_000);
});

after(async () => {
  for (const c of groups.reverse()) {
    try { process.kill(-c.pid!, 'SIGTERM'); } catch { /* gone */ }
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const c of groups) {
    try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
  await d?.stop();
});

interface Widget { window: string; role: string; name: string; text: string }

async function a11y(args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await run('/usr/bin/python3', ['-W', 'ignore', A11Y, ...args], { env, timeoutMs: 30_000 });
  // 0: done, 2: no such widget (yet); anything else is a broken reader (e.g. no gir1.2-atspi-2.0)
  if (r.code !== 0 && r.code !== 2) assert.fail(`a11y.py ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return { code: r.code, out: r.stdout };
}

async function widgets(): Promise<Widget[]> {
  const r = await a11y(['dump']);
  return r.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Widget);
}

/** polls the accessibility tree until `pred` holds for a widget */
async function waitWidget(what: string, pred: (w: Widget) => boolean, ms = 20_000): Promise<Widget> {
  const deadline = Date.now() + ms;
  let last: Widget[] = [];
  for (;;) {
    last = await widgets();
    const w = last.find(pred);
    if (w) return w;
    if (Date.now() > deadline) {
      const cells = last.filter((x) => x.role === 'table cell' && x.text).map((x) => JSON.stringify(x.text));
      assert.fail(`virt-manager shows no ${what} within ${ms} ms; list cells: ${cells.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** the VM list row text: name, newline, state */
const listCell = (name: string, state: string) => (w: Widget) => w.window === MANAGER && w.role === 'table cell' && w.text === `${name}\n${state}`;

async function waitForGuest(name: string, ms = 20_000): Promise<void> {
  await waitWidget(`'${name}' running`, listCell(name, 'Running'), ms);
}

async function press(window: string, role: string, name: string): Promise<void> {
  const r = await a11y(['press', window, role, name]);
  assert.equal(r.code, 0, `no ${role} '${name}' in '${window}'`);
}

async function xdotool(args: string[]): Promise<string> {
  const r = await run('xdotool', args, { env });
  assert.equal(r.code, 0, `xdotool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function clickOn(window: string, role: string, text: string): Promise<void> {
  const r = await a11y(['where', window, role, text]);
  assert.equal(r.code, 0, `no ${role} '${text}' in '${window}'`);
  await xdotool(['mousemove', ...r.out.trim().split(' ').slice(0, 2), 'click', '1']);
}

/** the number of colours in a region of a screenshot of the whole display */
async function coloursIn(geometry: string): Promise<number> {
  const png = path.join(d.root, 'screen.png');
  const shot = await run('import', ['-window', 'root', png], { env });
  assert.equal(shot.code, 0, shot.stderr);
  const r = await run('convert', [png, '-crop', geometry, '+repage', '-format', '%k', 'info:'], { env });
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout.trim());
}

async function domstate(name: string): Promise<string> {
  const r = await d.virsh(['domstate', '--reason', name]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** waits for virsh to show the state, then tsvirt's own CLI must say the same */
async function waitState(name: string, want: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  let now = '';
  while (!want.test((now = await domstate(name)))) {
    if (Date.now() > deadline) assert.fail(`${name} is not ${want} after ${ms} ms: ${now}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((await d.cli(['domstate', '--reason', name])).stdout.trim(), now, 'virsh and tsvirt disagree');
}

test('the manager window lists the connection and the guests with their states', async () => {
  const ids = (await xdotool(['search', '--name', `^${MANAGER}$`])).trim().split('\n');
  assert.equal(ids.length, 1);
  await waitWidget('connection row', (w) => w.window === MANAGER && w.role === 'table cell' && w.text === 'QEMU/KVM');
  await waitWidget("'vm-off' shut off", listCell('vm-off', 'Shutoff'));
  // the window is drawn (text and icons, not one flat colour) where xwininfo says it is
  const info = (await run('xwininfo', ['-id', ids[0]!], { env })).stdout;
  const num = (k: string) => Number(new RegExp(`${k}:\\s+(-?\\d+)`).exec(info)![1]);
  assert.ok(num('Width') >= 400 && num('Height') >= 300, info);
  assert.ok((await coloursIn(`${num('Width')}x${num('Height')}+${num('Absolute upper-left X')}+${num('Absolute upper-left Y')}`)) > 20);
  // its graphs come from virConnectGetAllDomainStats, not the per-domain fallback
  const log = readFileSync(path.join(d.root, 'virt-manager.log'), 'utf8');
  assert.match(log, /conn=.* changed to state=Active/);
  assert.doesNotMatch(log, /does not support getAllDomainStats/);
});

test("virt-manager's Run starts the shut-off guest, Pause suspends and resumes it, Shut Down powers it off", async () => {
  await clickOn(MANAGER, 'table cell', 'vm-off\n');
  await press(MANAGER, 'push button', 'Run');
  await waitState('vm-off', /^running \(booted\)$/);
  await waitForGuest('vm-off');
  await waitForText(serialLog('vm-off'), GUEST_MARKER, 30_000);
  // Pause is a toggle: pressed it suspends the guest, pressed again it resumes it
  await press(MANAGER, 'toggle button', 'Pause');
  await waitState('vm-off', /^paused \(user\)$/);
  await waitWidget("'vm-off' paused", listCell('vm-off', 'Paused'));
  await press(MANAGER, 'toggle button', 'Pause');
  await waitState('vm-off', /^running \(unpaused\)$/);
  await waitForGuest('vm-off');
  // the ACPI power button: the guest's /init powers off, on_poweroff destroys it
  await press(MANAGER, 'push button', 'Shut Down');
  await waitState('vm-off', /^shut off \(shutdown\)$/, 30_000);
  await waitWidget("'vm-off' shut off again", listCell('vm-off', 'Shutoff'));
});

test("virt-manager's serial console reaches the guest's shell; its details show the guest", async () => {
  const win = 'vm-run on QEMU/KVM';
  // hands the request to the running virt-manager over D-Bus, then exits
  const r = await run('virt-manager', ['--connect', uri, '--show-domain-console', 'vm-run'], { env, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const uuid = (await d.virsh(['domuuid', 'vm-run'])).stdout.trim();
  await waitWidget('the details of vm-run', (w) => w.window === win && w.role === 'label' && w.text === uuid);
  await waitWidget('the state of vm-run', (w) => w.window === win && w.role === 'label' && w.text === 'Running (Booted)');
  await press(win, 'radio button', 'Console');
  await press(win, 'radio menu item', 'Serial 1');
  await waitWidget('a serial terminal', (w) => w.window === win && w.role === 'terminal');
  // keys go to the terminal once it has the focus (no window manager here: a click gives it)
  await clickOn(win, 'terminal', 'Serial Terminal');
  const [, , x, y, width] = (await a11y(['where', win, 'terminal', 'Serial Terminal'])).out.trim().split(' ').map(Number);
  const topRows = `${width}x50+${x}+${y}`;
  const before = await coloursIn(topRows);
  await xdotool(['type', '--delay', '20', 'echo TSVIRT-$((6*7))']);
  await xdotool(['key', 'Return']);
  await waitWidget('the command\'s output in the terminal', (w) => w.window === win && w.role === 'terminal' && /^TSVIRT-42$/m.test(w.text));
  // and the screen shows it: the terminal's top rows now hold (anti-aliased) text
  const after = await coloursIn(topRows);
  assert.ok(after > before + 5, `the terminal's top rows have ${after} colours, ${before} before the command`);
});

/** the region of a screenshot of the whole display, saved as a PNG */
async function shoot(geometry: string, name: string): Promise<string> {
  const png = path.join(d.root, `${name}.png`);
  const r = await run('import', ['-window', 'root', '-crop', geometry, '+repage', png], { env });
  assert.equal(r.code, 0, r.stderr);
  return png;
}

/** how many pixels two screenshots of one region differ in */
async function pixelsChanged(a: string, b: string): Promise<number> {
  const r = await run('compare', ['-metric', 'AE', a, b, 'null:'], { env });
  assert.ok(r.code === 0 || r.code === 1, `compare: ${r.stderr}`); // 1: they differ
  return Number(r.stderr.trim());
}

/**
 * Polls until the region differs from `from` in more than `min` pixels (a line of text is some
 * hundreds; the blinking cursor, 18); returns the new shot.
 */
async function waitChanged(geometry: string, from: string, what: string, min = 100, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (let i = 0; ; i++) {
    const now = await shoot(geometry, `${path.basename(from, '.png')}-${i}`);
    const n = await pixelsChanged(from, now);
    if (n > min) return now;
    if (Date.now() > deadline) assert.fail(`the console does not show ${what}: ${n} pixels changed in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("virt-manager's graphical console shows the guest's screen over the passed descriptor, and keys typed on it reach the guest", async () => {
  const win = 'vm-gfx on QEMU/KVM';
  // the guest's shell on its serial port starts right after this line
  await waitForText(serialLog('vm-gfx'), GUEST_READY, 30_000);
  const r = await run('virt-manager', ['--connect', uri, '--show-domain-console', 'vm-gfx'], { env, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  // the VNC display: the drawing area on screen (the graphs' are on hidden pages), as big as the guest's 720x400 text mode at least
  const deadline = Date.now() + 20_000;
  let at: number[] = [];
  for (;;) {
    const s = await a11y(['showing', win, 'drawing area']);
    at = s.out.trim().split(' ').map(Number);
    if (s.code === 0 && at[4]! >= 720 && at[5]! >= 400) break;
    if (Date.now() > deadline) assert.fail(`no VNC display in '${win}': ${s.out.trim() || 'no drawing area on screen'}`);
    await new Promise((res) => setTimeout(res, 250));
  }
  const [cx, cy, x, y, width, height] = at;
  const region = `${width}x${height}+${x}+${y}`;
  // the guest's screen: SeaBIOS's and the boot's lines, not one flat colour
  assert.ok((await coloursIn(region)) >= 2, 'the display is one flat colour');
  const log = readFileSync(path.join(d.root, 'virt-manager.log'), 'utf8');
  assert.match(log, /Viewer connected cb/);
  assert.doesNotMatch(log, /VNC connecting to host=/, 'virt-manager connected to the VNC server itself, not through the descriptor');
  const booted = await shoot(region, 'gfx-boot');
  // the guest's shell (on its serial port) writes on its screen, then reads a line typed on it
  const sent = await run('/usr/bin/python3', [SERIAL_SEND, uri, 'vm-gfx', 'echo TSVIRT-ON-SCREEN >/dev/tty1; read x </dev/tty1; echo "TSVIRT-TYPED-$x"'], { env, timeoutMs: 20_000 });
  assert.equal(sent.code, 0, sent.stderr);
  const written = await waitChanged(region, booted, 'the line the guest wrote');
  // a click gives the display the keyboard (and grabs the pointer: Ctrl+Alt lets it go)
  await xdotool(['mousemove', String(cx), String(cy), 'click', '1']);
  await xdotool(['type', '--delay', '30', 'hello42']);
  await xdotool(['key', 'Return']);
  await waitForText(serialLog('vm-gfx'), 'TSVIRT-TYPED-hello42', 15_000);
  // the guest echoed the typed line on its screen
  await waitChanged(region, written, 'the typed line');
  await xdotool(['key', 'Control_L+Alt_L']);
});
