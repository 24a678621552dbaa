import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCapabilitiesXml, formatDomainCapabilitiesXml } from './capabilities-xml.js';
import { SAMPLE_DOMAIN_CAPS, SAMPLE_GUESTS, SAMPLE_HOST } from './capabilities-sample.js';
import { parseXmlDocument } from '../util/xml-reader.js';

test('capabilities: host cpu, topology and guests in libvirt layout', () => {
  const xml = formatCapabilitiesXml(SAMPLE_HOST, SAMPLE_GUESTS);
  assert.match(xml, /^<capabilities>\n  <host>\n    <uuid>8a38fad1-b507-49b4-985e-7ab84f0357fa<\/uuid>\n    <cpu>\n      <arch>x86_64<\/arch>\n      <model>kvm64<\/model>/);
  assert.match(xml, /<topology sockets='1' dies='1' cores='2' threads='1'\/>/);
  assert.match(xml, /<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc<\/machine>/);
  assert.match(xml, /<machine maxCpus='255' deprecated='yes'>pc-i440fx-1.4<\/machine>/);
  assert.match(xml, /<cpus num='2'>\n\s+<cpu id='0'\/>\n\s+<cpu id='1'\/>/);
  assert.equal((xml.match(/<guest>/g) ?? []).length, 2);
  parseXmlDocument(xml, 'capabilities');
});

test('domcapabilities: cpu modes and device enums', () => {
  const xml = formatDomainCapabilitiesXml(SAMPLE_DOMAIN_CAPS);
  assert.match(xml, /<mode name='host-passthrough' supported='no'\/>/);
  assert.match(xml, /<model usable='no' vendor='Intel'>Skylake-Client<\/model>/);
  assert.match(xml, /<enum name='bus'>\n\s+<value>ide<\/value>/);
  assert.match(xml, /<loader supported='yes'>\n\s+<value>\/usr\/share\/OVMF\/OVMF_CODE_4M.fd<\/value>/);
  parseXmlDocument(xml, 'domainCapabilities');
});
