// Runs INSIDE the power-cut test VM (scripts/make-node-guest.sh durable): tsvirt's durable
// state folder (src/util/durable-dir.ts) on ext4 on the VM's virtio disk, on a real kernel.
// tsvirt.durable=write: writes and removes files as fast as it can, prints
//   "TSVIRT-DURABLE-CUT {"last":N}" once change N has returned, and goes on; the host kills
//   QEMU at that line: the guest's page cache is lost as in a power cut.
// tsvirt.durable=verify tsvirt.last=N (next boot): counts what the files lost, reopens the
//   folder (which replays its journal) and prints "TSVIRT-DURABLE-RESULT <json>".
// test/e2e/durable-power-cut.test.ts asserts on it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { DurableDir } from '../../src/util/durable-dir.js';

const CUT_AT = 300;
const cmdline = readFileSync('/proc/cmdline', 'utf8');
const arg = (k: string) => new RegExp(`tsvirt\\.${k}=(\\S+)`).exec(cmdline)?.[1];
const body = (i: number) => `<domain type='qemu'>\n  <name>d${i}</name>\n${'  <!-- padding -->\n'.repeat(30 + (i % 11) * 5)}</domain>\n`;
/** change i writes d<i>.xml; when i is a multiple of 5 it also removes d<i-3>.xml */
const removedBy = (i: number) => ((i + 3) % 5 === 0 ? i + 3 : -1);

mkdirSync('/mnt', { recursive: true });
execFileSync('mount', ['-t', 'ext4', '/dev/vda', '/mnt']);
const dir = '/mnt/state';
// a small journal, so that checkpoints (fsync of files and folder, journal emptied) happen too
const opts = { capacity: 64 * 1024, idleMs: 60_000 };

if (arg('durable') === 'write') {
  mkdirSync(dir, { recursive: true });
  const d = new DurableDir(dir, opts).open();
  for (let i = 0; ; i++) {
    await d.write(`d${i}.xml`, body(i));
    if (i % 5 === 0 && i >= 3) await d.remove(`d${i - 3}.xml`);
    if (i === CUT_AT) console.log(`TSVIRT-DURABLE-CUT ${JSON.stringify({ last: i, checkpoints: d.stats.checkpoints })}`);
  }
} else {
  const last = Number(arg('last'));
  // changes after `last` may or may not have reached the disk before the cut; whole, if at all
  const expectAt = (i: number): 'present' | 'absent' | 'either' => {
    const r = removedBy(i);
    if (r !== -1 && r <= last) return 'absent';
    return i > last || r !== -1 ? 'either' : 'present';
  };
  const check = () => {
    const bad: string[] = [];
    const names = new Set(readdirSync(dir).filter((n) => n.endsWith('.xml')));
    for (const n of names) {
      const i = Number(/^d(\d+)\.xml$/.exec(n)?.[1] ?? NaN);
      if (!Number.isInteger(i)) bad.push(`stray ${n}`);
      else if (expectAt(i) === 'absent') bad.push(`${n} came back`);
      else if (readFileSync(`${dir}/${n}`, 'utf8') !== body(i)) bad.push(`${n} has ${readFileSync(`${dir}/${n}`).length} wrong bytes`);
    }
    for (let i = 0; i <= last; i++) if (expectAt(i) === 'present' && !names.has(`d${i}.xml`)) bad.push(`d${i}.xml missing`);
    return bad;
  };
  const before = existsSync(dir) ? check() : ['no folder'];
  const d = new DurableDir(dir, opts).open();
  const after = check();
  await d.close();
  console.log(`TSVIRT-DURABLE-RESULT ${JSON.stringify({ last, damagedBeforeReplay: before.length, exampleDamage: before.slice(0, 3), badAfterReplay: after })}`);
}
