// Domain XML golden cases against libvirt 9.0: every test/golden/<case>.xml, prepared as
// `define` prepares it, is formatted as `dumpxml --inactive` and must
//  - format the same again after a second parse (round trip),
//  - keep every element and attribute path of the input (nothing dropped),
//  - validate against libvirt's domain.rng (xmllint, in one process),
//  - equal <case>.libvirt.xml byte for byte (what libvirt 9.0 wrote for the same input,
//    by make-libvirt-expected.ts), unless libvirt-differences.json names the case and why.
// libvirt-side-by-side.test.ts checks the stored libvirt files against a live libvirt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatDomainXml, parseAndPrepareDomain } from '../../src/conf/domain-xml.js';
import { GOLDEN_DIR, goldenCaps, goldenCases, goldenDomain, libvirtErrorFile, libvirtXmlFile } from './golden.js';
import { xmlPaths } from './xml-paths.js';

const cases = goldenCases();
const differences: Record<string, string> = JSON.parse(readFileSync(join(GOLDEN_DIR, 'libvirt-differences.json'), 'utf8'));
const def = goldenCaps.machines.find((m) => m.isDefault);
const canonicalMachines = Object.fromEntries(goldenCaps.machines.filter((m) => m.alias).map((m) => [m.alias!, m.name]));
const prepare = (xml: string) => parseAndPrepareDomain(xml, { arch: 'x86_64', defaultMachine: def?.name, emulator: goldenCaps.binary, canonicalMachines });

/** Input paths that libvirt itself does not write back (so neither does tsvirt). */
const NOT_KEPT_BY_LIBVIRT = new Set(['domain/devices/console@tty']);

const outputs = new Map<string, string>();
const inactive = (name: string) => {
  let x = outputs.get(name);
  if (x === undefined) outputs.set(name, (x = formatDomainXml(goldenDomain(name), { inactive: true })));
  return x;
};

for (const name of cases) {
  test(`dumpxml round trip: ${name}`, () => {
    const first = inactive(name);
    assert.equal(formatDomainXml(prepare(first), { inactive: true }), first, 'a second parse + format changes the XML');
    const out = xmlPaths(first);
    const lost = [...xmlPaths(readFileSync(join(GOLDEN_DIR, `${name}.xml`), 'utf8'))].filter((p) => !out.has(p) && !NOT_KEPT_BY_LIBVIRT.has(p));
    assert.deepEqual(lost, [], `input paths missing from dumpxml: ${lost.join(', ')}`);
  });
}

let matching = 0;
for (const name of cases) {
  test(`dumpxml equals libvirt 9.0's: ${name}`, () => {
    if (existsSync(libvirtErrorFile(name))) {
      assert.ok(differences[name], `libvirt refuses ${name} (${readFileSync(libvirtErrorFile(name), 'utf8').trim()}): say why tsvirt accepts it in libvirt-differences.json`);
      return;
    }
    assert.ok(existsSync(libvirtXmlFile(name)), `${name}.libvirt.xml is missing: run npx tsx test/golden/make-libvirt-expected.ts ${name}`);
    const same = inactive(name) === readFileSync(libvirtXmlFile(name), 'utf8');
    if (differences[name] !== undefined) {
      // a listed case that now matches must leave the list, so the list stays true
      assert.ok(!same, `${name} now matches libvirt: remove it from libvirt-differences.json`);
      return;
    }
    if (same) matching++;
    assert.equal(inactive(name), readFileSync(libvirtXmlFile(name), 'utf8'));
  });
}

test('count of golden cases matching libvirt byte for byte', () => {
  console.log(`# ${matching} of ${cases.length} golden cases: dumpxml --inactive equals libvirt 9.0's byte for byte`);
  for (const k of Object.keys(differences)) assert.ok(cases.includes(k), `libvirt-differences.json names an unknown case '${k}'`);
});

const hasXmllint = spawnSync('xmllint', ['--version']).error === undefined;
test("every golden dumpxml validates against libvirt's domain.rng", { skip: hasXmllint ? false : 'xmllint missing (apt-get install libxml2-utils)' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-golden-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // a case libvirt itself refuses may use what its schema lacks (libvirt-differences.json says why)
  const files = cases.filter((c) => !existsSync(libvirtErrorFile(c))).map((c) => {
    const f = join(dir, `${c}.xml`);
    writeFileSync(f, inactive(c));
    return f;
  });
  const r = spawnSync('xmllint', ['--noout', '--relaxng', '/usr/share/libvirt/schemas/domain.rng', ...files], { encoding: 'utf8' });
  const failed = r.stderr.split('\n').filter((l) => l.includes('fails to validate') || / error : /.test(l));
  assert.deepEqual(failed, [], r.stderr);
  assert.equal(r.status, 0, r.stderr);
});
