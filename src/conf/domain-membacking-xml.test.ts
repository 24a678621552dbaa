import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDomainXml, parseAndPrepareDomain } from './domain-xml.js';
import { formatNodeset, parseNodeset } from './domain-membacking-xml.js';
import { isTsvirtError } from '../util/errors.js';

const dom = (mb: string) => `<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>${mb}<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`;
const out = (mb: string) => /<memoryBacking>[\s\S]*<\/memoryBacking>|$/.exec(formatDomainXml(parseAndPrepareDomain(dom(mb)), { inactive: true }))![0];
const rejects = (xml: string, code: string, re: RegExp) =>
  assert.throws(() => parseAndPrepareDomain(xml), (e) => isTsvirtError(e) && e.code === code && re.test(e.message), String(re));

test('every child in libvirt order, page sizes in KiB', () => {
  assert.equal(out(`<memoryBacking><discard/><allocation mode='immediate' threads='4'/><access mode='shared'/><source type='file'/><locked/><nosharepages/>
    <hugepages><page size='1' unit='GiB'/></hugepages></memoryBacking>`), `<memoryBacking>
    <hugepages>
      <page size='1048576' unit='KiB'/>
    </hugepages>
    <nosharepages/>
    <locked/>
    <source type='file'/>
    <access mode='shared'/>
    <allocation mode='immediate' threads='4'/>
    <discard/>
  </memoryBacking>`);
  assert.match(out('<memoryBacking><hugepages/></memoryBacking>'), /<hugepages\/>/);
});

test('an empty <memoryBacking/> is dropped; nodeset 0 without NUMA is dropped', () => {
  assert.equal(out('<memoryBacking/>'), '');
  assert.equal(out("<memoryBacking><allocation threads='0'/></memoryBacking>"), '');
  assert.match(out("<memoryBacking><hugepages><page size='2048' nodeset='0'/></hugepages></memoryBacking>"), /<page size='2048' unit='KiB'\/>/);
});

test('node sets parse and format like virBitmap', () => {
  assert.deepEqual(parseNodeset('0-2,5,^1'), [0, 2, 5]);
  assert.equal(formatNodeset([0, 1, 2, 4, 6, 7]), '0-2,4,6-7');
  assert.equal(parseNodeset('x'), undefined);
});

test('libvirt error texts for memoryBacking', () => {
  rejects(dom("<memoryBacking><source type='none'/></memoryBacking>"), 'config-unsupported', /unknown memoryBacking\/source\/type 'none'/);
  rejects(dom("<memoryBacking><access mode='default'/></memoryBacking>"), 'config-unsupported', /unknown memoryBacking\/access\/mode 'default'/);
  rejects(dom("<memoryBacking><hugepages/><allocation mode='ondemand'/></memoryBacking>"), 'config-unsupported', /hugepages are not allowed with memory allocation ondemand/);
  rejects(dom("<memoryBacking><hugepages/><source type='anonymous'/></memoryBacking>"), 'config-unsupported', /hugepages are not allowed with anonymous memory source/);
  rejects(dom("<memoryBacking><hugepages><page size='0'/></hugepages></memoryBacking>"), 'xml-error', /hugepage size can't be zero/);
  rejects(dom("<memoryBacking><hugepages><page size='2048' nodeset='1'/></hugepages></memoryBacking>"), 'xml-error', /hugepages: node 1 not found/);
  rejects(dom("<memoryBacking><hugepages><page size='2048'/><page size='1048576'/></hugepages></memoryBacking>"), 'xml-error', /two master hugepages detected: 1048576 and 2048/);
});
