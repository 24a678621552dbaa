// Hostile XML, generated from a seed: each input is a corpus document (test/fault/corpus/) put
// through one mutation: a truncation, byte flips, invalid UTF-8, deep nesting, entity and DTD
// tricks (internal subsets, the billion laughs, external entities), huge attributes and text,
// huge and negative numbers, names with '/', '..', NUL, newlines or 10,000 characters,
// duplicate targets and addresses, encodings declared and not. The same seed gives the same
// inputs, so a failure names the seed and index that reproduce it.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../e2e/rpc-fuzz-messages.js';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');
export type Kind = 'domain' | 'network' | 'pool' | 'volume' | 'nodedev';

export interface FuzzInput { kind: Kind; mutation: string; bytes: Buffer }

export function loadCorpus(): Array<{ kind: Kind; text: string }> {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.xml')).sort()
    .map((f) => ({ kind: f.split(/[.-]/)[0] as Kind, text: readFileSync(path.join(CORPUS_DIR, f), 'utf8') }));
}

const HOSTILE_NAMES = ['../../etc/passwd', 'a/b', '..', '.', 'x\u0000y', 'line\nbreak', 'x'.repeat(10_000), '', ' ', 'tab\tname', '-rf', '$(reboot)', '`id`', 'émoji-😀', '\u202e'];
const HOSTILE_NUMBERS = ['-1', '0', '18446744073709551616', '99999999999999999999999999', '-9223372036854775809', '1e309', 'NaN', '0x10', '1.5', ' 5', '+7', '١٢'];

type Mutate = (text: string, r: () => number) => Buffer | string;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const at = (r: () => number, n: number) => Math.floor(r() * n);

/** the places of element text and attribute values, for targeted replacement */
function valueSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(/>([^<>]+)</g)) if (m[1].trim()) spans.push([m.index! + 1, m.index! + 1 + m[1].length]);
  for (const m of text.matchAll(/='([^']*)'/g)) spans.push([m.index! + 2, m.index! + 2 + m[1].length]);
  return spans;
}
function replaceValue(text: string, r: () => number, value: string): string {
  const spans = valueSpans(text);
  if (!spans.length) return text;
  const [a, b] = pick(r, spans);
  return text.slice(0, a) + value + text.slice(b);
}
const rootName = (text: string) => /<([A-Za-z_][\w.-]*)/.exec(text)?.[1] ?? 'domain';

export const MUTATIONS: Record<string, Mutate> = {
  truncate: (t, r) => t.slice(0, at(r, t.length)),
  byteFlip: (t, r) => {
    const b = Buffer.from(t);
    for (let i = 1 + at(r, 4); i > 0; i--) b[at(r, b.length)] ^= 1 << at(r, 8);
    return b;
  },
  byteSet: (t, r) => {
    const b = Buffer.from(t);
    b[at(r, b.length)] = pick(r, [0x00, 0x01, 0x1b, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf8, 0xfe, 0xff, 0x3c, 0x26, 0x22, 0x27]);
    return b;
  },
  invalidUtf8: (t, r) => {
    const b = Buffer.from(t);
    const bad = pick(r, [[0xc3], [0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x90, 0x28, 0xbc], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff]]);
    const i = at(r, b.length);
    return Buffer.concat([b.subarray(0, i), Buffer.from(bad), b.subarray(i)]);
  },
  deepNesting: (t, r) => {
    const depth = pick(r, [100, 255, 256, 257, 300, 5000, 100_000]);
    const i = t.indexOf('</', t.lastIndexOf('<devices') > 0 ? t.lastIndexOf('</devices') : t.length - 1);
    const at_ = i > 0 ? i : t.lastIndexOf('</');
    return t.slice(0, at_) + '<a>'.repeat(depth) + '</a>'.repeat(depth) + t.slice(at_);
  },
  internalSubset: (t) => `<!DOCTYPE ${rootName(t)} [<!ENTITY x "expanded">]>\n${t.replace(/>([^<]+)</, '>&x;<')}`,
  billionLaughs: (t) => {
    let dtd = '<!ENTITY l0 "lol">';
    for (let i = 1; i <= 9; i++) dtd += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
    return `<?xml version="1.0"?>\n<!DOCTYPE ${rootName(t)} [${dtd}]>\n${t.replace(/>([^<]+)</, '>&l9;<')}`;
  },
  externalEntity: (t, r) => {
    const sys = pick(r, ['file:///etc/passwd', 'file:///dev/zero', 'http://127.0.0.1:1/x', '/etc/shadow']);
    return `<!DOCTYPE ${rootName(t)} [<!ENTITY e SYSTEM "${sys}">]>\n${t.replace(/>([^<]+)</, '>&e;<')}`;
  },
  externalDtd: (t) => `<!DOCTYPE ${rootName(t)} SYSTEM "file:///etc/passwd">\n${t}`,
  parameterEntity: (t) => `<!DOCTYPE ${rootName(t)} [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n${t}`,
  undefinedEntity: (t, r) => replaceValue(t, r, pick(r, ['&nbsp;', '&undefined;', '&#0;', '&#xD800;', '&#x110000;', '&#65;', '&amp', '&;', '&#;'])),
  hugeAttribute: (t, r) => replaceValue(t, r, 'A'.repeat(pick(r, [65_536, 1_000_000, 4_000_000]))),
  hugeText: (t, r) => t.replace(/<\/([A-Za-z]+)>\s*$/, (m) => `<description>${'B'.repeat(pick(r, [100_000, 2_000_000]))}</description>${m}`),
  hugeNumber: (t, r) => t.replace(/(<memory[^>]*>|<capacity[^>]*>|<mtu size=')([^<']+)/, (_m, a: string) => a + pick(r, HOSTILE_NUMBERS)),
  anyNumber: (t, r) => t.replace(/(?<=[>'])\d+(?=[<'])/g, (d) => (r() < 0.3 ? pick(r, HOSTILE_NUMBERS) : d)),
  hostileName: (t, r) => t.replace(/<name>[^<]*<\/name>/, `<name>${escapeText(pick(r, HOSTILE_NAMES))}</name>`),
  hostileValue: (t, r) => replaceValue(t, r, escapeAttr(pick(r, HOSTILE_NAMES))),
  hostilePath: (t, r) => t.replace(/(file='|<path>)[^'<]*/, (_m, a: string) => a + pick(r, ['../../../etc/shadow', '/proc/self/mem', '/dev/sda', 'relative/x', '/tmp/../etc', '/var/lib/tsvirt/images/../../../../etc/passwd'])),
  duplicateDevice: (t) => t.replace(/(<disk[\s\S]*?<\/disk>)/, '$1$1').replace(/(<interface[\s\S]*?<\/interface>)/, '$1$1'),
  duplicateAddress: (t) => t.replace(/<target dev='(\w+)'\/>/g, "<target dev='vda'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>"),
  duplicateAttribute: (t) => t.replace(/<(\w+) (\w+)='([^']*)'/, "<$1 $2='$3' $2='$3'"),
  duplicateElement: (t, r) => {
    const m = pick(r, [...t.matchAll(/<(\w+)[^>]*>[^<]*<\/\1>/g)].map((x) => x[0]).concat(['<x/>']));
    return t.replace(m, m + m);
  },
  encodingDecl: (t, r) => {
    const enc = pick(r, ['UTF-8', 'utf8', 'ISO-8859-1', 'US-ASCII', 'UTF-16', 'EBCDIC-XYZ', 'windows-1252', '']);
    const body = r() < 0.5 ? t.replace(/<name>([^<]*)<\/name>/, '<name>$1-é</name>') : t;
    return Buffer.concat([Buffer.from(`<?xml version="1.0" encoding="${enc}"?>\n`), enc.startsWith('ISO') || enc === 'windows-1252' ? Buffer.from(body, 'latin1') : Buffer.from(body)]);
  },
  bom: (t, r) => Buffer.concat([Buffer.from(pick(r, [[0xef, 0xbb, 0xbf], [0xfe, 0xff], [0xff, 0xfe], [0xef, 0xbb]])), Buffer.from(t)]),
  utf16: (t, r) => {
    const le = r() < 0.5;
    const b = Buffer.from(t, 'utf16le');
    if (!le) b.swap16();
    return Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), b]);
  },
  xmlDeclLate: (t) => `\n<?xml version="1.0"?>${t}`,
  controlChar: (t, r) => replaceValue(t, r, pick(r, ['\u0001', '\u0008', '\u000b', '\u000c', '\u001f', '\ufffe', '\uffff', '\u0000'])),
  cdataAndComments: (t, r) => replaceValue(t, r, pick(r, ['<![CDATA[x]]>', '<!-- c -->', '<!-- a -- b -->', ']]>', '<!---->', '<?pi x?>', '<!-->'])),
  badNames: (t, r) => t.replace(/<(\w+)/, `<${pick(r, ['1abc', '-x', '.y', 'a:b:c', 'xmlns', ':x', 'a b', 'é', 'x\u0000'])}`),
  namespaces: (t, r) => t.replace(/<(\w+)/, pick(r, ['<p:$1', '<$1 xmlns:p="urn:x" p:a="1" p:a="2"', '<$1 xmlns:="urn:x"', '<$1 xmlns:p=""', '<$1 xmlns:xml="urn:x"'])),
  attrSyntax: (t, r) => t.replace(/ (\w+)='/, pick(r, [' $1=\'<', ' $1="\'', ' $1=', ' $1 =  \'', ' $1=\'a\'b=\'c\'', ' ="x" $1=\''])),
  textOutside: (t, r) => pick(r, ['junk', '<x/>', '&amp;', '<![CDATA[x]]>']) + t + pick(r, ['', 'tail', '<y/>', '<!-- ok -->']),
  mismatchedTags: (t) => t.replace(/<\/(\w+)>/, '</$1x>'),
  empty: (_t, r) => pick(r, ['', ' ', '\n', '<', '<?xml version="1.0"?>', '<a', '<a>', '</a>', '\u0000']),
  repeatSplice: (t, r) => {
    const a = at(r, t.length), b = at(r, t.length);
    const piece = t.slice(Math.min(a, b), Math.max(a, b));
    const i = at(r, t.length);
    return t.slice(0, i) + piece + t.slice(i);
  },
};

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const escapeAttr = (s: string) => escapeText(s).replace(/'/g, '&apos;');

/** `count` inputs from `seed`: corpus documents in turn, each with one mutation (two, now and then) */
export function* generate(seed: number, count: number): Generator<FuzzInput> {
  const r = mulberry32(seed);
  const corpus = loadCorpus();
  const names = Object.keys(MUTATIONS);
  for (let i = 0; i < count; i++) {
    const doc = corpus[i % corpus.length]!;
    const m1 = pick(r, names);
    let out = MUTATIONS[m1]!(doc.text, r);
    let mutation = m1;
    if (typeof out === 'string' && r() < 0.2) {
      const m2 = pick(r, names);
      out = MUTATIONS[m2]!(out, r);
      mutation = `${m1}+${m2}`;
    }
    yield { kind: doc.kind, mutation, bytes: typeof out === 'string' ? Buffer.from(out) : out };
  }
}
