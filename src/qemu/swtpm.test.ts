// The swtpm of an emulator TPM: started with its state under the instance's folders, QEMU (real, paused)
// takes the -tpmdev tsvirt builds for it and reports the TPM over QMP; swtpm ends with QEMU
// (--terminate) and the record stops it again safely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostRoot } from '../host/host-root.js';
import { UndoStack } from '../util/undo.js';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { platformArgs } from './argv-platform.js';
import { hostSwtpmDirs, startSwtpms, stopSwtpms } from './swtpm.js';
import { goldenCaps } from '../../test/golden/golden.js';
import { QmpMonitor } from './qmp-monitor.js';

const QEMU = process.env.TSVIRT_TEST_QEMU ?? '/usr/bin/qemu-system-x86_64';
const haveSwtpm = existsSync(process.env.TSVIRT_SWTPM ?? '/usr/bin/swtpm');
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('an emulator TPM runs on the swtpm tsvirt starts, and QEMU accepts it', { skip: haveSwtpm ? undefined : 'swtpm is not installed', timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-swtpm-'));
  const undo = new UndoStack();
  t.after(async () => { await undo.run(); rmSync(dir, { recursive: true, force: true }); });
  const dom = parseAndPrepareDomain(`<domain type='qemu'><name>tpm</name><uuid>c0ffee00-0000-4000-8000-000000000799</uuid><memory>65536</memory>
    <os><type machine='q35'>hvm</type></os><devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>`);
  const record = await startSwtpms(hostSwtpmDirs(new HostRoot(dir)), dom, undo);
  const [pidText, socket] = Object.values(record)[0]!.split(':');
  const pid = Number(pidText);
  assert.ok(alive(pid), 'swtpm runs');
  assert.equal(dom.devices.tpms![0].backend.socket, socket);
  assert.ok(socket!.startsWith(dir) && existsSync(socket!));
  assert.ok(existsSync(join(dir, 'var/lib/tsvirt/swtpm/c0ffee00-0000-4000-8000-000000000799/tpm2')), 'state under the host root');

  const tpmArgs = platformArgs(dom, goldenCaps).flatMap(([o, v]) => (v === undefined ? [o] : [o, v]));
  assert.ok(tpmArgs.includes(`socket,id=chrtpm,path=${socket}`), tpmArgs.join(' '));
  const qmp = join(dir, 'qmp.sock');
  const qemu = spawn(QEMU, ['-S', '-nodefaults', '-display', 'none', '-machine', 'q35,accel=tcg', ...tpmArgs, '-qmp', `unix:${qmp},server=on,wait=off`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise((r) => qemu.once('exit', r));
  t.after(() => { if (qemu.exitCode === null) qemu.kill('SIGKILL'); });
  const mon = await QmpMonitor.connect(qmp, { timeoutMs: 10_000, retryUntilMs: 10_000 }).catch((e: Error) => { throw new Error(`${e.message}: ${stderr}`); });
  const tpms = await mon.execute<Array<{ id: string; model: string; options: { type: string } }>>('query-tpm');
  assert.deepEqual(tpms.map((x) => [x.id, x.model, x.options.type]), [['tpm-tpm0', 'tpm-crb', 'emulator']]);
  await mon.execute('quit').catch(() => {});
  mon.close();
  await exited;
  for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(pid), false, 'swtpm ends when QEMU goes (--terminate)');
  await stopSwtpms(record); // safe again
  assert.equal(existsSync(socket!), false);
});

const tpmDomain = () => parseAndPrepareDomain(`<domain type='qemu'><name>tpmfail</name><uuid>c0ffee00-0000-4000-8000-000000000798</uuid><memory>65536</memory>
  <os><type machine='q35'>hvm</type></os><devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>`);

test('a swtpm that exits at once is a clear start error, and its socket and process are gone', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-swtpm-'));
  const saved = process.env.TSVIRT_SWTPM;
  t.after(() => { if (saved === undefined) delete process.env.TSVIRT_SWTPM; else process.env.TSVIRT_SWTPM = saved; rmSync(dir, { recursive: true, force: true }); });
  process.env.TSVIRT_SWTPM = '/bin/false';
  const undo = new UndoStack();
  const dirs = { stateDir: join(dir, 'lib'), runDir: join(dir, 'run'), logDir: join(dir, 'log') };
  await assert.rejects(startSwtpms(dirs, tpmDomain(), undo), /swtpm did not start for TPM 0 of domain 'tpmfail'/);
  await undo.run();
  assert.deepEqual(readdirSync(dirs.runDir), [], 'no control socket left');
});

test('a TPM state folder that cannot be made is a clear start error naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-swtpm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'lib'), 'a file where the state folder goes');
  const dirs = { stateDir: join(dir, 'lib'), runDir: join(dir, 'run'), logDir: join(dir, 'log') };
  await assert.rejects(startSwtpms(dirs, tpmDomain(), new UndoStack()),
    (e: Error) => /cannot prepare the TPM emulator state of domain 'tpmfail'/.test(e.message) && e.message.includes(join(dir, 'lib')));
});
