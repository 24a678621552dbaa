// Checks libvirt 9.0 makes at define that tsvirt once let through (found by running libvirt's
// own test inputs through both): each input is refused with libvirt's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAndPrepareDomain } from './domain-xml.js';

const CAPS = { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', canonicalMachines: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' } };
const dom = (body: string, machine = 'pc') =>
  `<domain type='qemu'><name>c</name><memory>65536</memory><os><type arch='x86_64' machine='${machine}'>hvm</type></os>${body}</domain>`;
const refused = (xml: string, re: RegExp) => assert.throws(() => parseAndPrepareDomain(xml, CAPS), re);

test("libvirt's define-time checks: USB none, masters, root addresses, video none, TSEG", () => {
  refused(dom("<devices><controller type='usb' index='0' model='none'/><controller type='usb' index='0'/></devices>"), /Can't add another USB controller: USB is disabled for this domain/);
  refused(dom("<devices><controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller></devices>", 'q35'), /No master USB controller specified/);
  refused(dom("<devices><controller type='pci' index='0' model='pci-root'><address type='pci' domain='0' bus='0' slot='5' function='0'/></controller></devices>"), /pci-root and pcie-root controllers should not have an address/);
  refused(dom("<devices><video><model type='qxl'/></video><video><model type='none'/></video></devices>"), /a 'none' video type must be the only video device/);
  refused(dom("<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>"), /SMM TSEG is only supported with q35 machine type/);
  refused(dom("<features><smm state='on'><tseg unit='KiB'>1536</tseg></smm></features>", 'q35'), /SMM TSEG size must be divisible by 1 MiB/);
  // and what is right still passes
  parseAndPrepareDomain(dom("<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>", 'q35'), CAPS);
  parseAndPrepareDomain(dom("<devices><controller type='usb' index='0' model='none'/><video><model type='none'/></video></devices>"), CAPS);
});
