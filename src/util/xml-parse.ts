// A small, strict XML parser for configuration documents (libvirt domain, network, pool and
// volume XML): elements, attributes, text, CDATA, comments, processing instructions, the five
// predefined entities and character references, with the line of every node. No DTDs (an
// internal subset is refused, so no entity expansion), no external anything.
// Why not a DOM library: parsing a domain with @xmldom/xmldom took 0.26 ms, a quarter of a
// define; loading it took ~8 ms of every CLI start. This does the same job in a fraction.
import { XmlError } from './errors.js';

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_NODE = 4;
export const PI_NODE = 7;
export const COMMENT_NODE = 8;

export interface XmlAttr {
  name: string;
  value: string;
}

export interface XmlNode {
  nodeType: number;
  /** element or PI target name; '#text', '#cdata-section', '#comment' otherwise */
  nodeName: string;
  /** text, CDATA, comment or PI data; null for elements */
  nodeValue: string | null;
  lineNumber: number;
  childNodes: XmlNode[];
  attributes: XmlAttr[];
  parent: XmlNode | undefined;
}

const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/y;
const SPACE = /[ \t\n]*/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const MAX_DEPTH = 256;
// C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF; unpaired surrogates
const LIT = `(?:"[^"]*"|'[^']*')`;
const DOCTYPE = new RegExp(`^<!DOCTYPE\\s+[^\\s>]+(?:\\s+(?:SYSTEM\\s+${LIT}|PUBLIC\\s+${LIT}\\s+${LIT}))?\\s*>$`);
const BAD_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Parses a whole document and returns its root element; throws XmlError ("malformed XML: ...", with line). */
export function parseXml(input: string): XmlNode {
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineAt = 0;
  // lines are counted forward as the parse goes; an earlier position (errors only) counts from the start
  // (each newline is looked for once: a document of one long line must not cost its length per node)
  let nextNewline = text.indexOf('\n');
  const lineOf = (p: number): number => {
    if (p < lineAt) return text.slice(0, p).split('\n').length;
    while (nextNewline !== -1 && nextNewline < p) {
      line++;
      nextNewline = text.indexOf('\n', nextNewline + 1);
    }
    lineAt = p;
    return line;
  };
  const fail = (msg: string, p = pos): never => {
    throw new XmlError(`malformed XML: ${msg}`, lineOf(p));
  };
  // characters XML does not allow anywhere (libxml2: "Char 0x0 out of allowed range")
  let seenDoctype = false;
  const bad = BAD_CHAR.exec(text);
  if (bad) fail(`character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, bad.index);
  const node = (nodeType: number, nodeName: string, nodeValue: string | null, at: number, parent: XmlNode | undefined): XmlNode =>
    ({ nodeType, nodeName, nodeValue, lineNumber: lineOf(at), childNodes: [], attributes: [], parent });
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(text);
    if (!m) fail(`expected a name at '${text.slice(pos, pos + 10)}'`);
    pos += m![0].length;
    return m![0];
  };
  const skipSpace = () => {
    SPACE.lastIndex = pos;
    SPACE.exec(text);
    pos = SPACE.lastIndex;
  };
  const decode = (s: string, at: number): string => {
    if (!s.includes('&')) return s;
    let out = '';
    let i = 0;
    for (let amp = s.indexOf('&'); amp !== -1; amp = s.indexOf('&', i)) {
      out += s.slice(i, amp);
      const semi = s.indexOf(';', amp);
      const ref = semi === -1 ? '' : s.slice(amp + 1, semi);
      let ch: string | undefined = ENTITIES[ref];
      if (ch === undefined && /^#x[0-9a-fA-F]+$/.test(ref)) ch = codePoint(parseInt(ref.slice(2), 16));
      else if (ch === undefined && /^#[0-9]+$/.test(ref)) ch = codePoint(parseInt(ref.slice(1), 10));
      if (ch === undefined) fail(semi === -1 || /[\s<&]/.test(ref) ? "'&' not followed by an entity reference" : `entity '&${ref};' is not defined`, at);
      out += ch;
      i = semi + 1;
    }
    return out + s.slice(i);
  };

  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const top = () => stack[stack.length - 1];
  const append = (n: XmlNode) => top()!.childNodes.push(n);

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const end = lt === -1 ? text.length : lt;
    if (end > pos) {
      const raw = text.slice(pos, end);
      if (raw.includes(']]>')) fail("']]>' in text", pos + raw.indexOf(']]>'));
      if (stack.length) append(node(TEXT_NODE, '#text', decode(raw, pos), pos, top()));
      else if (raw.trim() !== '') fail(`text outside the root element: '${raw.trim().slice(0, 20)}'`);
      pos = end;
    }
    if (lt === -1) break;
    const c1 = text.charCodeAt(pos + 1);
    // most tags are start tags: a letter after '<' skips the other checks
    if (((c1 | 0x20) < 0x61 || (c1 | 0x20) > 0x7a) && text.startsWith('<!--', pos)) {
      const e = text.indexOf('-->', pos + 4);
      if (e === -1) fail('unclosed comment');
      const body = text.slice(pos + 4, e);
      if (body.includes('--') || body.endsWith('-')) fail("'--' inside a comment");
      if (stack.length) append(node(COMMENT_NODE, '#comment', text.slice(pos + 4, e), pos, top()));
      pos = e + 3;
    } else if (text.startsWith('<![CDATA[', pos)) {
      const e = text.indexOf(']]>', pos + 9);
      if (e === -1) fail('unclosed CDATA section');
      if (!stack.length) fail('CDATA outside the root element');
      append(node(CDATA_NODE, '#cdata-section', text.slice(pos + 9, e), pos, top()));
      pos = e + 3;
    } else if (text.startsWith('<?', pos)) {
      const e = text.indexOf('?>', pos + 2);
      if (e === -1) fail('unclosed processing instruction');
      const body = text.slice(pos + 2, e);
      const target = /^[^\s]*/.exec(body)![0];
      if (target.toLowerCase() === 'xml' && pos !== (text.charCodeAt(0) === 0xfeff ? 1 : 0)) fail('the XML declaration is allowed only at the start of the document');
      if (stack.length) append(node(PI_NODE, target, body.slice(target.length).trim(), pos, top()));
      pos = e + 2;
    } else if (text.startsWith('<!DOCTYPE', pos)) {
      if (root || stack.length) fail('DOCTYPE after the root element');
      const e = text.indexOf('>', pos);
      if (e === -1) fail('unclosed DOCTYPE');
      if (text.slice(pos, e).includes('[')) fail('a DOCTYPE with an internal subset is not supported');
      if (seenDoctype) fail('a second DOCTYPE');
      // the external DTD it may name is never read (no file or network access while parsing)
      if (!DOCTYPE.test(text.slice(pos, e + 1))) fail('DOCTYPE improperly written');
      seenDoctype = true;
      pos = e + 1;
    } else if (text.startsWith('</', pos)) {
      const at = pos;
      pos += 2;
      const name = readName();
      skipSpace();
      if (text[pos] !== '>') fail(`expected '>' to end </${name}>`);
      pos++;
      const open = stack.pop();
      if (!open) fail(`end tag </${name}> without a start tag`, at);
      if (open!.nodeName !== name) fail(`end tag </${name}> mismatches <${open!.nodeName}>, opened on line ${open!.lineNumber}`, at);
    } else {
      const at = pos;
      pos++;
      if (root && !stack.length) fail('more than one root element');
      const el = node(ELEMENT_NODE, readName(), null, at, top());
      for (;;) {
        const before = pos;
        skipSpace();
        if (text.startsWith('/>', pos)) {
          pos += 2;
          break;
        }
        if (text[pos] === '>') {
          pos++;
          // libxml2's limit (libvirt parses with it): deeper documents are refused, not recursed into
          if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`, at);
          stack.push(el);
          break;
        }
        if (pos >= text.length) fail(`unclosed start tag <${el.nodeName}>`, at);
        if (pos === before) fail(`expected whitespace, '>' or '/>' in <${el.nodeName}>`);
        const name = readName();
        skipSpace();
        if (text[pos] !== '=') fail(`attribute '${name}' on <${el.nodeName}> has no value`);
        pos++;
        skipSpace();
        const q = text[pos];
        if (q !== '"' && q !== "'") fail(`the value of attribute '${name}' on <${el.nodeName}> is not quoted`);
        const close = text.indexOf(q, pos + 1);
        if (close === -1) fail(`unclosed value of attribute '${name}' on <${el.nodeName}>`);
        const raw = text.slice(pos + 1, close);
        if (raw.includes('<')) fail(`'<' in the value of attribute '${name}' on <${el.nodeName}>`);
        if (el.attributes.some((a) => a.name === name)) fail(`attribute '${name}' appears twice on <${el.nodeName}>`);
        // attribute-value normalisation: literal tabs and newlines become spaces
        const norm = raw.includes('\n') || raw.includes('\t') ? raw.replace(/[\t\n]/g, ' ') : raw;
        const value = decode(norm, pos);
        if (name.startsWith('xmlns:')) checkNamespaceDecl(name.slice(6), value, el.nodeName, fail);
        el.attributes.push({ name, value });
        pos = close + 1;
      }
      for (const a of el.attributes) {
        const i = a.name.indexOf(':');
        if (i < 0 || a.name.startsWith('xmlns:')) continue;
        if (i === 0 || i === a.name.length - 1 || a.name.includes(':', i + 1)) fail(`attribute name '${a.name}' on <${el.nodeName}> is not a qualified name`, at);
        const prefix = a.name.slice(0, i);
        if (prefix !== 'xml' && lookupNamespace(el, prefix) === undefined) fail(`namespace prefix '${prefix}' of attribute '${a.name}' on <${el.nodeName}> is not declared`, at);
      }
      if (el.parent) el.parent.childNodes.push(el);
      else root = el;
    }
  }
  if (stack.length) fail(`unclosed element <${top()!.nodeName}>, opened on line ${top()!.lineNumber}`);
  if (!root) fail('missing root element');
  return root!;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Namespaces in XML 1.0's rules for xmlns:P="URI", as libxml2 checks them */
function checkNamespaceDecl(prefix: string, uri: string, on: string, fail: (msg: string) => never): void {
  if (prefix === '' || prefix.includes(':')) fail(`'xmlns:${prefix}' on <${on}> is not a namespace declaration`);
  if (uri === '') fail(`xmlns:${prefix} on <${on}>: a prefix cannot be bound to the empty namespace`);
  if (prefix === 'xmlns') fail(`the prefix 'xmlns' on <${on}> cannot be declared`);
  if ((prefix === 'xml') !== (uri === XML_NS)) fail(`the xml prefix and ${XML_NS} belong only to each other (<${on}>)`);
}

function codePoint(n: number): string | undefined {
  if (n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
  return String.fromCodePoint(n);
}

const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/**
 * Writes a node back as XML text. A prefix (or default namespace) the node uses but that is
 * declared only above it is declared on it, so the text stands alone.
 */
export function serializeXml(n: XmlNode): string {
  return serialize(n, new Set());
}

function serialize(n: XmlNode, declared: Set<string>): string {
  switch (n.nodeType) {
    case TEXT_NODE: return escText(n.nodeValue ?? '');
    case CDATA_NODE: return `<![CDATA[${n.nodeValue}]]>`;
    case COMMENT_NODE: return `<!--${n.nodeValue}-->`;
    case PI_NODE: return `<?${n.nodeName}${n.nodeValue ? ` ${n.nodeValue}` : ''}?>`;
  }
  const inScope = new Set(declared);
  let s = `<${n.nodeName}`;
  for (const a of n.attributes) {
    s += ` ${a.name}="${escAttr(a.value)}"`;
    if (a.name === 'xmlns') inScope.add('');
    else if (a.name.startsWith('xmlns:')) inScope.add(a.name.slice(6));
  }
  const used = [prefixOf(n.nodeName) ?? '', ...n.attributes.map((a) => prefixOf(a.name)).filter((p): p is string => p !== undefined)];
  for (const p of new Set(used)) {
    if (inScope.has(p) || p === 'xml' || p === 'xmlns') continue;
    const uri = lookupNamespace(n.parent, p);
    if (uri === undefined || (p === '' && uri === '')) continue;
    s += p === '' ? ` xmlns="${escAttr(uri)}"` : ` xmlns:${p}="${escAttr(uri)}"`;
    inScope.add(p);
  }
  if (!n.childNodes.length) return `${s}/>`;
  return `${s}>${n.childNodes.map((c) => serialize(c, inScope)).join('')}</${n.nodeName}>`;
}

function prefixOf(name: string): string | undefined {
  const i = name.indexOf(':');
  return i > 0 ? name.slice(0, i) : undefined;
}

function lookupNamespace(n: XmlNode | undefined, prefix: string): string | undefined {
  const attr = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  for (let e = n; e; e = e.parent) {
    const a = e.attributes.find((x) => x.name === attr);
    if (a) return a.value;
  }
  return undefined;
}
