import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeSaveHeader, encodeSaveHeader, HEADER_SIZE, readSaveImage, rewriteSaveImageXml } from './save-image.js';

const XML = "<domain type='kvm'><name>d1</name></domain>";

test('header round trip: magic, version 2, XML, running flag, stream aligned at 512', () => {
  const b = encodeSaveHeader({ xml: XML, wasRunning: true, cookie: '<qemu-migration/>' });
  assert.equal(b.toString('latin1', 0, 16), 'LibvirtQemudSave');
  assert.equal(b.readUInt32LE(16), 2);
  assert.equal(b.length % 512, 0);
  assert.equal(b.readUInt32LE(20), b.length - HEADER_SIZE);
  const h = decodeSaveHeader(b);
  assert.equal(h.xml, XML);
  assert.equal(h.wasRunning, true);
  assert.equal(h.cookie, '<qemu-migration/>');
  assert.equal(h.streamOffset, b.length);
  assert.equal(decodeSaveHeader(encodeSaveHeader({ xml: XML, wasRunning: false })).wasRunning, false);
});

test('foreign, partial, future-version and short headers are refused with libvirt words', () => {
  const b = encodeSaveHeader({ xml: XML, wasRunning: true });
  assert.throws(() => decodeSaveHeader(Buffer.from('hello world, not a save image at all'.repeat(4))), /image magic is incorrect/);
  assert.throws(() => decodeSaveHeader(encodeSaveHeader({ xml: XML, wasRunning: true, partial: true })), /save image is incomplete/);
  const v3 = Buffer.from(b); v3.writeUInt32LE(3, 16);
  assert.throws(() => decodeSaveHeader(v3), /image version is not supported \(3 > 2\)/);
  assert.throws(() => decodeSaveHeader(b.subarray(0, 50)), /failed to read qemu header/);
  assert.throws(() => decodeSaveHeader(b.subarray(0, HEADER_SIZE + 10)), /failed to read domain XML/);
});

test('readSaveImage wants the QEMU stream after the header; rewrite keeps the stream', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'saveimg-'));
  try {
    const f = path.join(dir, 'a.save');
    const head = encodeSaveHeader({ xml: XML, wasRunning: true });
    await fs.writeFile(f, head);
    await assert.rejects(readSaveImage(f), /truncated/);
    await fs.writeFile(f, Buffer.concat([head, Buffer.from('QEVM\0\0\0\x03rest')]));
    const h = await readSaveImage(f);
    assert.equal(h.xml, XML);
    await rewriteSaveImageXml(f, XML.replace('d1', 'd1-renamed'), false);
    const h2 = await readSaveImage(f);
    assert.equal(h2.xml, XML.replace('d1', 'd1-renamed'));
    assert.equal(h2.wasRunning, false);
    assert.equal(h2.streamOffset, h.streamOffset);
    await assert.rejects(rewriteSaveImageXml(f, 'x'.repeat(5000)), /new xml too large/);
    await assert.rejects(readSaveImage(path.join(dir, 'nope')), /Failed to open domain image file/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
