import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { buildQemuArgv } from './argv.js';
import { goldenCaps, BASE_CTX } from '../../test/golden/golden.js';

const dom = (devs: string, top = '') => parseAndPrepareDomain(`<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>${top}<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devs}</devices></domain>`);
const after = (argv: string[], opt: string) => argv.filter((_, i) => argv[i - 1] === opt);

test('9p: commas in the path are doubled; handle/loop drivers are refused', () => {
  const argv = buildQemuArgv(dom("<filesystem><source dir='/srv/a,b'/><target dir='t'/></filesystem>"), goldenCaps, BASE_CTX);
  assert.deepEqual(after(argv, '-fsdev'), ['local,security_model=passthrough,id=fsdev-fs0,path=/srv/a,,b']);
  assert.throws(() => buildQemuArgv(dom("<filesystem><driver type='handle'/><source dir='/s'/><target dir='t'/></filesystem>"), goldenCaps, BASE_CTX),
    (e) => isTsvirtError(e) && e.code === 'config-unsupported' && /handle/.test(e.message));
});

test('virtiofs: socket in the run folder, shared memfd RAM', () => {
  const d = dom("<filesystem><driver type='virtiofs'/><source dir='/s'/><target dir='t'/></filesystem>", "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>");
  const argv = buildQemuArgv(d, goldenCaps, BASE_CTX);
  assert.ok(after(argv, '-chardev').includes(`socket,id=chr-vu-fs0,path=${BASE_CTX.channelDir}/fs0-fs.sock`));
  assert.ok(after(argv, '-object').some((o) => JSON.parse(o)['qom-type'] === 'memory-backend-memfd' && JSON.parse(o).share === true));
  const dev = after(argv, '-device').map((x) => JSON.parse(x)).find((x) => x.driver === 'vhost-user-fs-pci');
  assert.deepEqual(dev, { driver: 'vhost-user-fs-pci', id: 'fs0', chardev: 'chr-vu-fs0', tag: 't', bus: 'pci.0', addr: '0x2' });
});

test('hugepages without a host mount of that size fail the argv clearly', () => {
  const d = dom('', "<memoryBacking><hugepages><page size='1' unit='G'/></hugepages></memoryBacking>");
  assert.throws(() => buildQemuArgv(d, goldenCaps, BASE_CTX), /unable to find any usable hugetlbfs mount for 1048576 KiB/);
});
