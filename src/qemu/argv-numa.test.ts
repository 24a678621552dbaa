// Start-time handling of NUMA, memory devices, tuning and sysinfo in the argv builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAndPrepareDomain } from '../conf/domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { buildQemuArgv } from './argv.js';
import { BASE_CTX, goldenCaps } from '../../test/golden/golden.js';

const caps = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } };
const dom = (inner: string, devices = '', extra = '') =>
  `<domain type='qemu'><name>t</name><uuid>c0ffee00-0000-4000-8000-000000000600</uuid>${extra}<memory unit='MiB'>256</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>${inner}<devices>${devices}</devices></domain>`;
const argv = (xml: string) => buildQemuArgv(parseAndPrepareDomain(xml, caps), goldenCaps, BASE_CTX);
const fails = (xml: string, re: RegExp) =>
  assert.throws(() => argv(xml), (e) => isTsvirtError(e) && e.code === 'config-unsupported' && re.test(e.message), String(re));

test('cputune, numatune, memtune and blkiotune are accepted by define but refused at start', () => {
  for (const el of ["<cputune><shares>10</shares></cputune>", "<numatune><memory nodeset='0'/></numatune>", "<memtune><hard_limit>1048576</hard_limit></memtune>", '<blkiotune><weight>100</weight></blkiotune>']) {
    const xml = dom(el);
    const name = el.match(/^<(\w+)>/)![1];
    assert.throws(() => argv(xml), (e) => isTsvirtError(e) && e.code === 'config-unsupported' && e.message.includes(`<${name}>`), name);
  }
});

test('NUMA cells without <memory>: the sizes come from the cells and -numa carries them', () => {
  const a = argv(dom("<cpu><numa><cell cpus='0' memory='128' unit='MiB'/><cell cpus='1' memory='128' unit='MiB' memAccess='shared'/></numa></cpu>").replace("<memory unit='MiB'>256</memory>", ''));
  assert.ok(a.includes('size=262144k'));
  assert.ok(a.includes('node,nodeid=1,cpus=1,memdev=ram-node1'));
  assert.ok(a.includes(`{"qom-type":"memory-backend-file","id":"ram-node1","mem-path":"${BASE_CTX.channelDir}","share":true,"size":134217728}`), 'a shared cell is a shared file');
  assert.ok(a.includes('{"qom-type":"memory-backend-ram","id":"ram-node0","size":134217728}'));
  assert.ok(!a.some((x) => x.includes('memory-backend=pc.ram')), 'no pc.ram with NUMA');
});

test('DIMMs need ACPI; HMAT caches, fw_cfg and SMBIOS are passed on', () => {
  const numa = "<features><acpi/></features><cpu><numa><cell id='0' cpus='0-1' memory='256' unit='MiB'/></numa></cpu>";
  const dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>";
  fails(dom(numa.replace('<features><acpi/></features>', ''), dimm, "<maxMemory slots='2' unit='GiB'>1</maxMemory>"), /need <features><acpi\/><\/features>/);
  assert.ok(argv(dom(numa, dimm, "<maxMemory slots='2' unit='GiB'>1</maxMemory>")).includes('{"driver":"pc-dimm","node":0,"memdev":"memdimm0","id":"dimm0","slot":0}'));
  const h = argv(dom("<cpu><numa><cell id='0' cpus='0-1' memory='256' unit='MiB'><cache level='1' associativity='full' policy='writethrough'><size value='10' unit='KiB'/><line value='8' unit='B'/></cache></cell></numa></cpu>"));
  assert.ok(h.some((x) => x.includes(',hmat=on')), 'HMAT switched on in -machine');
  assert.ok(h.includes('hmat-cache,node-id=0,size=10K,level=1,associativity=complex,policy=write-through,line=8'));
  const a = argv(dom("<sysinfo type='fwcfg'><entry name='opt/com.example/a'>x,y</entry></sysinfo>"));
  assert.ok(a.includes('name=opt/com.example/a,string=x,,y'));
  const b = argv(dom("<sysinfo type='smbios'><bios><entry name='vendor'>V</entry></bios></sysinfo>").replace("hvm</type>", "hvm</type><smbios mode='sysinfo'/>"));
  assert.ok(b.includes('type=0,vendor=V'));
  fails(dom('').replace("hvm</type>", "hvm</type><smbios mode='host'/>"), /Host SMBIOS information is not available/);
});

test('host NUMA nodes named by numatune must exist (libvirt: NUMA node N is unavailable)', async () => {
  const { checkHostNumaNodes } = await import('./host-numa.js');
  const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const root = await mkdtemp(join(tmpdir(), 'tsvirt-numa-'));
  try {
    await mkdir(join(root, 'sys/devices/system/node'), { recursive: true });
    await writeFile(join(root, 'sys/devices/system/node/online'), '0-1\n');
    const d = (ns: string) => parseAndPrepareDomain(dom(`<numatune><memory mode='strict' nodeset='${ns}'/></numatune>`), caps);
    await checkHostNumaNodes(d('0-1'), root);
    await assert.rejects(checkHostNumaNodes(d('0,3'), root), (e) => isTsvirtError(e) && e.code === 'config-unsupported' && e.message === 'NUMA node 3 is unavailable');
    await assert.rejects(checkHostNumaNodes(d('1'), join(root, 'nowhere')), /NUMA node 1 is unavailable/, 'no NUMA info: node 0 only');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
