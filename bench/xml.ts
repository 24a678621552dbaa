// Domain XML benchmark (issue 13): parse + libvirt's defaults + validation + dumpxml format of a
// large definition (50 devices of many kinds) stays under 1 ms. In-process, no daemon: the
// figure is the XML work a define or dumpxml does. Hooked into `npm run bench` as an extra
// module; also runs alone: node --import tsx bench/xml.ts
import { performance } from 'node:perf_hooks';
import { formatDomainXml, parseAndPrepareDomain } from '../src/conf/domain-xml.js';
import { makeRow } from './report.js';
import type { BenchContext, BenchRow } from './types.js';

const CAPS = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines: { q35: 'pc-q35-7.2', pc: 'pc-i440fx-7.2' } };

/** A q35 guest with 50 devices: disks of several buses, NICs, char devices, inputs, graphics, video, rng... */
export function largeDomainXml(): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const devices: string[] = [];
  for (let i = 0; i < 12; i++) {
    devices.push(`<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap'/>` +
      `<source file='/var/lib/tsvirt/images/big-${i}.qcow2'/><target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/><serial>S${i}</serial></disk>`);
  }
  for (let i = 0; i < 4; i++) devices.push(`<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/iso/${i}.iso'/><target dev='sd${String.fromCharCode(97 + i)}' bus='sata'/><readonly/></disk>`);
  devices.push(`<controller type='scsi' model='virtio-scsi'/>`, `<controller type='virtio-serial'/>`);
  for (let i = 0; i < 10; i++) {
    devices.push(`<interface type='network'><mac address='52:54:00:00:10:${hex(i)}'/><source network='default'/><model type='virtio'/><mtu size='1500'/></interface>`);
  }
  for (let i = 0; i < 4; i++) devices.push(`<serial type='pty'><target port='${i}'/></serial>`);
  devices.push(`<console type='pty'><target type='serial' port='0'/></console>`);
  for (let i = 0; i < 6; i++) devices.push(`<channel type='unix'><target type='virtio' name='org.example.ch${i}'/></channel>`);
  devices.push(`<input type='tablet' bus='usb'/>`, `<input type='keyboard' bus='virtio'/>`);
  devices.push(`<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>`);
  devices.push(`<video><model type='virtio' heads='1' primary='yes'/></video>`);
  devices.push(`<watchdog model='i6300esb' action='reset'/>`);
  devices.push(`<memballoon model='virtio'><stats period='10'/></memballoon>`);
  devices.push(`<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`);
  devices.push(`<panic model='isa'/>`);
  return `<domain type='kvm'><name>big</name><uuid>c0ffee00-0000-4000-8000-00000000b160</uuid>
<memory unit='GiB'>4</memory><vcpu>4</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
<features><acpi/><apic/></features><cpu mode='host-passthrough'><topology sockets='1' dies='1' cores='2' threads='2'/></cpu>
<clock offset='utc'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>
<devices>${devices.join('\n')}</devices></domain>`;
}

/** ms per parse + defaults + validate + format, as samples of `per` calls each. */
export function measure(xml: string, samples: number, per: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) formatDomainXml(parseAndPrepareDomain(xml, CAPS), { inactive: true });
    out.push((performance.now() - t0) / per);
  }
  return out;
}

export async function run(ctx: Pick<BenchContext, 'quick'>): Promise<BenchRow[]> {
  const xml = largeDomainXml();
  const count = (formatDomainXml(parseAndPrepareDomain(xml, CAPS), { inactive: true }).match(/^ {4}<[a-z]/gm) ?? []).length;
  measure(xml, 3, 200); // warm up the JIT
  const samples = measure(xml, ctx.quick ? 10 : 30, 200);
  return [makeRow({
    section: 'domain XML', op: `parse+defaults+validate+format, 50 devices (${count} after defaults)`, unit: 'ms', tsvirt: samples, targets: [{ maxMs: 1 }],
  })];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run({ quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(`${r.op}: median ${r.tsvirt?.medianMs} ms (min ${r.tsvirt?.minMs}, max ${r.tsvirt?.maxMs}); ${r.targets.map((t) => `${t.text} ${t.pass ? 'PASS' : 'MISS'}`).join(', ')}`);
}
