// Side by side with libvirt 9.0 itself (skipped where it is not installed): each golden input is
// defined in libvirt's embedded QEMU driver (no daemon) and what libvirt writes must be what
// <case>.libvirt.xml / .libvirt-error.txt say, the files dumpxml.test.ts compares tsvirt with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, goldenCases, libvirtDumpxml, libvirtErrorFile, libvirtPeerMissing, libvirtXmlFile } from './golden.js';

const skip = libvirtPeerMissing();
test('libvirt 9.0 writes for every golden input what the stored .libvirt files say', { skip }, () => {
  const cases = goldenCases();
  const results = libvirtDumpxml(cases.map((c) => join(GOLDEN_DIR, `${c}.xml`)));
  const stale: string[] = [];
  for (const c of cases) {
    const r = results[c];
    const stored = existsSync(libvirtXmlFile(c)) ? { xml: readFileSync(libvirtXmlFile(c), 'utf8') }
      : existsSync(libvirtErrorFile(c)) ? { error: readFileSync(libvirtErrorFile(c), 'utf8').trim() } : undefined;
    if (JSON.stringify(stored) !== JSON.stringify(r)) stale.push(`${c}: libvirt says ${JSON.stringify(r).slice(0, 300)}`);
  }
  assert.deepEqual(stale, [], 'run npx tsx test/golden/make-libvirt-expected.ts');
});
