// <graphics>, <audio>, <sound> against libvirt 9.0 for inputs that cannot be golden argv cases
// (QEMU cannot run them here, or libvirt refuses them): test/golden/define-only/<case>.xml and what
// libvirt 9.0 wrote for it (<case>.libvirt.xml) or said (<case>.libvirt-error.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDomainXml, parseAndPrepareDomain } from './domain-xml.js';
import { isTsvirtError } from '../util/errors.js';
import { goldenCaps } from '../../test/golden/golden.js';

const DIR = fileURLToPath(new URL('../../test/golden/define-only', import.meta.url));
const def = goldenCaps.machines.find((m) => m.isDefault);
const canonicalMachines = Object.fromEntries(goldenCaps.machines.filter((m) => m.alias).map((m) => [m.alias!, m.name]));
const prepare = (xml: string) => parseAndPrepareDomain(xml, { arch: 'x86_64', defaultMachine: def?.name, emulator: goldenCaps.binary, canonicalMachines });

/** where tsvirt's message differs from libvirt's on purpose */
const OWN_MESSAGE: Record<string, RegExp> = {
  // libvirt fails later, in PCI address assignment, with a message naming no device
  'sound-ich7': /sound card model 'ich7' is not supported by qemu/,
};

const cases = readdirSync(DIR).filter((f) => f.endsWith('.xml') && !f.endsWith('.libvirt.xml')).map((f) => f.slice(0, -4));

test('there are define-only cases', () => assert.ok(cases.length >= 15));

for (const name of cases) {
  test(`define-only: ${name} as libvirt 9.0`, () => {
    const input = readFileSync(join(DIR, `${name}.xml`), 'utf8');
    const errFile = join(DIR, `${name}.libvirt-error.txt`);
    if (existsSync(errFile)) {
      const want = readFileSync(errFile, 'utf8').trim();
      assert.throws(() => prepare(input), (e: unknown) => {
        assert.ok(isTsvirtError(e), `not a TsvirtError: ${String(e)}`);
        const msg = e.message.replace(/ \(line \d+\)$/, '');
        if (OWN_MESSAGE[name]) assert.match(msg, OWN_MESSAGE[name]);
        else assert.ok(want.endsWith(msg), `libvirt says "${want}", tsvirt "${msg}"`);
        return true;
      });
      return;
    }
    const out = formatDomainXml(prepare(input), { inactive: true });
    assert.equal(out, readFileSync(join(DIR, `${name}.libvirt.xml`), 'utf8'));
    assert.equal(formatDomainXml(prepare(out), { inactive: true }), out, 'a second parse + format changes the XML');
  });
}

const wrap = (devices: string) => `<domain type='qemu'><name>t</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>${devices}</devices></domain>`;
const graphicsXml = (devices: string) => {
  const out = formatDomainXml(prepare(wrap(devices)), { inactive: true });
  return out.slice(out.indexOf('<graphics'), out.lastIndexOf('</graphics>') + 11);
};

test('passwdValidTo is written back normalised, as libvirt does through a timestamp', () => {
  assert.match(graphicsXml("<graphics type='spice' port='5901' passwd='x' passwdValidTo='2030-1-2T3:4:5'/>"), /passwdValidTo='2030-01-02T03:04:05'/);
  assert.throws(() => prepare(wrap("<graphics type='vnc' passwd='x' passwdValidTo='tomorrow'/>")), /cannot parse password validity time 'tomorrow'/);
});

test("VNC takes connected='keep' only; SPICE takes fail, disconnect and keep", () => {
  assert.throws(() => prepare(wrap("<graphics type='vnc' passwd='x' connected='fail'/>")), /VNC supports connected='keep' only/);
  assert.throws(() => prepare(wrap("<graphics type='spice' passwd='x' connected='default'/>")), /unknown connected value default/);
  assert.match(graphicsXml("<graphics type='spice' autoport='yes' passwd='x' connected='fail'/>"), /passwd='x' connected='fail'/);
});

test('the legacy listen= attribute must agree with the first <listen>', () => {
  assert.throws(() => prepare(wrap("<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='5.6.7.8'/></graphics>")),
    /graphics 'listen' attribute '1.2.3.4' must match 'address' attribute of first listen element \(found '5.6.7.8'\)/);
  assert.match(graphicsXml("<graphics type='vnc' listen='1.2.3.4'><listen type='address'/></graphics>"), /listen='1.2.3.4'>\n\s*<listen type='address' address='1.2.3.4'\/>/);
});

test('a socket listen is only for VNC and SPICE; network= only on listen type network', () => {
  assert.throws(() => prepare(wrap("<graphics type='rdp'><listen type='socket'/></graphics>")), /listen type 'socket' is not available for graphics type 'rdp'/);
  assert.throws(() => prepare(wrap("<graphics type='vnc'><listen type='address' network='default'/></graphics>")), /'network' attribute is valid only for listen type 'network'/);
  assert.throws(() => prepare(wrap("<graphics type='spice'><listen type='network'/></graphics>")), /'network' attribute is required for listen type 'network'/);
});

test('SPICE without ports and without autoport listens nowhere', () => {
  assert.equal(graphicsXml("<graphics type='spice'/>"), "<graphics type='spice'>\n      <listen type='none'/>\n    </graphics>");
});

test('audio settings need fixedSettings, which needs the mixing engine', () => {
  assert.throws(() => prepare(wrap("<audio id='1' type='none'><input fixedSettings='yes'/></audio>")), /fixed audio settings requires mixing engine/);
  assert.throws(() => prepare(wrap("<audio id='1' type='none'><input><settings frequency='8000'/></input></audio>")), /audio settings specified without fixed settings flag/);
});

test('attributes of another backend type are rejected, not dropped', () => {
  assert.throws(() => prepare(wrap("<audio id='1' type='none'><input dev='hw:0'/></audio>")), /unsupported attribute 'dev' on <input>/);
  assert.throws(() => prepare(wrap("<sound model='ac97'><codec type='duplex'/></sound>")), /unsupported element <codec> in <sound>/);
  assert.throws(() => prepare(wrap("<sound model='ich6'><codec type='speaker'/></sound>")), /unknown codec type 'speaker'/);
});
