// A tiny element builder that writes libvirt's layout: two-space indent,
// attributes in single quotes, the same character escaping as virBufferEscapeString.

export type XmlAttrValue = string | number | boolean | undefined | null;

export interface XmlNode {
  name: string;
  attrs: Array<[string, string]>;
  children: Array<XmlNode | RawXml>;
  text?: string;
}

/** Pre-serialised XML written as is (re-indented line by line). */
export interface RawXml {
  raw: string;
}

export type XmlChild = XmlNode | RawXml | undefined | null | false;

/**
 * Builds an element. Attributes whose value is undefined/null are left out; booleans
 * are written as yes/no (use onOff() for on/off). `body` is a list of children or a text.
 */
export function el(name: string, attrs: Record<string, XmlAttrValue> = {}, body?: XmlChild[] | string): XmlNode {
  const node: XmlNode = { name, attrs: [], children: [] };
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined || v === null) continue;
    node.attrs.push([k, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)]);
  }
  if (typeof body === 'string') node.text = body;
  else if (body) for (const c of body) if (c) node.children.push(c);
  return node;
}

/** An element holding only text, or nothing when the text is undefined. */
export function textEl(name: string, text: string | number | undefined, attrs: Record<string, XmlAttrValue> = {}): XmlNode | undefined {
  return text === undefined ? undefined : el(name, attrs, String(text));
}

/** An element written only when `cond` holds (for flags like <readonly/>). */
export function flagEl(name: string, cond: boolean | undefined): XmlNode | undefined {
  return cond ? el(name) : undefined;
}

export function raw(xml: string): RawXml {
  return { raw: xml };
}

export function onOff(v: boolean | undefined): string | undefined {
  return v === undefined ? undefined : v ? 'on' : 'off';
}

/** libvirt's hex form: hex(3, 2) -> '0x03'. */
export function hex(n: number | undefined, width = 0): string | undefined {
  return n === undefined ? undefined : '0x' + n.toString(16).padStart(width, '0');
}

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

const NEEDS_ESCAPE = /[<>&'"]/;

export function escapeXml(s: string): string {
  // most values need no escaping: testing first avoids building a new string
  return NEEDS_ESCAPE.test(s) ? s.replace(/[<>&'"]/g, (c) => ESCAPES[c]) : s;
}

/** Serialises a node tree; the result ends with a newline. */
export function renderXml(node: XmlNode): string {
  const s = write(node, '');
  // a string grown by += is a rope of every piece, which costs many times its length while a
  // reply waits unsent; reading a character makes V8 flatten it once, here
  s.charCodeAt(0);
  return s;
}

function write(node: XmlNode, pad: string): string {
  let attrs = '';
  for (const [k, v] of node.attrs) attrs += ` ${k}='${escapeXml(v)}'`;
  if (node.text !== undefined) return `${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>\n`;
  if (node.children.length === 0) return `${pad}<${node.name}${attrs}/>\n`;
  let out = `${pad}<${node.name}${attrs}>\n`;
  const inner = pad + '  ';
  for (const c of node.children) {
    if ('raw' in c) out += c.raw.split('\n').map((l) => (l.trim() === '' ? '' : inner + l)).join('\n') + '\n';
    else out += write(c, inner);
  }
  return out + `${pad}</${node.name}>\n`;
}
