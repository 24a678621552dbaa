import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableDir, readJournal } from './durable-dir.js';

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tsvirt-durable-'));
}
const journal = (dir: string) => path.join(dir, '.journal');

test('writes and removes show at once, and the journal holds them until a checkpoint', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir).open();
  await d.write('a.xml', '<a/>');
  await d.write('b.xml', '<b/>', 0o644);
  await d.write('a.xml', '<a2/>');
  await d.remove('b.xml');
  await d.remove('never.xml');
  assert.equal(readFileSync(path.join(dir, 'a.xml'), 'utf8'), '<a2/>');
  assert.equal(existsSync(path.join(dir, 'b.xml')), false);
  assert.equal(statSync(path.join(dir, 'a.xml')).mode & 0o777, 0o600);
  assert.deepEqual(readJournal(journal(dir)).changes.map((c) => `${c.op} ${c.name}`), ['write a.xml', 'write b.xml', 'write a.xml', 'remove b.xml', 'remove never.xml']);
  await d.checkpoint();
  assert.deepEqual(readJournal(journal(dir)).changes, []);
  assert.equal(readFileSync(path.join(dir, 'a.xml'), 'utf8'), '<a2/>');
  // the empty temporary file kept for the next write is gone once the folder checkpointed
  assert.deepEqual(readdirSync(dir).sort(), ['.journal', 'a.xml']);
  await d.write('b.xml', '<b/>');
  // (being opened for the next write: at most one, and empty)
  const temps = readdirSync(dir).filter((n) => n.endsWith('.tmp')).map((n) => statSync(path.join(dir, n)).size);
  assert.ok(temps.length <= 1 && temps.every((n) => n === 0), String(temps));
  await d.close();
  assert.deepEqual(readdirSync(dir).sort(), ['.journal', 'a.xml', 'b.xml']);
});

test('opening replays the journal: files whose data was lost come back as the last returned call wrote them', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir, { idleMs: 60_000 }).open();
  await d.write('keep.xml', 'v1');
  await d.write('keep.xml', 'v2');
  await d.write('gone.xml', 'x');
  await d.remove('gone.xml');
  await d.write('new.xml', 'n');
  // what a power cut can do to files that were renamed but not fsynced
  truncateSync(path.join(dir, 'keep.xml'), 0);
  unlinkSync(path.join(dir, 'new.xml'));
  writeFileSync(path.join(dir, 'gone.xml'), 'zombie');
  writeFileSync(path.join(dir, '.new.xml.99999.0.tmp'), 'half');
  // no close(): the process "died"; a new one opens the folder
  const again = new DurableDir(dir).open();
  assert.equal(readFileSync(path.join(dir, 'keep.xml'), 'utf8'), 'v2');
  assert.equal(readFileSync(path.join(dir, 'new.xml'), 'utf8'), 'n');
  assert.equal(existsSync(path.join(dir, 'gone.xml')), false);
  assert.deepEqual(readdirSync(dir).sort(), ['.journal', 'keep.xml', 'new.xml']);
  // replayed and emptied: a second open changes nothing
  assert.deepEqual(readJournal(journal(dir)).changes, []);
  await again.close();
});

test('a torn last record is ignored; the records before it are replayed', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir, { idleMs: 60_000 }).open();
  await d.write('one.xml', '1');
  await d.write('two.xml', '2'.repeat(100));
  const recs = readJournal(journal(dir)).changes;
  assert.equal(recs.length, 2);
  // flip a byte inside the second record's payload (a write the power cut tore)
  const buf = readFileSync(journal(dir));
  const at = buf.indexOf(Buffer.from('2'.repeat(100)));
  const fd = openSync(journal(dir), 'r+');
  writeSync(fd, Buffer.from('3'), 0, 1, at + 50);
  closeSync(fd);
  unlinkSync(path.join(dir, 'one.xml'));
  unlinkSync(path.join(dir, 'two.xml'));
  const again = new DurableDir(dir).open();
  assert.equal(readFileSync(path.join(dir, 'one.xml'), 'utf8'), '1');
  assert.equal(existsSync(path.join(dir, 'two.xml')), false);
  await again.close();
});

test('records of an older generation are never replayed, even with an unreadable header', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir, { idleMs: 60_000 }).open();
  await d.write('old.xml', 'old');
  await d.checkpoint();
  await d.write('x.xml', 'x');
  // the header is destroyed: the old records' generation is unknown
  const fd = openSync(journal(dir), 'r+');
  writeSync(fd, Buffer.alloc(16, 0xff), 0, 16, 0);
  closeSync(fd);
  unlinkSync(path.join(dir, 'old.xml'));
  const again = new DurableDir(dir, { idleMs: 60_000 }).open();
  assert.equal(existsSync(path.join(dir, 'old.xml')), false, 'a checkpointed record came back');
  await again.write('y.xml', 'y');
  assert.deepEqual(readJournal(journal(dir)).changes.map((c) => c.name), ['y.xml']);
  await again.close();
});

test('a full journal checkpoints by itself; overlapping writes share fdatasyncs and all land', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir, { capacity: 4096, idleMs: 60_000 }).open();
  const body = (i: number) => `<domain><name>d${i}</name>${'x'.repeat(200)}</domain>`;
  await Promise.all(Array.from({ length: 120 }, (_, i) => d.write(`d${i}.xml`, body(i))));
  for (let i = 0; i < 120; i++) assert.equal(readFileSync(path.join(dir, `d${i}.xml`), 'utf8'), body(i));
  const left = readJournal(journal(dir)).changes;
  assert.ok(left.length < 120 && left.length > 0, `journal holds ${left.length} of 120 changes: it never checkpointed`);
  assert.equal(statSync(journal(dir)).size, 4096, 'the journal grew past its preallocated size');
  assert.ok(d.stats.checkpoints >= 5, `${d.stats.checkpoints} checkpoints`);
  assert.ok(d.stats.fdatasyncs < 60, `${d.stats.fdatasyncs} fdatasyncs for 120 overlapping writes`);
  // the changes still in the journal replay to the same contents
  for (const c of left) unlinkSync(path.join(dir, c.name));
  const again = new DurableDir(dir).open();
  for (const c of left) assert.equal(readFileSync(path.join(dir, c.name), 'utf8'), c.op === 'write' ? c.data : '');
  await again.close();
});

test('a name that is not a plain file name is refused and changes nothing', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir).open();
  await assert.rejects(() => d.write('../escape.xml', 'x'), /not a plain file name: '..\/escape.xml'/);
  await assert.rejects(() => d.write('.journal', 'x'), /not a plain file name/);
  assert.deepEqual(readJournal(journal(dir)).changes, []);
  assert.equal(existsSync(path.join(path.dirname(dir), 'escape.xml')), false);
  await d.close();
});

test('a write that cannot land fails, leaves no temporary file, and does not keep the folder shut', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(() => new DurableDir(dir).write('a.xml', 'x'), /journal of .* is not open/);
  const d = new DurableDir(dir, { idleMs: 60_000 }).open();
  mkdirSync(path.join(dir, 'x.xml'));
  // renaming a file over a folder fails (EISDIR) after the journal took the record
  await assert.rejects(() => d.write('x.xml', '<x/>'), /^TsvirtError: cannot write config file '.*x\.xml': Is a directory$/);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  await d.write('ok.xml', 'ok');
  // the obstacle goes away before the next start (as a full disk gets space): the failed call
  // must not come back from the journal, nor the file it would have replaced change
  rmSync(path.join(dir, 'x.xml'), { recursive: true });
  const again = new DurableDir(dir).open();
  assert.ok(!existsSync(path.join(dir, 'x.xml')), 'a write that failed is not replayed');
  assert.equal(readFileSync(path.join(dir, 'ok.xml'), 'utf8'), 'ok');
  await again.close();
});

test('a write that fails after its journal record, over an existing file: a crash and a replay leave the old content', async (t) => {
  const dir = tmpDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = new DurableDir(dir, { idleMs: 60_000 }).open();
  await d.write('k.xml', 'v1');
  // the next temporary file's name taken by a folder: creating it fails after the record is durable
  const d2 = d as unknown as { spare?: Promise<unknown>; counter: number };
  await d2.spare;
  d2.spare = undefined;
  mkdirSync(path.join(dir, `.new.${process.pid}.${d2.counter}.tmp`));
  await assert.rejects(() => d.write('k.xml', 'v2'));
  rmSync(path.join(dir, `.new.${process.pid}.${d2.counter - 1}.tmp`), { recursive: true, force: true });
  // the daemon dies here (no checkpoint); the next open replays the journal
  const again = new DurableDir(dir).open();
  assert.equal(readFileSync(path.join(dir, 'k.xml'), 'utf8'), 'v1');
  await again.close();
});
