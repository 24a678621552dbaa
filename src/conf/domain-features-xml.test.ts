// <features>, <os>, <clock>, the qemu: namespace and the small top-level elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDomainXml, parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';

const dom = (body: string, os = '', root = "type='qemu'") => `<domain ${root}><name>t</name><uuid>c0ffee00-0000-4000-8000-000000000698</uuid>
<memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type>${os}</os>${body}<devices/></domain>`;
const prepare = (body: string, os = '', root?: string) => parseAndPrepareDomain(dom(body, os, root), { defaultMachine: 'pc-i440fx-7.2' });
const fails = (body: string, msg: RegExp, os = '', root?: string) =>
  assert.throws(() => prepare(body, os, root), (e: unknown) => isTsvirtError(e) && msg.test(e.message), String(msg));

test('features come back in libvirt\'s order with their details', () => {
  const out = formatDomainXml(parseDomainXml(dom(`<features><pmu state='off'/><kvm><dirty-ring state='on' size='4096'/><hidden state='on'/></kvm>
    <hyperv><vendor_id state='on' value='abc'/><relaxed state='on'/></hyperv><acpi/><smm><tseg unit='KiB'>49152</tseg></smm></features>`)));
  assert.match(out, /<features>\n\s+<acpi\/>\n\s+<hyperv mode='custom'>\n\s+<relaxed state='on'\/>\n\s+<vendor_id state='on' value='abc'\/>\n\s+<\/hyperv>\n\s+<kvm>\n\s+<hidden state='on'\/>\n\s+<dirty-ring state='on' size='4096'\/>\n\s+<\/kvm>\n\s+<pmu state='off'\/>\n\s+<smm state='on'>\n\s+<tseg unit='MiB'>48<\/tseg>/);
});

test('an empty <hyperv mode=passthrough> keeps its end tag, as libvirt writes it', () => {
  assert.match(formatDomainXml(parseDomainXml(dom("<features><hyperv mode='passthrough'/></features>"))), /<hyperv mode='passthrough'>\n\s+<\/hyperv>/);
});

test('feature errors: libvirt\'s messages', () => {
  fails('<features><bogus/></features>', /unexpected feature 'bogus'/);
  fails("<features><hyperv><spinlocks state='on' retries='10'/></hyperv></features>", /at least 4095/);
  fails("<features><hyperv><nope state='on'/></hyperv></features>", /unsupported HyperV Enlightenment feature: nope/);
  fails("<features><kvm><dirty-ring state='on' size='1000'/></kvm></features>", /power of 2/);
  fails("<features><gic version='3'/></features>", /The 'gic' feature is not supported for architecture 'x86_64'/);
  fails("<features><htm state='on'/></features>", /The 'htm' feature is not supported/);
  fails("<features><tcg><tb-cache unit='KiB'>1000</tb-cache></tcg></features>", /multiple of MiB/);
});

test('os: firmware features, stateless loader, bios, smbios, acpi table', () => {
  const d = prepare('', "<loader stateless='yes'>/usr/share/seabios/bios.bin</loader><bios useserial='yes' rebootTimeout='-1'/><smbios mode='host'/><acpi><table type='slic'>/x/slic.dat</table></acpi>");
  const out = formatDomainXml(d, { inactive: true });
  assert.match(out, /<loader type='rom' stateless='yes'>\/usr\/share\/seabios\/bios.bin<\/loader>/);
  assert.match(out, /<acpi>\n\s+<table type='slic'>\/x\/slic.dat<\/table>\n\s+<\/acpi>\n\s+<boot dev='hd'\/>\n\s+<bios useserial='yes' rebootTimeout='-1'\/>\n\s+<smbios mode='host'\/>/);
  const efi = formatDomainXml(parseAndPrepareDomain(dom('<features><acpi/></features>', "<firmware><feature enabled='yes' name='enrolled-keys'/></firmware>").replace('<os>', "<os firmware='efi'>")));
  assert.match(efi, /<feature enabled='yes' name='enrolled-keys'\/>\n\s+<feature enabled='yes' name='secure-boot'\/>/);
  // a read-only pflash loader gets its own variable store
  fails('', /UEFI requires ACPI on this architecture/, "<loader readonly='yes' type='pflash'>/x.fd</loader>");
  const pf = prepare('<features><acpi/></features>', "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>");
  assert.equal(pf.os.nvram?.path, '/var/lib/tsvirt/qemu/nvram/t_VARS.fd');
  fails('', /no loader path specified and firmware auto selection disabled/, "<loader secure='yes'/>");
  fails('<features><acpi/></features>', /NVRAM is not permitted when loader is stateless/, "<loader stateless='yes' type='pflash'>/x</loader><nvram>/y</nvram>");
  fails('', /container init/, '<init>/sbin/init</init>');
});

test('clock: offsets and timers as libvirt keeps them', () => {
  const v = formatDomainXml(prepare("<clock offset='localtime' adjustment='3600'><timer name='tsc' frequency='1000' mode='paravirt'/></clock>"));
  assert.match(v, /<clock offset='variable' adjustment='3600' basis='localtime'>\n\s+<timer name='tsc' frequency='1000' mode='paravirt'\/>/);
  assert.match(formatDomainXml(prepare("<clock offset='absolute' start='1234'/>")), /<clock offset='absolute' start='1234'\/>/);
  fails("<clock offset='timezone'/>", /missing 'timezone' attribute/);
  fails("<clock><timer name='platform'/></clock>", /unsupported timer type \(name\) 'platform'/);
  fails("<clock><timer name='rtc' track='boot'/></clock>", /unsupported rtc timer track 'boot'/);
});

test('qemu namespace: any prefix bound to the URI, written back as qemu:', () => {
  const ns = "xmlns:ns0='http://libvirt.org/schemas/domain/qemu/1.0'";
  const d = prepare("<ns0:commandline><ns0:arg value='-S'/><ns0:env name='A_1' value='x'/></ns0:commandline><ns0:deprecation behavior='crash'/>", '', `type='qemu' ${ns}`);
  assert.deepEqual(d.qemuNs?.args, ['-S']);
  const out = formatDomainXml(d);
  assert.match(out, /^<domain type='qemu' id='\d+'|^<domain type='qemu' xmlns:qemu='http:\/\/libvirt.org\/schemas\/domain\/qemu\/1.0'>/);
  assert.match(out, /<qemu:commandline>\n\s+<qemu:arg value='-S'\/>\n\s+<qemu:env name='A_1' value='x'\/>\n\s+<\/qemu:commandline>\n\s+<qemu:deprecation behavior='crash'\/>\n<\/domain>/);
  // a namespace declared on the element itself, or as its default namespace
  assert.deepEqual(prepare("<commandline xmlns='http://libvirt.org/schemas/domain/qemu/1.0'><arg value='a'/></commandline>").qemuNs?.args, ['a']);
  fails("<x:foo xmlns:x='urn:other'/>", /namespace 'urn:other' is not supported/);
  fails("<qemu:commandline><qemu:env name='1A'/></qemu:commandline>", /must begin with a letter/, '', `type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'`);
});

test('genid, dumpCore, perf, keywrap, launchSecurity, on_lockfailure', () => {
  const d = prepare("<genid/><perf><event name='instructions' enabled='no'/><event name='cmt' enabled='yes'/></perf><on_lockfailure>pause</on_lockfailure><keywrap><cipher name='aes' state='off'/></keywrap>");
  assert.match(d.genid ?? '', /^[0-9a-f-]{36}$/);
  const out = formatDomainXml(d, { inactive: true });
  assert.match(out, /<uuid>[^<]+<\/uuid>\n\s+<genid>/);
  assert.match(out, /<on_lockfailure>pause<\/on_lockfailure>/);
  assert.match(out, /<perf>\n\s+<event name='cmt' enabled='yes'\/>\n\s+<event name='instructions' enabled='no'\/>\n\s+<\/perf>\n\s+<devices>/);
  assert.match(out, /<\/devices>\n\s+<keywrap>\n\s+<cipher name='aes' state='off'\/>/);
  assert.match(formatDomainXml(parseDomainXml(dom('').replace("<memory>", "<memory dumpCore='off'>"))), /<memory dumpCore='off' unit='KiB'>/);
  fails("<launchSecurity type='sev'><policy>0x0003</policy></launchSecurity>", /SEV launch security is not supported with this QEMU binary/);
  fails("<perf><event name='cmt' enabled='yes'/><event name='cmt' enabled='no'/></perf>", /perf event 'cmt' was already specified/);
});
