// Writes what libvirt 9.0 makes of every golden input: <case>.libvirt.xml (its dumpxml --inactive)
// or <case>.libvirt-error.txt (why it refuses the input). Run after adding or changing a case:
//   npx tsx test/golden/make-libvirt-expected.ts [case...]
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, goldenCases, libvirtDumpxml, libvirtErrorFile, libvirtPeerMissing, libvirtXmlFile } from './golden.js';

const missing = libvirtPeerMissing();
if (missing) {
  console.error(missing);
  process.exit(1);
}
const cases = process.argv.length > 2 ? process.argv.slice(2) : goldenCases();
const results = libvirtDumpxml(cases.map((c) => join(GOLDEN_DIR, `${c}.xml`)));
for (const c of cases) {
  const r = results[c];
  for (const f of [libvirtXmlFile(c), libvirtErrorFile(c)]) if (existsSync(f)) rmSync(f);
  if ('xml' in r) writeFileSync(libvirtXmlFile(c), r.xml);
  else writeFileSync(libvirtErrorFile(c), r.error + '\n');
  console.log(`${c}: ${'xml' in r ? 'defined' : 'refused: ' + r.error}`);
}
