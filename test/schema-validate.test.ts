// Checks the XML tsvirt writes against libvirt's own RelaxNG schemas with
// virt-xml-validate (Debian package libvirt-clients): every domain fixture with
// defaults applied (live and inactive), and the capabilities documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parseAndPrepareDomain, formatDomainXml } from '../src/conf/domain-xml.js';
import { formatCapabilitiesXml, formatDomainCapabilitiesXml } from '../src/conf/capabilities-xml.js';
import { SAMPLE_DOMAIN_CAPS, SAMPLE_GUESTS, SAMPLE_HOST } from '../src/conf/capabilities-sample.js';

const FIXTURES = new URL('./fixtures/domain/', import.meta.url).pathname;
const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;
const skip = hasValidator ? false : 'virt-xml-validate not installed (apt-get install libvirt-clients)';

function validate(dir: string, name: string, xml: string, schema: string): void {
  const file = join(dir, name);
  writeFileSync(file, xml);
  const r = spawnSync('virt-xml-validate', [file, schema], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${name} fails the ${schema} schema:\n${r.stderr}${r.stdout}\n${xml}`);
}

test('every fixture, with defaults, validates against libvirt domain.rng (live and inactive)', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));
  assert.ok(files.length >= 25, `expected at least 25 fixtures, found ${files.length}`);
  for (const f of files) {
    let dom;
    try {
      dom = parseAndPrepareDomain(readFileSync(join(FIXTURES, f), 'utf8'), { defaultMachine: 'pc-i440fx-7.2' });
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`);
    }
    validate(dir, `inactive-${f}`, formatDomainXml(dom, { inactive: true }), 'domain');
    const live = structuredClone(dom);
    live.id = 7;
    live.devices.serials.forEach((s, i) => {
      s.alias = `serial${i}`;
      if (s.type === 'pty') s.source = { path: `/dev/pts/${i + 3}` };
    });
    live.devices.disks.forEach((d, i) => (d.alias = `disk${i}`));
    for (const g of live.devices.graphics) if (g.autoport) g.port = 5900;
    validate(dir, `live-${f}`, formatDomainXml(live, { live: true }), 'domain');
  }
});

test('capabilities and domcapabilities validate against libvirt schemas', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  validate(dir, 'caps.xml', formatCapabilitiesXml(SAMPLE_HOST, SAMPLE_GUESTS), 'capability');
  validate(dir, 'domcaps.xml', formatDomainCapabilitiesXml(SAMPLE_DOMAIN_CAPS), 'domaincaps');
});

test('a broken document is rejected by the validator (the check can fail)', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.xml');
  writeFileSync(file, "<domain type='qemu'><name>x</name><bogus/></domain>\n");
  assert.throws(() => execFileSync('virt-xml-validate', [file, 'domain'], { stdio: 'pipe' }));
});
