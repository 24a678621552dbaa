// <controller>/<video>/<input>/<rng>/<memballoon>/<panic> parse, format and checks, the shared
// virtio <driver> options and user aliases (expected values and messages from libvirt 9.0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDomainXml, parseAndPrepareDomain, parseDomainXml } from './domain-xml.js';
import { parseXmlDocument } from '../util/xml-reader.js';
import { renderXml, el } from '../util/xml-writer.js';
import { parseVirtioDriverOptions, virtioDriverAttrs } from './domain-virtio-driver-xml.js';

const dom = (devices: string, machine = 'pc') => `<domain type='qemu'><name>x</name><memory>65536</memory>
  <os><type arch='x86_64' machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`;
const prep = (devices: string, machine = 'pc') => parseAndPrepareDomain(dom(devices, machine));
const inactive = (devices: string, machine = 'pc') => formatDomainXml(prep(devices, machine), { inactive: true });

test('virtio <driver> options: on/off only, written in libvirt order', () => {
  const x = parseXmlDocument("<driver page_per_vq='on' packed='off' iommu='on' ats='off'/>");
  const o = parseVirtioDriverOptions(x);
  assert.deepEqual(o, { iommu: true, ats: false, packed: false, page_per_vq: true });
  assert.equal(renderXml(el('driver', virtioDriverAttrs(o))), "<driver iommu='on' ats='off' packed='off' page_per_vq='on'/>\n");
  assert.throws(() => parseVirtioDriverOptions(parseXmlDocument("<driver iommu='yes'/>")), /Expected on\/off/);
  assert.equal(parseVirtioDriverOptions(parseXmlDocument('<driver/>')), undefined);
});

test('user aliases stay in the inactive XML, others do not; bad characters are refused', () => {
  const out = inactive("<input type='tablet' bus='usb'><alias name='ua-pointer'/></input><input type='keyboard' bus='usb'><alias name='input9'/></input>");
  assert.match(out, /<alias name='ua-pointer'\/>/);
  assert.doesNotMatch(out, /input9/);
  assert.throws(() => parseDomainXml(dom("<input type='tablet' bus='usb'><alias name='ua-bad id'/></input>")), /Alias 'ua-bad id' has invalid characters/);
});

test('controller: driver, target, pcihole64, model name; unknown models and misplaced elements refused', () => {
  const out = inactive(`<controller type='pci' index='0' model='pci-root'><pcihole64 unit='MiB'>512</pcihole64></controller>
    <controller type='scsi' index='0' model='virtio-scsi'><driver queues='2' ioeventfd='off' packed='on'/></controller>`);
  assert.match(out, /<pcihole64 unit='KiB'>524288<\/pcihole64>/);
  assert.match(out, /<driver queues='2' ioeventfd='off' packed='on'\/>/);
  assert.throws(() => parseDomainXml(dom("<controller type='scsi' model='bogus'/>")), /Unknown model type 'bogus'/);
  assert.throws(() => parseDomainXml(dom("<controller type='usb' index='0'><pcihole64>1</pcihole64></controller>")), /pcihole64/);
  assert.throws(() => prep("<controller type='usb' index='0' model='qemu-xhci' ports='16'/>"), /'qemu-xhci' controller only supports up to '15' ports/);
  assert.throws(() => prep("<controller type='scsi' index='0' model='lsilogic'><driver iothread='1'/></controller>"), /'iothread' attribute only supported for virtio scsi controllers/);
  // a USB controller written without a model is piix3-uhci even on q35 (only the implicit one is qemu-xhci)
  assert.equal(prep("<controller type='usb' index='0'/>", 'q35').devices.controllers.find((c) => c.type === 'usb')!.model, 'piix3-uhci');
});

test('video: the primary moves first, sizes round up to powers of two, libvirt checks', () => {
  const d = prep("<video><model type='virtio'/></video><video><model type='vga' vram='9000' primary='yes'/></video>");
  assert.deepEqual(d.devices.videos.map((v) => [v.model.type, v.model.vram, v.model.primary]), [['vga', 16384, true], ['virtio', undefined, undefined]]);
  assert.throws(() => prep("<video><model type='qxl'/></video><video><model type='cirrus'/></video>"), /video type 'cirrus' is only valid as primary video device/);
  assert.throws(() => prep("<video><model type='qxl' primary='yes'/></video><video><model type='virtio' primary='yes'/></video>"), /Only one primary video device is supported/);
  assert.throws(() => prep("<video><model type='xen'/></video>"), /domain configuration does not support video model 'xen'/);
  assert.throws(() => prep("<video><model type='vga'><acceleration accel2d='yes'/></model></video>"), /qemu does not support the accel2d setting/);
  assert.throws(() => prep("<video><model type='cirrus'><resolution x='800' y='600'/></model></video>"), /model resolution is not supported/);
  assert.equal(prep('<video/>').devices.videos[0].model.type, 'cirrus');
});

test('input: libvirt bus defaults, evdev source, transitional virtio models refused', () => {
  const d = prep("<input type='tablet'/><input type='passthrough'><source evdev='/dev/input/event3'/></input><input type='evdev'><source dev='/dev/input/event4'/></input>");
  assert.deepEqual(d.devices.inputs.slice(0, 3).map((i) => i.bus), ['usb', 'virtio', 'none']);
  assert.match(inactive("<input type='evdev'><source dev='/dev/input/event4' repeat='on'/></input>"), /<input type='evdev'>\n\s*<source dev='\/dev\/input\/event4' repeat='on'\/>/);
  assert.throws(() => parseDomainXml(dom("<input type='evdev'/>")), /Missing evdev path for input device/);
  assert.throws(() => prep("<input type='mouse' bus='virtio' model='virtio-transitional'/>"), /virtio \(non-\)transitional models are not supported for input type=mouse/);
  assert.throws(() => prep("<input type='tablet' bus='ps2'/>"), /ps2 bus does not support tablet input device/);
});

test('rng, memballoon, panic, watchdog: libvirt defaults and refusals', () => {
  assert.match(inactive("<rng model='virtio'><backend model='random'/></rng>"), /<backend model='random'>\/dev\/random<\/backend>/);
  assert.match(inactive("<memballoon model='virtio' freePageReporting='on'><driver ats='on'/></memballoon>"), /<memballoon model='virtio' freePageReporting='on'>\n(.*\n)*\s*<driver ats='on'\/>\n\s*<\/memballoon>/);
  assert.match(inactive('<panic/>'), /<panic model='isa'\/>/);
  assert.throws(() => parseDomainXml(dom("<panic model='pvpanic'/>")), /unknown panic model 'pvpanic'/);
  assert.throws(() => parseDomainXml(dom("<memballoon model='virtio' autodeflate='yes'/>")), /Expected on\/off/);
});
