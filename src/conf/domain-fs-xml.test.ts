import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDomainXml, parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';

const dom = (devs: string, top = '') =>
  `<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>${top}<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devs}</devices></domain>`;
const shared = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>";
const rejects = (xml: string, code: string, re: RegExp) =>
  assert.throws(() => parseAndPrepareDomain(xml), (e) => isTsvirtError(e) && e.code === code && re.test(e.message), String(re));
const fsXml = (xml: string) => /<filesystem[\s\S]*<\/filesystem>/.exec(formatDomainXml(parseAndPrepareDomain(xml), { inactive: true }))![0];

test('9p defaults: type mount, accessmode passthrough, a PCI address', () => {
  const out = fsXml(dom("<filesystem><source dir='/srv/a'/><target dir='a'/></filesystem>"));
  assert.equal(out, `<filesystem type='mount' accessmode='passthrough'>
      <source dir='/srv/a'/>
      <target dir='a'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </filesystem>`);
});

test('every filesystem attribute and child is kept in libvirt order', () => {
  const out = fsXml(dom(`<filesystem type='mount' accessmode='mapped' model='virtio' multidevs='warn' fmode='600' dmode='700'>
    <space_soft_limit unit='KiB'>1</space_soft_limit><space_hard_limit>2048</space_hard_limit>
    <readonly/><target dir='t'/><source dir='/s'/><driver type='path' format='raw' wrpolicy='immediate' ats='on' packed='off'/>
  </filesystem>`));
  assert.match(out, /^<filesystem type='mount' accessmode='mapped' model='virtio' multidevs='warn' fmode='0600' dmode='0700'>\n\s*<driver type='path' format='raw' wrpolicy='immediate' ats='on' packed='off'\/>\n\s*<source dir='\/s'\/>\n\s*<target dir='t'\/>\n\s*<readonly\/>\n\s*<address [^>]*\/>\n\s*<space_hard_limit unit='bytes'>2048<\/space_hard_limit>\n\s*<space_soft_limit unit='bytes'>1024<\/space_soft_limit>/);
});

test('virtiofs <binary> options round trip; a socket share gets no accessmode', () => {
  const out = formatDomainXml(parseAndPrepareDomain(dom(`<filesystem><driver type='virtiofs' queue='512'/>
    <binary path='/opt//virtiofsd/' xattr='off'><cache mode='none'/><sandbox mode='namespace'/><lock posix='off' flock='on'/><thread_pool size='0'/></binary>
    <source dir='/s'/><target dir='t'/><boot order='2'/></filesystem>
    <filesystem><driver type='virtiofs'/><source socket='/run/x.sock'/><target dir='u'/></filesystem>`, shared)), { inactive: true });
  assert.match(out, /<binary path='\/opt\/virtiofsd' xattr='off'>\n\s*<cache mode='none'\/>\n\s*<sandbox mode='namespace'\/>\n\s*<lock posix='off' flock='on'\/>\n\s*<thread_pool size='0'\/>\n\s*<\/binary>/);
  assert.match(out, /<driver type='virtiofs' queue='512'\/>/);
  assert.match(out, /<boot order='2'\/>/);
  assert.match(out, /<filesystem type='mount'>\n\s*<driver type='virtiofs'\/>\n\s*<source socket='\/run\/x.sock'\/>/);
  assert.doesNotMatch(out, /<boot dev=/, 'a device boot order replaces <os><boot dev>');
});

test('libvirt error texts for filesystems', () => {
  const vfs = "<driver type='virtiofs'/><source dir='/s'/><target dir='t'/>";
  rejects(dom(`<filesystem>${vfs}</filesystem>`), 'config-unsupported', /^'virtiofs' requires shared memory$/);
  rejects(dom(`<filesystem>${vfs}</filesystem>`, "<memoryBacking><access mode='private'/></memoryBacking>"), 'config-unsupported', /requires shared memory/);
  rejects(dom(`<filesystem>${vfs}<readonly/></filesystem>`, shared), 'config-unsupported', /virtiofs does not yet support read-only mode/);
  rejects(dom(`<filesystem>${vfs}</filesystem><filesystem>${vfs}</filesystem>`, shared), 'config-unsupported', /filesystem target 't' specified twice/);
  rejects(dom(`<filesystem accessmode='mapped'>${vfs}</filesystem>`, shared), 'config-unsupported', /virtiofs only supports passthrough accessmode/);
  rejects(dom(`<filesystem model='virtio'>${vfs}</filesystem>`, shared), 'config-unsupported', /virtiofs does not support model/);
  rejects(dom("<filesystem fmode='644'><source dir='/s'/><target dir='t'/></filesystem>"), 'config-unsupported', /fmode and dmode must be used with accessmode=mapped/);
  rejects(dom("<filesystem fmode='1644'><source dir='/s'/><target dir='t'/></filesystem>"), 'xml-error', /invalid fmode: '01644'/);
  rejects(dom("<filesystem type='block'><source dev='/dev/sda'/><target dir='t'/></filesystem>"), 'config-unsupported', /only supports mount filesystem type/);
  rejects(dom("<filesystem><source dir='/s'/></filesystem>"), 'xml-error', /missing target information for device \/s/);
  rejects(dom("<filesystem><target dir='t'/></filesystem>"), 'xml-error', /missing source information for device t/);
  rejects(dom("<filesystem><source dir='/s'/><target dir='t'/><boot order='1'/></filesystem>"), 'config-unsupported', /boot order is only supported for virtiofs/);
  rejects(dom("<filesystem><driver type='nbd'/><source dir='/s'/><target dir='t'/></filesystem>"), 'config-unsupported', /Filesystem driver type not supported/);
  rejects(dom("<filesystem type='ram'><target dir='t'/></filesystem>"), 'xml-error', /missing 'usage' attribute for RAM filesystem/);
});

test('what tsvirt cannot model is refused with its name and line', () => {
  assert.throws(() => parseDomainXml(dom("<filesystem><source dir='/s'/><target dir='t'/><idmap/></filesystem>")), /unsupported element <idmap> in <filesystem>/);
  assert.throws(() => parseDomainXml(dom("<filesystem><source dir='/s' bogus='1'/><target dir='t'/></filesystem>")), /unsupported attribute 'bogus' on <source>/);
});
