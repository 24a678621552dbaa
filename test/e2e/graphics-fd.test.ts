// virDomainOpenGraphicsFD against tsvirtd with stock libvirt-python (/usr/bin/python3): the
// reply is a REPLY_WITH_FDS whose descriptor, sent after it over the socket, is a connection
// to the guest's VNC server. The script speaks RFB on it up to a framebuffer update and
// reads the guest's text console from the pixels. Descriptors are opened while other
// calls and events cross the same connection (nothing may come between a reply and its
// descriptor), none stays open in the daemon, and every refusal is libvirt's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml, waitForText, GUEST_MARKER, type TestGuest } from './guest.js';

const VNC = "<graphics type='vnc' listen='127.0.0.1' autoport='yes'/>\n<video><model type='vga'/></video>";

// vnc: the RFB handshake through the descriptor (no authentication), then one full
// framebuffer update in raw encoding; stress: descriptors, other calls and lifecycle events
// at once on one connection; errors: what each refusal says, and that the connection lives on.
const SCRIPT = String.raw`
import json, os, socket, struct, sys, threading, libvirt

def recvn(s, n):
    b = b''
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x: raise EOFError('the VNC server closed after %d bytes' % len(b))
        b += x
    return b

def vnc(uri, name):
    d = libvirt.open(uri).lookupByName(name)
    s = socket.socket(fileno=d.openGraphicsFD(0))
    s.settimeout(20)
    out = {'greeting': recvn(s, 12).decode(), 'peer': list(s.getpeername())}
    s.sendall(b'RFB 003.008\n')
    out['security'] = list(recvn(s, recvn(s, 1)[0]))
    s.sendall(b'\x01')
    out['result'] = struct.unpack('>I', recvn(s, 4))[0]
    s.sendall(b'\x01')  # shared
    w, h = struct.unpack('>HH', recvn(s, 4))
    bpp = recvn(s, 16)[0]
    out.update(width=w, height=h, name=recvn(s, struct.unpack('>I', recvn(s, 4))[0]).decode())
    s.sendall(struct.pack('>BxHi', 2, 1, 0))  # SetEncodings: raw only
    s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, w, h))
    while recvn(s, 1)[0] != 0:
        raise RuntimeError('unexpected server message')
    pixels = set()
    covered = 0
    for _ in range(struct.unpack('>xH', recvn(s, 3))[0]):
        x, y, rw, rh, enc = struct.unpack('>HHHHi', recvn(s, 12))
        data = recvn(s, rw * rh * bpp // 8)
        covered += rw * rh
        pixels.update(data[i:i + bpp // 8] for i in range(0, len(data), bpp // 8))
    out.update(covered=covered, colours=len(pixels))
    print(json.dumps(out))

def stress(uri, name):
    libvirt.virEventRegisterDefaultImpl()
    threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)], daemon=True).start()
    c = libvirt.open(uri)
    d = c.lookupByName(name)
    events, errors, opened = [], [], []
    c.domainEventRegisterAny(d, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lambda *a: events.append(a[2]), None)
    def guard(f):
        def g():
            try: f()
            except Exception as e: errors.append(repr(e))
        return g
    def opener():
        for _ in range(12):
            s = socket.socket(fileno=d.openGraphicsFD(0))
            s.settimeout(10)
            greeting = recvn(s, 12)
            if greeting != b'RFB 003.008\n': raise RuntimeError('greeting %r' % greeting)
            opened.append(1)
            s.close()
    def busy():
        for _ in range(200): d.info(); c.getLibVersion()
    def toggler():
        for _ in range(8): d.suspend(); d.resume()
    ts = [threading.Thread(target=guard(f)) for f in (opener, opener, busy, busy, toggler)]
    for t in ts: t.start()
    for t in ts: t.join()
    for _ in range(50):
        if len(events) >= 16: break
        threading.Event().wait(0.1)
    print(json.dumps({'errors': errors, 'opened': len(opened), 'events': len(events), 'state': d.state()[0]}))

def errors(uri, ro_uri):
    c = libvirt.open(uri)
    out = {}
    def err(key, f):
        try:
            f()
            out[key] = 'no error'
        except libvirt.libvirtError as e:
            out[key] = e.get_error_message()
    gfx = c.lookupByName('gfx')
    err('index', lambda: gfx.openGraphicsFD(1))
    err('flags', lambda: gfx.openGraphicsFD(0, 1))
    err('off', lambda: c.lookupByName('off').openGraphicsFD(0))
    err('plain', lambda: c.lookupByName('plain').openGraphicsFD(0))
    err('readonly', lambda: libvirt.openReadOnly(ro_uri).lookupByName('gfx').openGraphicsFD(0))
    a, b = socket.socketpair()
    err('open-graphics', lambda: gfx.openGraphics(0, a.fileno(), 0))
    # the descriptor's byte that followed that call was skipped: the connection still works,
    # for a call big enough that its length, read one byte early, is a length too
    err('big-after', lambda: c.lookupByName('n' * 8000))
    out['big-after'] = out['big-after'].split(' with ')[0]
    out['after'] = gfx.name()
    out['fd-after'] = os.read(gfx.openGraphicsFD(0), 12).decode()
    print(json.dumps(out))

{'vnc': vnc, 'stress': stress, 'errors': errors}[sys.argv[1]](*sys.argv[2:])
`;

let d: TestDaemon;
let guest: TestGuest;

async function py<T>(args: string[]): Promise<T> {
  const r = await run('/usr/bin/python3', ['-c', SCRIPT, ...args], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `python ${args[0]}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

async function define(name: string, devices: string, cmdline?: string): Promise<void> {
  const file = path.join(d.root, `${name}.xml`);
  const consoleLog = path.join(d.root, `${name}-serial.log`);
  writeFileSync(file, minimalDomainXml({ name, ...guest, consoleLog, extraDevices: devices, cmdline }));
  const r = await d.virsh(['define', file]);
  assert.equal(r.code, 0, r.stderr);
}

async function virshOk(args: string[]): Promise<string> {
  const r = await d.virsh(args);
  assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const daemonFds = () => readdirSync(`/proc/${d.pid}/fd`).length;

before(async () => {
  guest = await ensureTestGuest();
  d = await startTestDaemon();
  // console=tty0 as well: the kernel writes on the VGA text screen; the last console= (serial) gets /init's markers
  await define('gfx', VNC, guestCmdline().replace('console=ttyS0', 'console=tty0 console=ttyS0'));
  await define('off', VNC);
  await define('plain', '');
  await virshOk(['start', 'gfx']);
  await virshOk(['start', 'plain']);
  await waitForText(path.join(d.root, 'gfx-serial.log'), GUEST_MARKER, 30_000);
});

after(() => d?.stop());

test("the descriptor is a connection to the guest's VNC server, which shows its text console", async () => {
  const v = await py<{ greeting: string; peer: [string, number]; security: number[]; result: number; width: number; height: number; name: string; covered: number; colours: number }>(['vnc', d.libvirtUri, 'gfx']);
  assert.equal(v.greeting, 'RFB 003.008\n');
  // the server virsh and tsvirt's CLI name
  const display = await virshOk(['domdisplay', 'gfx']);
  assert.equal(display, `vnc://${v.peer[0]}:${v.peer[1] - 5900}`);
  assert.equal((await d.cli(['vncdisplay', 'gfx'])).stdout.trim(), `${v.peer[0]}:${v.peer[1] - 5900}`);
  assert.deepEqual([v.security, v.result], [[1], 0]); // no authentication, accepted
  assert.equal(v.name, 'QEMU (gfx)');
  // VGA text mode (80x25 cells of 9x16 pixels), all of it sent, with text drawn on it
  assert.deepEqual([v.width, v.height, v.covered], [720, 400, 720 * 400]);
  assert.ok(v.colours >= 2, `the screen has ${v.colours} colour(s)`);
});

test('descriptors while other calls and events cross the connection; none stays open in the daemon', async () => {
  const before = daemonFds();
  const s = await py<{ errors: string[]; opened: number; events: number; state: number }>(['stress', d.libvirtUri, 'gfx']);
  assert.deepEqual(s.errors, []);
  assert.equal(s.opened, 24);
  assert.equal(s.events, 16); // 8 suspended + 8 resumed
  assert.equal(s.state, 1); // running
  assert.equal(await virshOk(['domstate', 'gfx']), 'running');
  // the script's connection is gone; so are the VNC sockets tsvirtd opened for it
  const deadline = Date.now() + 5000;
  while (daemonFds() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(daemonFds() <= before, `tsvirtd has ${daemonFds()} descriptors open, ${before} before`);
});

test("refusals are libvirt's, and the connection lives on after a call that passed a descriptor", async () => {
  const roUri = d.libvirtUri.replace('libvirt-sock', 'libvirt-sock-ro');
  const e = await py<Record<string, string>>(['errors', d.libvirtUri, roUri]);
  assert.deepEqual(e, {
    index: 'Operation not supported: only the first graphics device (index 0) can be opened, not index 1',
    flags: 'invalid argument: unsupported flags (0x1) in function virDomainOpenGraphicsFD',
    off: 'Requested operation is not valid: domain is not running',
    plain: "Operation not supported: domain 'plain' has no VNC graphics",
    readonly: 'operation forbidden: read only access prevents virDomainOpenGraphicsFD',
    'open-graphics': 'this function is not supported by the connection driver: virDomainOpenGraphics',
    'big-after': 'Domain not found: no domain',
    after: 'gfx',
    'fd-after': 'RFB 003.008\n',
  });
});
