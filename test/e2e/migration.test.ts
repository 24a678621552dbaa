// End to end: live migration between two tsvirtd "hosts" (two network namespaces joined
// by a veth, one shared disk folder) driven by stock virsh without --p2p (virsh calls
// begin/prepare/perform/finish/confirm on both daemons). One counter guest: errors first
// (nothing changes), then a slowed migration aborted with domjobabort (the guest runs on
// the source, nothing on the destination), then the real one: the counter goes on without a
// gap or a repeat across the switch-over, the disk's latest value is there, the source has
// no QEMU left and the domain runs (persistent) on the destination.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTwoHosts, type TwoHosts } from './two-hosts.js';
import { waitForText } from './guest.js';
import { counterDomainXml, counts, discontinuities, CounterWatch } from './counter-guest.js';
import { Client } from '../../src/client/client.js';

const SUBNET = 47;
let hosts: TwoHosts | undefined;
let shared = '';
/** counter watches still polling when a test fails: stopped at the end so the process can exit */
const watches: CounterWatch[] = [];
before(async () => {
  shared = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-mig-shared-'));
  hosts = await startTwoHosts('mig', SUBNET, { args: (_h, addr) => ['--listen-tcp', addr, '--auth-tcp', 'none'] });
});
after(async () => {
  for (const w of watches) w.stop();
  await hosts?.stop();
  if (shared) rmSync(shared, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the counter value in an image's first sector (read while QEMU has it open) */
function diskCount(file: string): number | undefined {
  const out = execFileSync('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', 'read -v 0 32', file], { encoding: 'utf8' });
  const bytes = [...out.matchAll(/^[0-9a-f]{8}:\s+((?:[0-9a-f]{2} ){1,16})/gm)].flatMap((m) => m[1].trim().split(' ').map((h) => parseInt(h, 16)));
  const m = /TSVIRT-DISKCOUNT (\d+)/.exec(Buffer.from(bytes).toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

/** QEMU processes a daemon has status files for */
function runningQemus(root: string): string[] {
  const dir = path.join(root, 'run/tsvirt/qemu');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')) : [];
}

test('live migration through virsh (no --p2p), shared disk folder', { timeout: 300_000 }, async () => {
  const { src, dst } = hosts!;
  const name = 'migc';
  const srcLog = path.join(shared, 'src-console.log');
  const dstLog = path.join(shared, 'dst-console.log');
  const disk = path.join(shared, 'data.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
  const xml = await counterDomainXml({ name, consoleLog: srcLog, diskFile: disk, uuid: '5a1e0f3c-9d4b-4c1e-8f7a-2b6d3c4e5f60' });
  writeFileSync(path.join(shared, 'dom.xml'), xml);
  // the destination's XML differs only in where its console goes (virsh migrate --xml)
  writeFileSync(path.join(shared, 'dst.xml'), xml.replace(srcLog, dstLog));

  const vs = (args: string[], timeoutMs = 60_000) => src.daemon.virsh(args, { timeoutMs });
  const vd = (args: string[], timeoutMs = 60_000) => dst.daemon.virsh(args, { timeoutMs });
  const ok = async (p: Promise<{ code: number | null; stdout: string; stderr: string }>, what: string) => {
    const r = await p;
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r.stdout;
  };
  await ok(vs(['define', path.join(shared, 'dom.xml')]), 'define');
  await ok(vs(['start', name]), 'start');
  await waitForText(srcLog, 'TSVIRT-COUNT 100', 60_000);

  // ---- errors: nothing changes ----
  const unknown = await vs(['migrate', '--live', name, `qemu+unix:///system?socket=${path.join(shared, 'nowhere.sock')}`]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /error: .*(Failed to connect socket|No such file)/);
  assert.match(await ok(vs(['domstate', name]), 'domstate'), /^running/);

  // a different domain of that name on the destination: refused there, nothing changes
  writeFileSync(path.join(shared, 'other.xml'), xml.replace('5a1e0f3c-9d4b-4c1e-8f7a-2b6d3c4e5f60', '0f0e0d0c-0b0a-4908-8706-050403020100'));
  await ok(vd(['define', path.join(shared, 'other.xml')]), 'define other on dst');
  const clash = await vs(['migrate', '--live', name, dst.daemon.libvirtUri, '--migrateuri', `tcp://${dst.address}`]);
  assert.notEqual(clash.code, 0);
  assert.match(clash.stderr, /already exists with uuid 0f0e0d0c/, clash.stderr);
  await ok(vd(['undefine', name]), 'undefine other on dst');
  assert.match(await ok(vs(['domstate', name]), 'domstate'), /^running/);

  // tunables
  assert.match(await ok(vs(['migrate-getmaxdowntime', name]), 'getmaxdowntime'), /^300\s*$/);
  await ok(vs(['migrate-setmaxdowntime', name, '200']), 'setmaxdowntime');
  assert.match(await ok(vs(['migrate-getmaxdowntime', name]), 'getmaxdowntime'), /^200\s*$/);
  assert.match(await ok(vs(['migrate-getspeed', name]), 'getspeed'), /^8796093022207\s*$/);

  // ---- a slowed migration, aborted: the guest goes on at the source ----
  await ok(vs(['migrate-setspeed', name, '1']), 'setspeed');
  assert.match(await ok(vs(['migrate-getspeed', name]), 'getspeed'), /^1\s*$/);
  const slow = vs(['migrate', '--live', name, dst.daemon.libvirtUri, '--migrateuri', `tcp://${dst.address}`], 120_000);
  let info = '';
  for (let i = 0; i < 100 && !/Data processed:\s+[1-9]/.test(info); i++) {
    await sleep(200);
    info = (await vs(['domjobinfo', name])).stdout;
  }
  assert.match(info, /Job type:\s+Unbounded|Job type:\s+Bounded/, info);
  assert.match(info, /Operation:\s+Outgoing migration/, info);
  assert.equal((await vd(['list', '--all', '--name'])).stdout.trim(), name, 'the incoming domain exists on the destination meanwhile');
  await ok(vs(['domjobabort', name]), 'domjobabort');
  const aborted = await slow;
  assert.notEqual(aborted.code, 0);
  assert.match(aborted.stderr, /operation aborted|canceled by client/i, aborted.stderr);
  assert.match(await ok(vs(['domstate', name]), 'domstate'), /^running/);
  const before = counts(readFileSync(srcLog, 'latin1')).at(-1)!;
  await waitForText(srcLog, `TSVIRT-COUNT ${before + 20}`, 10_000);
  assert.equal((await vd(['list', '--all', '--name'])).stdout.trim(), '', 'nothing left on the destination');
  assert.deepEqual(runningQemus(dst.daemon.root), []);
  await ok(vs(['migrate-setspeed', name, '8796093022207']), 'setspeed back');

  // --xml of another domain: refused before anything starts
  const wrong = await vs(['migrate', '--live', name, dst.daemon.libvirtUri, '--migrateuri', `tcp://${dst.address}`, '--xml', path.join(shared, 'other.xml')]);
  assert.match(wrong.stderr, /Target domain uuid 0f0e0d0c-0b0a-4908-8706-050403020100 does not match source/, wrong.stderr);
  assert.equal((await vd(['list', '--all', '--name'])).stdout.trim(), '');

  // ---- the migration ----
  const watch = new CounterWatch([srcLog, dstLog]).start();
  watches.push(watch);
  await sleep(300);
  const t0 = Date.now();
  await ok(vs(['migrate', '--live', '--persistent', '--verbose', name, dst.daemon.libvirtUri,
    '--migrateuri', `tcp://${dst.address}`, '--xml', path.join(shared, 'dst.xml')], 120_000), 'migrate');
  const tookMs = Date.now() - t0;
  await waitForText(dstLog, 'TSVIRT-COUNT', 10_000);
  const firstOnDst = counts(readFileSync(dstLog, 'latin1'))[0];
  await waitForText(dstLog, `TSVIRT-COUNT ${firstOnDst + 50}`, 10_000);
  await watch.poll();
  watch.stop();
  const values = watch.values();
  const { gaps, repeats } = discontinuities(values);
  const completed = await ok(vs(['domjobinfo', '--completed', name]), 'domjobinfo --completed');
  const downtime = /Total downtime:\s+(\d+)\s+ms/.exec(completed)?.[1];
  assert.ok(downtime !== undefined, completed);
  // eslint-disable-next-line no-console
  console.log(`migration took ${tookMs} ms; QEMU downtime ${downtime ?? '?'} ms; largest gap the guest showed ${watch.largestGap().ms} ms after ${watch.largestGap().after}; values ${values[0]}..${values.at(-1)}`);
  assert.deepEqual(gaps, [], 'no value skipped');
  assert.deepEqual(repeats, [], 'no value repeated');
  assert.ok(firstOnDst > before, 'the destination went on from where the source was');

  // the source: no QEMU, shut off (migrated), still defined; the destination: running, persistent
  assert.match(await ok(vs(['domstate', '--reason', name]), 'domstate'), /shut off \(migrated\)/);
  assert.deepEqual(runningQemus(src.daemon.root), []);
  assert.match(await ok(vd(['domstate', name]), 'domstate dst'), /^running/);
  assert.match(await ok(vd(['dominfo', name]), 'dominfo dst'), /Persistent:\s+yes/);
  // the disk holds the guest's latest values, written from the destination
  const last = counts(readFileSync(dstLog, 'latin1')).at(-1)!;
  await sleep(300);
  const onDisk = diskCount(disk);
  assert.ok(onDisk !== undefined && onDisk > firstOnDst && onDisk >= last - 20, `disk holds ${onDisk}, console ${last}; src disk at boot: ${/TSVIRT-DISKCOUNT-BOOT.*/.exec(readFileSync(srcLog, 'latin1'))?.[0]}; dst log tail: ${readFileSync(dstLog, 'latin1').slice(-300)}; ${execFileSync('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', 'read -v 0 32', disk], { encoding: 'utf8' })}`);

  // ---- and back, peer to peer: the destination daemon drives it over qemu+tcp ----
  const backLog = path.join(shared, 'back-console.log');
  writeFileSync(path.join(shared, 'back.xml'), (await ok(vd(['dumpxml', '--inactive', name]), 'dumpxml')).replace(dstLog, backLog));
  const back = new CounterWatch([dstLog, backLog]).start();
  watches.push(back);
  await sleep(300);
  await ok(vd(['migrate', '--p2p', '--live', '--undefinesource', name, `qemu+tcp://${src.address}/system`, '--xml', path.join(shared, 'back.xml')], 120_000), 'migrate --p2p back');
  await waitForText(backLog, 'TSVIRT-COUNT', 10_000);
  const firstBack = counts(readFileSync(backLog, 'latin1'))[0];
  await waitForText(backLog, `TSVIRT-COUNT ${firstBack + 50}`, 10_000);
  await back.poll();
  back.stop();
  const backD = discontinuities(back.values());
  // eslint-disable-next-line no-console
  console.log(`p2p back: largest gap the guest showed ${back.largestGap().ms} ms after ${back.largestGap().after}`);
  assert.deepEqual(backD, { gaps: [], repeats: [] });
  assert.equal((await vd(['list', '--all', '--name'])).stdout.trim(), '', '--undefinesource: gone from the destination');
  assert.deepEqual(runningQemus(dst.daemon.root), []);
  assert.match(await ok(vs(['domstate', name]), 'domstate src'), /^running/);
  assert.match(await ok(vs(['dominfo', name]), 'dominfo src'), /Persistent:\s+yes/);

  // p2p to a destination nobody listens on: refused, the guest runs on
  const nowhere = await vs(['migrate', '--p2p', '--live', name, `qemu+tcp://${dst.address}:1/system`]);
  assert.notEqual(nowhere.code, 0);
  assert.match(nowhere.stderr, /Failed to connect to remote libvirt URI/, nowhere.stderr);
  assert.match(await ok(vs(['domstate', name]), 'domstate'), /^running/);
  await ok(vs(['destroy', name]), 'destroy');
});

test('--copy-storage-all: no shared disk, the destination gets the disk over NBD', { timeout: 240_000 }, async () => {
  const { src, dst } = hosts!;
  const name = 'migcopy';
  const srcDir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-mig-srcdisk-'));
  const dstDir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-mig-dstdisk-'));
  try {
    const srcLog = path.join(srcDir, 'console.log');
    const dstLog = path.join(dstDir, 'console.log');
    const srcDisk = path.join(srcDir, 'data.qcow2');
    const dstDisk = path.join(dstDir, 'data.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', srcDisk, '16M']);
    // data written before the migration, away from the sector the guest counts in
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 2M', srcDisk]);
    const xml = await counterDomainXml({ name, consoleLog: srcLog, diskFile: srcDisk, uuid: '6b2f1a4d-0e5c-4d2f-9a8b-3c7e4d5f6a71' });
    writeFileSync(path.join(srcDir, 'dom.xml'), xml);
    writeFileSync(path.join(dstDir, 'dst.xml'), xml.replace(srcLog, dstLog).replace(srcDisk, dstDisk));
    const vs = (args: string[], timeoutMs = 60_000) => src.daemon.virsh(args, { timeoutMs });
    const vd = (args: string[], timeoutMs = 60_000) => dst.daemon.virsh(args, { timeoutMs });
    const ok = async (p: Promise<{ code: number | null; stdout: string; stderr: string }>, what: string) => {
      const r = await p;
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      return r.stdout;
    };
    await ok(vs(['define', path.join(srcDir, 'dom.xml')]), 'define');
    await ok(vs(['start', name]), 'start');
    await waitForText(srcLog, 'TSVIRT-COUNT 100', 60_000);

    // the same file on both ends (no --xml: one machine here) would be mirrored onto itself: refused
    const same = await vs(['migrate', '--live', '--copy-storage-all', name, dst.daemon.libvirtUri, '--migrateuri', `tcp://${dst.address}`]);
    assert.notEqual(same.code, 0);
    assert.match(same.stderr, /is the source's own image/, same.stderr);
    assert.match(await ok(vs(['domstate', name]), 'domstate'), /^running/);
    assert.equal((await vd(['list', '--all', '--name'])).stdout.trim(), '');

    const watch = new CounterWatch([srcLog, dstLog]).start();
    watches.push(watch);
    await sleep(300);
    const t0 = Date.now();
    await ok(vs(['migrate', '--live', '--copy-storage-all', '--persistent', name, dst.daemon.libvirtUri,
      '--migrateuri', `tcp://${dst.address}`, '--xml', path.join(dstDir, 'dst.xml')], 120_000), 'migrate --copy-storage-all');
    const tookMs = Date.now() - t0;
    await waitForText(dstLog, 'TSVIRT-COUNT', 10_000);
    const firstOnDst = counts(readFileSync(dstLog, 'latin1'))[0];
    await waitForText(dstLog, `TSVIRT-COUNT ${firstOnDst + 50}`, 10_000);
    await watch.poll();
    watch.stop();
    // eslint-disable-next-line no-console
    console.log(`copy-storage-all migration took ${tookMs} ms; largest gap the guest showed ${watch.largestGap().ms} ms`);
    assert.deepEqual(discontinuities(watch.values()), { gaps: [], repeats: [] });
    assert.deepEqual(runningQemus(src.daemon.root), []);
    assert.match(await ok(vd(['domstate', name]), 'domstate dst'), /^running/);
    assert.match(await ok(vd(['domblklist', name]), 'domblklist dst'), new RegExp(dstDisk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // the destination's own image: the data from before, and the guest's latest counts
    const last = counts(readFileSync(dstLog, 'latin1')).at(-1)!;
    await sleep(300);
    const onDisk = diskCount(dstDisk);
    assert.ok(onDisk !== undefined && onDisk > firstOnDst && onDisk >= last - 20, `destination disk holds ${onDisk}, console ${last}`);
    const pattern = execFileSync('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', 'read -P 0x5a 1M 2M', dstDisk], { encoding: 'utf8' });
    assert.doesNotMatch(pattern, /Pattern verification failed/, pattern);
    assert.match(pattern, /read 2097152\/2097152 bytes/, pattern);
    await ok(vd(['destroy', name]), 'destroy dst');
    await ok(vd(['undefine', name]), 'undefine dst');
    await ok(vs(['undefine', name]), 'undefine src');
  } finally {
    rmSync(srcDir, { recursive: true, force: true });
    rmSync(dstDir, { recursive: true, force: true });
  }
});

test('kill -9 of either daemon mid-migration: the guest runs on the source, nothing on the destination', { timeout: 240_000 }, async () => {
  const { src, dst } = hosts!;
  const name = 'migc';
  const srcLog = path.join(shared, 'src-console.log');
  const vs = (args: string[], timeoutMs = 60_000) => src.daemon.virsh(args, { timeoutMs });
  const vd = (args: string[], timeoutMs = 60_000) => dst.daemon.virsh(args, { timeoutMs });
  const ok = async (p: Promise<{ code: number | null; stdout: string; stderr: string }>, what: string) => {
    const r = await p;
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r.stdout;
  };
  const slowMigration = async () => {
    await ok(vs(['migrate-setspeed', name, '2']), 'setspeed');
    const run = vs(['migrate', '--p2p', '--live', name, `qemu+tcp://${dst.address}/system`], 120_000);
    let info = '';
    for (let i = 0; i < 100 && !/Data processed:\s+[1-9]/.test(info); i++) {
      await sleep(200);
      info = (await vs(['domjobinfo', name])).stdout;
    }
    assert.match(info, /Operation:\s+Outgoing migration/, info);
    // in an object: an async function returning the promise itself would wait for the migration
    return { run };
  };
  const runsOnSourceOnly = async (what: string) => {
    for (let i = 0; i < 50 && (await vd(['list', '--all', '--name'])).stdout.trim() !== ''; i++) await sleep(200);
    assert.equal((await vd(['list', '--all', '--name'])).stdout.trim(), '', `${what}: nothing on the destination`);
    assert.deepEqual(runningQemus(dst.daemon.root), [], `${what}: no QEMU on the destination`);
    assert.match(await ok(vs(['domstate', name]), 'domstate'), /^running/, what);
    const n = counts(readFileSync(srcLog, 'latin1')).at(-1)!;
    await waitForText(srcLog, `TSVIRT-COUNT ${n + 20}`, 10_000);
  };

  if ((await vs(['domstate', name])).code !== 0) {
    // run alone (--test-name-pattern): the domain of the first test
    const disk = path.join(shared, 'data.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
    writeFileSync(path.join(shared, 'dom.xml'), await counterDomainXml({ name, consoleLog: srcLog, diskFile: disk, uuid: '5a1e0f3c-9d4b-4c1e-8f7a-2b6d3c4e5f60' }));
    await ok(vs(['define', path.join(shared, 'dom.xml')]), 'define');
  }
  await ok(vs(['start', name]), 'start');
  await waitForText(srcLog, 'TSVIRT-COUNT 50', 60_000);

  // the destination daemon dies: the source notices the lost connection, cancels, resumes
  const r1 = (await slowMigration()).run;
  await dst.daemon.kill();
  const failed1 = await r1;
  assert.notEqual(failed1.code, 0, src.daemon.logText().slice(-3000));
  assert.match(failed1.stderr, /Lost connection to destination host|error/, `${failed1.stderr}\n${src.daemon.logText().slice(-3000)}`);
  await dst.daemon.restart();
  await runsOnSourceOnly('destination killed');

  // the source daemon dies: at its restart it cancels the migration and resumes the guest
  const r2 = (await slowMigration()).run;
  await src.daemon.kill();
  assert.notEqual((await r2).code, 0);
  await src.daemon.restart();
  await runsOnSourceOnly('source killed');
  await ok(vs(['destroy', name]), 'destroy');
});

test('the five steps through the API, with the finish call coming after the guest already runs on the destination', { timeout: 120_000 }, async () => {
  const { src, dst } = hosts!;
  const name = 'migl';
  const log = path.join(shared, 'late-console.log');
  writeFileSync(path.join(shared, 'late.xml'), (await counterDomainXml({ name, consoleLog: log })).replace("append='off'", "append='on'"));
  const s = new Client({ uri: src.daemon.uri });
  const d = new Client({ uri: dst.daemon.uri });
  try {
    await s.call('domain.create', { xml: readFileSync(path.join(shared, 'late.xml'), 'utf8') });
    await waitForText(log, 'TSVIRT-COUNT 20', 60_000);
    const begun = await s.call('domain.migrateBegin', { domain: name });
    const prep = await d.call('domain.migratePrepare', { xml: begun.xml, cookie: begun.cookie, uri: `tcp://${dst.address}` });
    await s.call('domain.migratePerform', { domain: name, uri: prep.uri, live: true, cookie: prep.cookie });
    // a slow client: by now the destination has resumed the guest and ended its job
    for (let i = 0; i < 50 && !/^running/.test((await dst.daemon.virsh(['domstate', name])).stdout); i++) await sleep(100);
    await sleep(500);
    const fin = await d.call('domain.migrateFinish', { name, cancelled: false });
    assert.equal(fin.state, 'running');
    await s.call('domain.migrateConfirm', { domain: name, cancelled: false });
    assert.equal((await src.daemon.virsh(['list', '--all', '--name'])).stdout.includes(name), false, 'the transient domain left the source');
    const n = counts(readFileSync(log, 'latin1')).at(-1)!;
    await waitForText(log, `TSVIRT-COUNT ${n + 20}`, 10_000);
    // a second finish for the same migration finds nothing
    await assert.rejects(d.call('domain.migrateFinish', { name, cancelled: false }), /no domain with matching name 'migl'/);
  } finally {
    await d.call('domain.destroy', { domain: name }).catch(() => undefined);
    await s.call('domain.destroy', { domain: name }).catch(() => undefined);
    s.close();
    d.close();
  }
});

test('--p2p: a destination that stops answering (its packets dropped, no FIN) is given up after 30 s; the guest runs on the source', { timeout: 180_000 }, async () => {
  const { src, dst } = hosts!;
  const name = 'migd';
  const log = path.join(shared, 'drop-console.log');
  writeFileSync(path.join(shared, 'drop.xml'), (await counterDomainXml({ name, consoleLog: log })).replace("append='off'", "append='on'"));
  const nft = (args: string[]) => execFileSync('ip', ['netns', 'exec', dst.netns, 'nft', ...args]);
  let dropping = false;
  try {
    assert.equal((await src.daemon.virsh(['create', path.join(shared, 'drop.xml')])).code, 0);
    await waitForText(log, 'TSVIRT-COUNT 20', 60_000);
    assert.equal((await src.daemon.virsh(['migrate-setspeed', name, '1'])).code, 0);
    const run = src.daemon.virsh(['migrate', '--p2p', '--live', name, `qemu+tcp://${dst.address}/system`], { timeoutMs: 120_000 });
    let info = '';
    for (let i = 0; i < 100 && !/Data processed:\s+[1-9]/.test(info); i++) {
      await sleep(200);
      info = (await src.daemon.virsh(['domjobinfo', name])).stdout;
    }
    assert.match(info, /Operation:\s+Outgoing migration/, info);
    // everything reaching the destination is dropped: its sockets stay open, it just goes silent
    nft(['add', 'table', 'inet', 'tsvblackhole']);
    nft(['add', 'chain', 'inet', 'tsvblackhole', 'in', '{ type filter hook input priority 0; policy drop; }']);
    dropping = true;
    const since = Date.now();
    const r = await run;
    const tookS = (Date.now() - since) / 1000;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Lost connection to destination host/, r.stderr);
    assert.ok(tookS >= 25 && tookS < 60, `given up after ${tookS} s`);
    assert.match((await src.daemon.virsh(['domstate', name])).stdout, /^running/);
    const n = counts(readFileSync(log, 'latin1')).at(-1)!;
    await waitForText(log, `TSVIRT-COUNT ${n + 20}`, 10_000);
    // back on the network, the destination sees the source's end of the stream and drops its QEMU
    nft(['delete', 'table', 'inet', 'tsvblackhole']);
    dropping = false;
    for (let i = 0; i < 150 && (await dst.daemon.virsh(['list', '--all', '--name'])).stdout.trim() !== ''; i++) await sleep(200);
    assert.equal((await dst.daemon.virsh(['list', '--all', '--name'])).stdout.trim(), '', 'nothing left on the destination');
    assert.deepEqual(runningQemus(dst.daemon.root), []);
  } finally {
    if (dropping) nft(['delete', 'table', 'inet', 'tsvblackhole']);
    await src.daemon.virsh(['destroy', name]);
  }
});
