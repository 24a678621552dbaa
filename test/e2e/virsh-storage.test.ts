// Storage pools and volumes through libvirt's protocol, with the stock virsh and
// libvirt-python against a real tsvirtd and real qemu-img (dir pools in a temporary
// folder): every pool-* and vol-* command, outputs compared with tsvirt's own CLI for the
// same state, vol-upload/vol-download as libvirt streams (byte-exact, sparse, partial,
// aborted), and bad input answered with libvirt's errors on a connection that stays up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, openSync, writeSync, closeSync, ftruncateSync } from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { run } from '../../src/util/spawn.js';
import * as net from 'node:net';
import { FrameReader, HEADER_LEN, LEN_LEN, MessageError, MsgStatus, MsgType, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, StreamHole, decodeHeader, frame, type Header } from '../../src/protocol/libvirt/wire.js';
import { decode, type XdrType } from '../../src/protocol/libvirt/xdr.js';
import { remoteProcs, type RemoteProcName } from '../../src/protocol/libvirt/procs-table.js';

let d: TestDaemon;
let dir: string;

before(async () => {
  d = await startTestDaemon();
  dir = path.join(d.root, 'vp');
});
after(async () => {
  await d?.stop();
});

async function virsh(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await d.virsh(args, opts);
  assert.equal(r.code, 0, `virsh ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function virshFails(args: string[], why: RegExp, opts: { uri?: string } = {}): Promise<string> {
  const r = opts.uri ? await run('virsh', ['-c', opts.uri, ...args], { input: '', env: { ...process.env, LC_ALL: 'C' } }) : await d.virsh(args);
  assert.equal(r.code, 1, `virsh ${args.join(' ')} should fail: ${r.stdout}`);
  assert.match(r.stderr, why);
  return r.stderr;
}

async function cli(args: string[]): Promise<string> {
  const r = await d.cli(args);
  assert.equal(r.code, 0, `tsvirt ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** virsh and tsvirt's CLI print the same for the same state (virsh pads --name lists: trailing blanks do not count) */
async function same(args: string[], o: { hostSizes?: boolean } = {}): Promise<string> {
  // a dir pool's sizes are its host file system's, which other work changes between the two calls
  const sizes = (t: string) => (o.hostSizes ? t.replace(/<(allocation|available) unit='bytes'>\d+</g, '<$1 unit=\'bytes\'>N<') : t);
  const trim = (t: string) => sizes(t.replace(/[ \t]+$/gm, ''));
  const [a, b] = [trim(await virsh(args)), trim(await cli(args))];
  assert.equal(a, b, `virsh and tsvirt differ on ${args.join(' ')}`);
  return a;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** libvirt-python against the daemon; the script prints JSON */
async function python(script: string): Promise<unknown> {
  const r = await run('/usr/bin/python3', ['-c', `import libvirt, json, os, sys\nc = libvirt.open(${JSON.stringify(d.libvirtUri)})\n${script}`], { input: '', timeoutMs: 60_000 });
  assert.equal(r.code, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('pools: define-as, build, start, autostart, info, list, dumpxml, uuid/name, refresh, edit, transient create', async () => {
  assert.equal(await virsh(['pool-define-as', 'vp', 'dir', '--target', dir]), 'Pool vp defined\n\n');
  assert.match(await same(['pool-list', '--all']), /^ vp\s+inactive\s+no$/m);
  assert.equal(await virsh(['pool-build', 'vp']), 'Pool vp built\n\n');
  assert.ok(existsSync(dir));
  assert.equal(await virsh(['pool-start', 'vp']), 'Pool vp started\n\n');
  assert.equal(await virsh(['pool-autostart', 'vp']), 'Pool vp marked as autostarted\n\n');
  assert.match(await same(['pool-list', '--all']), /^ vp\s+active\s+yes$/m);
  // sizes of a folder on the host's disk move as other work writes: compare the columns before them
  const cols = (t: string) => t.split('\n').map((l) => l.trim().split(/\s{2,}/).slice(0, 4).join('|')).join('\n');
  assert.equal(cols(await virsh(['pool-list', '--all', '--details'])), cols(await cli(['pool-list', '--all', '--details'])));
  const info = await virsh(['pool-info', 'vp']);
  assert.match(info, /^Name:\s+vp\nUUID:\s+[0-9a-f-]{36}\nState:\s+running\nPersistent:\s+yes\nAutostart:\s+yes\nCapacity:\s+\d+\.\d\d \w+\n/);
  await same(['pool-dumpxml', 'vp'], { hostSizes: true });
  assert.match(await same(['pool-dumpxml', '--inactive', 'vp']), new RegExp(`<path>${dir}</path>`));
  const uuid = (await same(['pool-uuid', 'vp'])).trim();
  assert.equal(await same(['pool-name', uuid]), 'vp\n\n');
  assert.equal(await virsh(['pool-refresh', 'vp']), 'Pool vp refreshed\n\n');
  // pool-edit: virsh fetches the XML, runs the editor, defines the result
  await virsh(['pool-edit', 'vp'], { env: { EDITOR: "sed -i 's|</target>|<permissions><mode>0711</mode></permissions></target>|'" } });
  assert.match(await cli(['pool-dumpxml', '--inactive', 'vp']), /<mode>0711<\/mode>/);
  // transient pools: from XML and from args, built on the way; gone once destroyed
  const xml = path.join(d.root, 't1.xml');
  writeFileSync(xml, `<pool type='dir'><name>t1</name><target><path>${d.root}/t1</path></target></pool>`);
  assert.match(await virsh(['pool-create', xml, '--build']), /Pool t1 created from/);
  assert.match(await virsh(['pool-create-as', 't2', 'dir', '--target', `${d.root}/t2`, '--build']), /Pool t2 created/);
  const transient = await same(['pool-list', '--transient', '--name']);
  assert.equal(transient, 't1\nt2\n\n');
  assert.equal(await virsh(['pool-destroy', 't1']), 'Pool t1 destroyed\n\n');
  assert.equal(await virsh(['pool-destroy', 't2']), 'Pool t2 destroyed\n\n');
  assert.equal(await same(['pool-list', '--all', '--name']), 'default\nvp\n\n');
});

test('volumes: create-as, create, create-from, clone, resize, info, list, dumpxml, path/key/name/pool, wipe, delete', async () => {
  assert.equal(await virsh(['vol-create-as', 'vp', 'a.qcow2', '64M', '--format', 'qcow2']), 'Vol a.qcow2 created\n\n');
  assert.equal(await virsh(['vol-create-as', 'vp', 'b.raw', '4M', '--allocation', '4M']), 'Vol b.raw created\n\n');
  const vxml = path.join(d.root, 'c.xml');
  writeFileSync(vxml, `<volume><name>c.qcow2</name><capacity unit='M'>8</capacity><target><format type='qcow2'/></target></volume>`);
  assert.match(await virsh(['vol-create', 'vp', vxml]), /Vol c.qcow2 created from/);
  const conv = path.join(d.root, 'conv.xml');
  writeFileSync(conv, `<volume><name>conv.raw</name><capacity unit='M'>1</capacity><target><format type='raw'/></target></volume>`);
  assert.match(await virsh(['vol-create-from', 'vp', conv, '--inputpool', 'vp', 'c.qcow2']), /Vol conv.raw created from input vol c.qcow2/);
  const img = JSON.parse((await run('qemu-img', ['info', '--output=json', path.join(dir, 'conv.raw')])).stdout);
  assert.deepEqual([img.format, img['virtual-size']], ['raw', 8 * 1024 ** 2], 'converted, as large as its input');
  assert.match(await virsh(['vol-clone', '--pool', 'vp', 'a.qcow2', 'a2.qcow2']), /Vol a2.qcow2 cloned from a.qcow2/);
  assert.match(await virsh(['vol-resize', '--pool', 'vp', 'a2.qcow2', '128M']), /successfully changed to 128M/);
  assert.match(await virsh(['vol-resize', '--pool', 'vp', 'a2.qcow2', '--shrink', '--delta', '32M']), /successfully/);
  assert.equal(JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', path.join(dir, 'a2.qcow2')])).stdout)['virtual-size'], 96 * 1024 ** 2);
  assert.match(await same(['vol-info', '--pool', 'vp', 'a2.qcow2']), /^Name:\s+a2\.qcow2\nType:\s+file\nCapacity:\s+96\.00 MiB\n/);
  await same(['vol-info', '--bytes', '--physical', path.join(dir, 'b.raw')]);
  const list = await same(['vol-list', 'vp', '--details']);
  assert.match(list, new RegExp(`^ b\\.raw\\s+${dir}/b\\.raw\\s+file\\s+4\\.00 MiB\\s+4\\.00 MiB$`, 'm'));
  assert.equal((await same(['vol-list', 'vp'])).split('\n').filter((l) => l.includes(dir)).length, 5);
  await same(['vol-dumpxml', '--pool', 'vp', 'a.qcow2']);
  const p = path.join(dir, 'a.qcow2');
  assert.equal(await same(['vol-path', '--pool', 'vp', 'a.qcow2']), `${p}\n\n`);
  assert.equal(await same(['vol-key', '--pool', 'vp', 'a.qcow2']), `${p}\n\n`);
  assert.equal(await same(['vol-name', p]), 'a.qcow2\n\n');
  assert.equal(await same(['vol-pool', p]), 'vp\n\n');
  await same(['vol-pool', '--uuid', p]);
  writeFileSync(path.join(dir, 'b.raw'), randomBytes(4 * 1024 ** 2));
  assert.equal(await virsh(['vol-wipe', '--pool', 'vp', 'b.raw']), 'Vol b.raw wiped\n\n');
  assert.ok(readFileSync(path.join(dir, 'b.raw')).every((b) => b === 0));
  for (const v of ['a2.qcow2', 'conv.raw']) assert.equal(await virsh(['vol-delete', '--pool', 'vp', v]), `Vol ${v} deleted\n\n`);
  assert.equal(await virsh(['vol-delete', path.join(dir, 'c.qcow2')]), `Vol ${path.join(dir, 'c.qcow2')} deleted\n\n`);
  assert.deepEqual(readdirSync(dir).sort(), ['a.qcow2', 'b.raw']);
});

test('vol-upload and vol-download are byte-exact streams: whole, partial, sparse', async () => {
  // 3 MiB and a bit: many stream frames and a short last one
  const src = path.join(d.root, 'up.bin');
  writeFileSync(src, randomBytes(3 * 1024 ** 2 + 4099));
  await virsh(['vol-upload', '--pool', 'vp', 'b.raw', src]);
  const back = path.join(d.root, 'down.bin');
  await virsh(['vol-download', '--pool', 'vp', 'b.raw', back, '--length', String(3 * 1024 ** 2 + 4099)]);
  assert.equal(sha(back), sha(src));
  // the whole volume: the upload and the zeros the wipe left after it
  await virsh(['vol-download', path.join(dir, 'b.raw'), back]);
  assert.equal(sha(back), sha(path.join(dir, 'b.raw')));
  assert.equal(readFileSync(back).length, 4 * 1024 ** 2);
  await virsh(['vol-download', '--pool', 'vp', 'b.raw', back, '--offset', '1000', '--length', '70000']);
  assert.ok(readFileSync(back).equals(readFileSync(src).subarray(1000, 71000)));
  await virsh(['vol-upload', '--pool', 'vp', 'b.raw', back, '--offset', '4000000']);
  assert.ok(readFileSync(path.join(dir, 'b.raw')).subarray(4000000, 4070000).equals(readFileSync(back)));
  // sparse: data, a hole, data, a hole to the end; the holes arrive as STREAM_HOLE frames and become zeros
  const sparse = path.join(d.root, 'sparse.bin');
  const fd = openSync(sparse, 'w');
  writeSync(fd, randomBytes(5000), 0, 5000, 10);
  writeSync(fd, randomBytes(100000), 0, 100000, 2_000_000);
  ftruncateSync(fd, 4 * 1024 ** 2);
  closeSync(fd);
  await virsh(['vol-upload', '--sparse', '--pool', 'vp', 'b.raw', sparse]);
  assert.equal(sha(path.join(dir, 'b.raw')), sha(sparse));
  await virsh(['vol-download', '--sparse', '--pool', 'vp', 'b.raw', back]);
  assert.equal(sha(back), sha(sparse));
  // libvirt-python's stream calls: send in pieces, recv, finish; aborts on both sides; the connection lives on
  const out = await python(`
v = c.storagePoolLookupByName('vp').storageVolLookupByName('b.raw')
data = os.urandom(2 * 1024 * 1024 + 3)
st = c.newStream(0); v.upload(st, 0, len(data), 0)
for i in range(0, len(data), 100000): st.send(data[i:i + 100000])
st.finish()
st = c.newStream(0); v.download(st, 0, len(data), 0)
got = b''
while True:
    b = st.recv(65536)
    if not b: break
    got += b
st.finish()
st = c.newStream(0); v.upload(st, 0, 0, 0); st.send(b'x' * 1000); st.abort()
st = c.newStream(0); v.download(st, 0, 0, 0); st.recv(1000); st.abort()
# what an aborted upload sent before its abort stays written, as with libvirtd
kept = b'x' * 1000 + data[1000:]
print(json.dumps({'same': got == data, 'len': len(got), 'after': v.info()[1], 'sha': __import__('hashlib').sha256(kept).hexdigest()}))
`) as { same: boolean; len: number; after: number; sha: string };
  assert.deepEqual([out.same, out.len, out.after], [true, 2 * 1024 * 1024 + 3, 4 * 1024 ** 2]);
  assert.equal(createHash('sha256').update(readFileSync(path.join(dir, 'b.raw')).subarray(0, out.len)).digest('hex'), out.sha);
  assert.deepEqual(JSON.parse((await cli(['vol-list', 'vp', '--json'])).trim()).length, 2, 'the aborted streams left the pool as it was');
});

test('bad input: libvirt\'s errors, the daemon and the connection stay up', async () => {
  const sum = sha(path.join(dir, 'a.qcow2'));
  await virshFails(['pool-info', 'nope'], /error: failed to get pool 'nope'\nerror: Storage pool not found: no storage pool with matching name 'nope'/);
  await virshFails(['vol-info', '--pool', 'vp', 'nope'], /error: failed to get vol 'nope'\n/);
  await virshFails(['vol-info', 'nope'], /error: failed to get vol 'nope', specifying --pool might help\nerror: Storage volume not found: no storage vol with matching path 'nope'/);
  await virshFails(['vol-create-as', 'vp', 'x/y', '1M'], /invalid volume name 'x\/y'/);
  await virshFails(['vol-create-as', 'vp', 'a.qcow2', '1M'], /already exists/);
  await virshFails(['vol-resize', '--pool', 'vp', 'a.qcow2', '1M'], /can't shrink capacity below current capacity/);
  await virshFails(['vol-wipe', '--pool', 'vp', 'a.qcow2', '--algorithm', 'nnsa'], /Operation not supported: wiping algorithm 1: only zero \(0\) is implemented/);
  await virshFails(['pool-start', 'vp'], /Requested operation is not valid: storage pool 'vp' is already active/);
  await virshFails(['pool-undefine', 'vp'], /storage pool 'vp' is still active/);
  // the stream's error comes back as libvirt's: the upload that passes the volume's end
  const big = path.join(d.root, 'big.bin');
  writeFileSync(big, randomBytes(4 * 1024 ** 2 + 1));
  await virshFails(['vol-upload', '--pool', 'vp', 'b.raw', big], /upload of \d+ bytes at offset 0 does not fit volume 'b.raw' of 4194304 bytes/);
  await virshFails(['vol-upload', '--pool', 'vp', 'b.raw', big, '--offset', '5000000'], /error: cannot upload to volume b.raw\n.*does not fit volume 'b.raw'/);
  await virshFails(['vol-download', '--pool', 'vp', 'b.raw', path.join(d.root, 'x.bin'), '--offset', '1', '--length', '4194304'], /does not fit volume 'b.raw'/);
  // the read-only socket refuses writes and streams in the daemon (no -r: the client library lets them through)
  const ro = `${d.libvirtUri}-ro`;
  await virshFails(['pool-define-as', 'rop', 'dir', '--target', `${d.root}/rop`], /operation forbidden: read only access prevents virStoragePoolDefineXML/, { uri: ro });
  await virshFails(['vol-upload', '--pool', 'vp', 'b.raw', big], /operation forbidden: read only access prevents virStorageVolUpload/, { uri: ro });
  await virshFails(['vol-download', '--pool', 'vp', 'b.raw', path.join(d.root, 'x.bin')], /operation forbidden: read only access prevents virStorageVolDownload/, { uri: ro });
  assert.match((await run('virsh', ['-c', ro, 'pool-list', '--all'], { input: '' })).stdout, /^ vp\s+active\s+yes$/m);
  // flags libvirt does not know, a hole in a stream that is not sparse: refused, and the same connection goes on
  const out = await python(`
p = c.storagePoolLookupByName('vp')
v = p.storageVolLookupByName('b.raw')
errs = []
for f in (lambda: p.build(64), lambda: p.listAllVolumes(1), lambda: v.resize(1, 64), lambda: c.listAllStoragePools(1 << 25),
          lambda: c.storagePoolLookupByTargetPath('/nowhere'), lambda: c.storageVolLookupByKey('nokey')):
    try:
        f(); errs.append(None)
    except libvirt.libvirtError as e:
        errs.append([e.get_error_code(), e.get_error_domain(), str(e)])
print(json.dumps({'errs': errs, 'pools': [x.name() for x in c.listAllStoragePools()], 'byPath': p.name() == c.storagePoolLookupByTargetPath(${JSON.stringify(dir)}).name()}))
`) as { errs: Array<[number, number, string] | null>; pools: string[]; byPath: boolean };
  assert.deepEqual(out.errs.slice(0, 4).map((e) => e?.[0]), [8, 8, 8, 8], JSON.stringify(out.errs));
  assert.match(out.errs[0]![2], /unsupported flags \(0x40\) in function virStoragePoolBuild/);
  assert.deepEqual(out.errs[4], [49, 18, "Storage pool not found: no storage pool with matching target path '/nowhere'"]);
  assert.deepEqual(out.errs[5], [50, 18, 'Storage volume not found: no storage vol with matching key nokey']);
  assert.deepEqual([out.pools, out.byPath], [['default', 'vp'], true]);
  assert.equal(sha(path.join(dir, 'a.qcow2')), sum);
  assert.deepEqual(readdirSync(dir).sort(), ['a.qcow2', 'b.raw']);
  assert.equal(await same(['pool-list', '--all', '--name']), 'default\nvp\n\n');
});

/** a bare client of libvirt's protocol, to send stream frames no libvirt client would */
class Raw {
  private readonly got: Array<{ h: Header; body: Buffer }> = [];
  private serial = 1;
  private constructor(private readonly sock: net.Socket) {
    const frames = new FrameReader();
    sock.on('data', (b: Buffer) => {
      for (const f of frames.push(b)) this.got.push({ h: decodeHeader(f), body: Buffer.from(f.subarray(LEN_LEN + HEADER_LEN)) });
    });
  }
  static open(p: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(p, () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }
  send(proc: number, serial: number, type: number, status: number, body?: Buffer): void {
    this.sock.write(frame({ prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc, type, serial, status }, (w) => body && w.raw(body)));
  }
  /** the next frame the daemon sent for serial (after those already taken) */
  async next(serial: number, ms = 5000): Promise<{ h: Header; body: Buffer }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.got.findIndex((f) => f.h.serial === serial);
      if (i >= 0) return this.got.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no frame for serial ${serial} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  /** frames not taken yet for serial */
  pending(serial: number): number {
    return this.got.filter((f) => f.h.serial === serial).length;
  }
  async call<N extends RemoteProcName>(name: N, args: unknown): Promise<{ serial: number; ret: unknown; error?: MessageError }> {
    const def = remoteProcs[name] as { num: number; args: XdrType<unknown>; ret: XdrType<unknown> };
    const serial = this.serial++;
    this.sock.write(frame({ prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc: def.num, type: MsgType.CALL, serial, status: MsgStatus.OK }, (w) => def.args.encode(w, args)));
    const r = await this.next(serial);
    assert.equal(r.h.type, MsgType.REPLY);
    if (r.h.status === MsgStatus.ERROR) return { serial, ret: undefined, error: decode(MessageError, r.body) };
    return { serial, ret: decode(def.ret, r.body) };
  }
  close(): void {
    this.sock.destroy();
  }
}

test('the stream protocol frame by frame: EOF, finish and abort confirmations, refused holes', async () => {
  const c = await Raw.open(path.join(d.root, 'run/tsvirt/libvirt-sock'));
  try {
    assert.equal((await c.call('CONNECT_OPEN', { name: 'qemu:///system', flags: 0 })).error, undefined);
    const { pool } = (await c.call('STORAGE_POOL_LOOKUP_BY_NAME', { name: 'vp' })).ret as { pool: unknown };
    const { vol } = (await c.call('STORAGE_VOL_LOOKUP_BY_NAME', { pool, name: 'b.raw' })).ret as { vol: unknown };
    const before = sha(path.join(dir, 'b.raw'));
    const UP = remoteProcs.STORAGE_VOL_UPLOAD.num;
    const DOWN = remoteProcs.STORAGE_VOL_DOWNLOAD.num;
    const streamError = async (serial: number, why: RegExp) => {
      const f = await c.next(serial);
      assert.deepEqual([f.h.type, f.h.status], [MsgType.STREAM, MsgStatus.ERROR]);
      assert.match(decode(MessageError, f.body).message ?? '', why);
    };
    // download 1000 bytes: data frames, then an empty CONTINUE (EOF); the client's finish is confirmed with an empty OK
    const dl = await c.call('STORAGE_VOL_DOWNLOAD', { vol, offset: 10n, length: 1000n, flags: 0 });
    let bytes = Buffer.alloc(0);
    for (let f = await c.next(dl.serial); f.body.length; f = await c.next(dl.serial)) {
      assert.deepEqual([f.h.type, f.h.status, f.h.proc], [MsgType.STREAM, MsgStatus.CONTINUE, DOWN]);
      bytes = Buffer.concat([bytes, f.body]);
    }
    assert.ok(bytes.equals(readFileSync(path.join(dir, 'b.raw')).subarray(10, 1010)));
    c.send(DOWN, dl.serial, MsgType.STREAM, MsgStatus.OK);
    const fin = await c.next(dl.serial);
    assert.deepEqual([fin.h.type, fin.h.status, fin.body.length], [MsgType.STREAM, MsgStatus.OK, 0]);
    // a hole in a stream that is not sparse ends it with libvirt's error; data sent after it is dropped
    const up = await c.call('STORAGE_VOL_UPLOAD', { vol, offset: 0n, length: 0n, flags: 0 });
    const hole = (n: bigint) => frame({ prog: 0, vers: 0, proc: 0, type: 0, serial: 0, status: 0 }, (w) => StreamHole.encode(w, { length: n, flags: 0 })).subarray(LEN_LEN + HEADER_LEN);
    c.send(UP, up.serial, MsgType.STREAM_HOLE, MsgStatus.CONTINUE, hole(4096n));
    await streamError(up.serial, /Unexpected stream hole/);
    c.send(UP, up.serial, MsgType.STREAM, MsgStatus.CONTINUE, Buffer.alloc(100, 1));
    // sparse: a hole body that does not decode, a negative hole
    const sp = await c.call('STORAGE_VOL_UPLOAD', { vol, offset: 0n, length: 0n, flags: 1 });
    c.send(UP, sp.serial, MsgType.STREAM_HOLE, MsgStatus.CONTINUE, Buffer.from([1, 2, 3]));
    await streamError(sp.serial, /Unable to decode stream hole/);
    const neg = await c.call('STORAGE_VOL_UPLOAD', { vol, offset: 0n, length: 0n, flags: 1 });
    c.send(UP, neg.serial, MsgType.STREAM_HOLE, MsgStatus.CONTINUE, hole(-5n));
    await streamError(neg.serial, /invalid hole length -5/);
    // the client's abort (status ERROR, no body) is confirmed with an empty OK
    const ab = await c.call('STORAGE_VOL_UPLOAD', { vol, offset: 0n, length: 0n, flags: 0 });
    c.send(UP, ab.serial, MsgType.STREAM, MsgStatus.ERROR);
    const conf = await c.next(ab.serial);
    assert.deepEqual([conf.h.type, conf.h.status, conf.body.length], [MsgType.STREAM, MsgStatus.OK, 0]);
    // a stream call on a volume that is gone; then the same connection answers calls, nothing was written
    const gone = await c.call('STORAGE_VOL_UPLOAD', { vol: { pool: 'vp', name: 'nope', key: '/x' }, offset: 0n, length: 0n, flags: 0 });
    assert.match(gone.error?.message ?? '', /no storage vol with matching name 'nope'/);
    assert.equal((await c.call('STORAGE_POOL_GET_INFO', { pool })).error, undefined);
    assert.equal(c.pending(up.serial), 0, 'nothing answered the data sent after the error');
    assert.equal(sha(path.join(dir, 'b.raw')), before);
  } finally {
    c.close();
  }
});

test('teardown: vol-delete, pool-destroy, pool-delete, pool-undefine', async () => {
  for (const v of ['a.qcow2', 'b.raw']) assert.equal(await virsh(['vol-delete', '--pool', 'vp', v]), `Vol ${v} deleted\n\n`);
  await virshFails(['pool-delete', 'vp'], /still active/);
  assert.equal(await virsh(['pool-autostart', '--disable', 'vp']), 'Pool vp unmarked as autostarted\n\n');
  assert.equal(await virsh(['pool-destroy', 'vp']), 'Pool vp destroyed\n\n');
  assert.equal(await virsh(['pool-delete', 'vp']), 'Pool vp deleted\n\n');
  assert.ok(!existsSync(dir));
  assert.equal(await virsh(['pool-undefine', 'vp']), 'Pool vp has been undefined\n\n');
  assert.equal(await same(['pool-list', '--all', '--name']), 'default\n\n');
  mkdirSync(dir);
});
