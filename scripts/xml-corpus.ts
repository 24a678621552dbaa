// How much of a corpus of domain XML tsvirt accepts, and why it refuses the rest (most common
// reasons first). The corpus used in issue notes is libvirt 9.0's own test inputs:
//   npx tsx scripts/xml-corpus.ts /path/to/libvirt-9.0.0/tests/qemuxml2argvdata [--list REASON]
// With --libvirt FILE (the JSON test/golden/libvirt-dumpxml.py prints for the same inputs) only
// the inputs libvirt itself defines count, and the dumpxml --inactive of each accepted one is
// compared with libvirt's (generated UUIDs and MACs aside); --diff NAME prints one such diff.
// Inputs for other architectures or other hypervisors are left out (tsvirt is QEMU on x86_64).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDomainXml, parseAndPrepareDomain } from '../src/conf/domain-xml.js';

const opt = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const libvirtFile = opt('--libvirt');
const diffCase = opt('--diff');
const libvirt: Record<string, { xml?: string; error?: string }> | undefined = libvirtFile ? JSON.parse(readFileSync(libvirtFile, 'utf8')) : undefined;
const normalize = (x: string) => x.replace(/<mac address='[^']*'\/>/g, "<mac address='MAC'/>").replace(/<uuid>[^<]*<\/uuid>/, '<uuid>UUID</uuid>');
let same = 0;
const differing: string[] = [];

const dir = process.argv[2];
const listReason = process.argv[3] === '--list' ? process.argv[4] : undefined;
if (!dir) {
  console.error('usage: xml-corpus.ts DIR [--list REASON]');
  process.exit(2);
}
const canonicalMachines = { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' };
const reasons = new Map<string, string[]>();
let total = 0;
let accepted = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.xml')).sort()) {
  const xml = readFileSync(join(dir, f), 'utf8');
  const arch = /<type[^>]*arch=['"]([^'"]+)/.exec(xml)?.[1];
  if ((arch && arch !== 'x86_64' && arch !== 'i686') || !/<domain[^>]*type=['"](qemu|kvm)['"]/.test(xml)) continue;
  const lv = libvirt?.[f.slice(0, -4)];
  if (libvirt && !lv?.xml) continue;
  total++;
  try {
    const dom = parseAndPrepareDomain(xml, { arch: 'x86_64', defaultMachine: 'pc-i440fx-7.2', emulator: '/usr/bin/qemu-system-x86_64', canonicalMachines });
    accepted++;
    if (lv?.xml) {
      const ours = normalize(formatDomainXml(dom, { inactive: true }));
      if (ours === normalize(lv.xml)) same++;
      else differing.push(f);
      if (diffCase && f.startsWith(diffCase)) {
        const a = ours.split('\n');
        const b = normalize(lv.xml).split('\n');
        for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) console.log(`${i + 1}\n  tsvirt:  ${a[i]}\n  libvirt: ${b[i]}`);
      }
    }
  } catch (e) {
    const msg = (e as Error).message.replace(/^line \d+: /, '').replace(/'[^']*'/g, (m) => (m.startsWith("'<") ? m : m.length > 24 ? "'…'" : m));
    const key = /unsupported element <[^>]+> in <[^>]+>/.exec(msg)?.[0] ?? msg.slice(0, 110);
    (reasons.get(key) ?? reasons.set(key, []).get(key)!).push(f);
  }
}
if (listReason) {
  for (const [k, files] of reasons) if (k.includes(listReason)) console.log(files.join('\n'));
} else {
  console.log(`${accepted} of ${total} x86 QEMU inputs${libvirt ? ' that libvirt 9.0 defines' : ''} accepted (${((100 * accepted) / total).toFixed(1)}%)`);
  if (libvirt) console.log(`${same} of ${accepted} accepted give libvirt's dumpxml --inactive byte for byte (UUIDs/MACs aside); differing: ${differing.slice(0, 40).join(' ')}`);
  for (const [k, files] of [...reasons].sort((a, b) => b[1].length - a[1].length).slice(0, 60)) console.log(`${String(files.length).padStart(5)}  ${k}`);
}
