// SPICE graphics and a sound card on a real TCG guest: tsvirtd runs in a network namespace of
// this file, so SPICE's autoport picks 5900 upwards on that namespace's 127.0.0.1 only. The test
// speaks the start of the SPICE protocol to the port the live XML names (SpiceLinkMess "REDQ" 2.2
// for the main channel; the SpiceLinkReply must carry error 0), and asks QEMU itself, through a
// second QMP monitor the domain adds with <qemu:commandline> (tsvirtd keeps its own monitor),
// that SPICE listens there (query-spice) and that the ich9 HDA card and its codec exist in the
// QOM tree, wired to the file audio backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/util/spawn.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { ensureTestGuest, minimalDomainXml, waitForText, GUEST_MARKER, type TestGuest } from './guest.js';

const NS = `tsvt-spice-${process.pid}`;
const NAME = 'spice-sound';
let guest: TestGuest;
let d: TestDaemon | undefined;

before(async () => {
  guest = await ensureTestGuest();
  await addNetns(NS);
  d = await startTestDaemon({ netns: NS });
});

after(async () => {
  await d?.virsh(['destroy', NAME]).catch(() => undefined);
  await d?.stop();
  await removeNetns(NS);
});

// Runs in the namespace (node there, as tsvirtd): the SPICE link handshake on 127.0.0.1:PORT.
const HANDSHAKE = String.raw`
const net = require('node:net');
const s = net.connect({ host: '127.0.0.1', port: Number(process.argv[1]) });
const mess = Buffer.alloc(18 + 4);
mess.writeUInt32LE(0, 0);       // connection_id: a new session
mess.writeUInt8(1, 4);          // channel_type: SPICE_CHANNEL_MAIN
mess.writeUInt8(0, 5);          // channel_id
mess.writeUInt32LE(1, 6);       // num_common_caps
mess.writeUInt32LE(0, 10);      // num_channel_caps
mess.writeUInt32LE(18, 14);     // caps_offset
mess.writeUInt32LE(1 << 0, 18); // SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION
const head = Buffer.alloc(16);
head.write('REDQ', 0, 'latin1');
head.writeUInt32LE(2, 4);       // major
head.writeUInt32LE(2, 8);       // minor
head.writeUInt32LE(mess.length, 12);
let got = Buffer.alloc(0);
s.on('connect', () => s.write(Buffer.concat([head, mess])));
s.on('data', (b) => {
  got = Buffer.concat([got, b]);
  if (got.length < 20) return;
  console.log(JSON.stringify({ magic: got.toString('latin1', 0, 4), major: got.readUInt32LE(4), minor: got.readUInt32LE(8), size: got.readUInt32LE(12), error: got.readUInt32LE(16) }));
  s.destroy();
});
s.on('error', (e) => { console.error(e.message); process.exit(2); });
setTimeout(() => { console.error('no SpiceLinkReply within 10 s'); process.exit(3); }, 10000).unref();
`;

/** A QMP client on a unix socket: capabilities negotiated, then one command at a time. */
async function qmpSession(sock: string): Promise<{ cmd: (name: string, args?: object) => Promise<any>; close: () => void }> {
  const s = net.connect(sock);
  let buf = '';
  const waiting: Array<(v: any) => void> = [];
  s.on('data', (b) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = JSON.parse(line);
      if ('return' in m || 'error' in m || 'QMP' in m) waiting.shift()?.(m);
    }
  });
  const next = () => new Promise<any>((r) => waiting.push(r));
  await next(); // greeting
  const cmd = async (name: string, args?: object) => {
    const p = next();
    s.write(JSON.stringify({ execute: name, ...(args ? { arguments: args } : {}) }) + '\n');
    const m = await p;
    if (m.error) throw new Error(`${name}: ${m.error.desc}`);
    return m.return;
  };
  await cmd('qmp_capabilities');
  return { cmd, close: () => s.destroy() };
}

test('a SPICE guest with an ich9 sound card: the SPICE server links, QEMU has the card', { timeout: 60_000 }, async () => {
  const dir = d!.root;
  const consoleLog = path.join(dir, 'console.log');
  const qmpSock = path.join(dir, 'test-qmp.sock');
  const wav = path.join(dir, 'guest-audio.wav');
  const xml = minimalDomainXml({
    name: NAME, kernel: guest.kernel, initrd: guest.initrd, consoleLog,
    extraDevices: `<graphics type='spice' autoport='yes'>
  <listen type='address' address='127.0.0.1'/>
</graphics>
<sound model='ich9'/>
<audio id='1' type='file' path='${wav}'/>
<video><model type='vga'/></video>`,
  }).replace("<domain type='qemu'>", "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
    .replace('</domain>', `  <qemu:commandline>\n    <qemu:arg value='-qmp'/>\n    <qemu:arg value='unix:${qmpSock},server=on,wait=off'/>\n  </qemu:commandline>\n</domain>`);
  const file = path.join(dir, `${NAME}.xml`);
  writeFileSync(file, xml);
  const def = await d!.virsh(['define', file]);
  assert.equal(def.code, 0, def.stderr);
  // the definition keeps the file backend (no default spice backend is added) and the card has its PCI slot
  const inactive = (await d!.virsh(['dumpxml', '--inactive', NAME])).stdout;
  assert.match(inactive, /<graphics type='spice' autoport='yes' listen='127.0.0.1'>/);
  assert.match(inactive, /<sound model='ich9'>\n\s+<address type='pci' domain='0x0000' bus='0x00' slot='0x0\d'/);
  assert.equal(inactive.match(/<audio id=/g)?.length, 1);

  const st = await d!.virsh(['start', NAME]);
  assert.equal(st.code, 0, st.stderr);
  await waitForText(consoleLog, GUEST_MARKER, 30_000);

  const live = (await d!.virsh(['dumpxml', NAME])).stdout;
  const port = Number(/<graphics type='spice' port='(\d+)' autoport='yes'/.exec(live)?.[1]);
  assert.ok(port >= 5900 && port <= 65535, `live XML names no SPICE port:\n${live}`);
  const display = await d!.virsh(['domdisplay', NAME]);
  assert.equal(display.stdout.trim(), `spice://127.0.0.1:${port}`);

  const hs = await run('ip', ['netns', 'exec', NS, process.execPath, '-e', HANDSHAKE, String(port)], { timeoutMs: 20_000 });
  assert.equal(hs.code, 0, `SPICE handshake: ${hs.stderr}`);
  const reply = JSON.parse(hs.stdout) as { magic: string; major: number; minor: number; size: number; error: number };
  assert.deepEqual([reply.magic, reply.major, reply.minor], ['REDQ', 2, 2], 'the reply header: SPICE protocol 2.2');
  assert.equal(reply.error, 0, 'SpiceLinkReply error: SPICE_LINK_ERR_OK');
  assert.ok(reply.size >= 4 + 162 + 12, 'a SpiceLinkReply carries the error, a 162-byte public key and the caps counts');

  const qmp = await qmpSession(qmpSock);
  try {
    const spice = await qmp.cmd('query-spice');
    assert.equal(spice.enabled, true);
    assert.equal(spice.port, port);
    assert.equal(spice.host, '127.0.0.1');
    assert.equal(spice.auth, 'none');
    const ids = (await qmp.cmd('qom-list', { path: '/machine/peripheral' })).map((p: { name: string }) => p.name);
    assert.ok(ids.includes('sound0') && ids.includes('sound0-codec0'), `no sound0 in ${ids.join(', ')}`);
    assert.equal(await qmp.cmd('qom-get', { path: '/machine/peripheral/sound0', property: 'type' }), 'ich9-intel-hda');
    assert.equal(await qmp.cmd('qom-get', { path: '/machine/peripheral/sound0-codec0', property: 'type' }), 'hda-duplex');
    assert.equal(await qmp.cmd('qom-get', { path: '/machine/peripheral/sound0-codec0', property: 'audiodev' }), 'audio1');
  } finally {
    qmp.close();
  }
  const ds = await d!.virsh(['destroy', NAME]);
  assert.equal(ds.code, 0, ds.stderr);
});
