// Runs INSIDE the LVM test VM (bundled with esbuild by scripts/make-node-guest.sh lvm
// /sbin/lvm): a whole tsvirtd (in this process, state under /tmp/tsv) with its logical
// pool on the VM's disk /dev/vda, driven through the API as a client would. This VM's
// kernel has device-mapper, which the machines the tests run on lack. Prints one line
// "TSVIRT-LVM-RESULT <json>"; test/e2e/storage-lvm-vm.test.ts asserts on it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { Client } from '../../src/client/client.js';
import { downloadVolume, uploadVolume } from '../../src/client/volume-stream.js';
import { startDaemon } from '../../src/daemon/tsvirtd.js';
import { rootPaths } from '../../src/daemon/paths.js';
import { TsvirtError } from '../../src/util/errors.js';

// no udev in this VM: lvm creates the /dev nodes itself and waits for nobody
mkdirSync('/etc/lvm', { recursive: true });
writeFileSync('/etc/lvm/lvm.conf', 'devices {\n obtain_device_list_from_udev = 0\n}\nactivation {\n udev_sync = 0\n udev_rules = 0\n monitoring = 0\n}\n');

const result: Record<string, unknown> = {};
const step = async (name: string, fn: () => Promise<unknown>) => {
  try {
    result[name] = (await fn()) ?? 'ok';
  } catch (e) {
    result[name] = { error: e instanceof TsvirtError ? e.code : 'exception', message: (e as Error).message };
  }
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const daemon = await startDaemon(rootPaths('/tmp/tsv'), { kvmProbe: false, log: { info: () => {}, warn: (m: string) => console.log(`tsvirtd: ${m}`) } });
const c = new Client({ uri: `qemu+unix:///system?socket=${daemon.paths.socket}` });
const download = async (vol: string, length: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (b: Buffer) => chunks.push(b));
  await downloadVolume(c, { pool: 'vgtest', vol, length }, out);
  return Buffer.concat(chunks);
};

await step('define', () => c.call('pool.define', { xml: "<pool type='logical'><name>vgtest</name><source><device path='/dev/vda'/></source><target><path>/dev/vgtest</path></target></pool>" }));
await step('build', () => c.call('pool.build', { pool: 'vgtest' }));
await step('start', () => c.call('pool.start', { pool: 'vgtest' }));
await step('info', () => c.call('pool.lookup', { pool: 'vgtest' }));
await step('create', () => c.call('vol.create', { pool: 'vgtest', xml: "<volume><name>lv1</name><capacity unit='MiB'>16</capacity></volume>" }));
await step('qcow2', () => c.call('vol.create', { pool: 'vgtest', xml: "<volume><name>lv2</name><capacity unit='MiB'>8</capacity><target><format type='qcow2'/></target></volume>" }));
const data = randomBytes(1024 * 1024 + 4096);
await step('upload', async () => {
  await uploadVolume(c, { pool: 'vgtest', vol: 'lv1' }, Readable.from([data]), data.length);
  const back = await download('lv1', data.length);
  return { sent: sha(data), back: sha(back), bytes: back.length };
});
await step('tooBig', () => uploadVolume(c, { pool: 'vgtest', vol: 'lv1' }, Readable.from([Buffer.alloc(17 * 1024 * 1024)]), 17 * 1024 * 1024));
await step('resize', async () => {
  await c.call('vol.resize', { pool: 'vgtest', vol: 'lv1', capacity: 24 * 1024 * 1024 });
  return c.call('vol.lookup', { pool: 'vgtest', vol: 'lv1' });
});
await step('shrinkRefused', () => c.call('vol.resize', { pool: 'vgtest', vol: 'lv1', capacity: 8 * 1024 * 1024 }));
await step('wipe', async () => {
  await c.call('vol.wipe', { pool: 'vgtest', vol: 'lv1' });
  const back = await download('lv1', 1024 * 1024);
  return { zero: back.every((b) => b === 0), bytes: back.length };
});
await step('list', () => c.call('vol.list', { pool: 'vgtest' }));
await step('delete', () => c.call('vol.delete', { pool: 'vgtest', vol: 'lv1' }));
await step('listAfter', () => c.call('vol.list', { pool: 'vgtest' }));
await step('destroy', () => c.call('pool.destroy', { pool: 'vgtest' }));
await step('poolDelete', () => c.call('pool.delete', { pool: 'vgtest' }));
await step('undefine', () => c.call('pool.undefine', { pool: 'vgtest' }));
c.close();
await daemon.close();
console.log(`TSVIRT-LVM-RESULT ${JSON.stringify(result)}`);
