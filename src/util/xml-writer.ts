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
  for (const [k, v] of Object.entries(attrs)) {
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

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ESCAPES[c]);
}

/** Serialises a node tree; the result ends with a newline. */
export function renderXml(node: XmlNode): string {
  const out: string[] = [];
  write(node, 0, out);
  return out.join('');
}

function write(node: XmlNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = node.attrs.map(([k, v]) => ` ${k}='${escapeXml(v)}'`).join('');
  if (node.text !== undefined) {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>\n`);
    return;
  }
  if (node.children.length === 0) {
    out.push(`${pad}<${node.name}${attrs}/>\n`);
    return;
  }
  out.push(`${pad}<${node.name}${attrs}>\n`);
  for (const c of node.children) {
    if ('raw' in c) {
      const inner = '  '.repeat(depth + 1);
      out.push(c.raw.split('\n').map((l) => (l.trim() === '' ? '' : inner + l)).join('\n') + '\n');
    } else write(c, depth + 1, out);
  }
  out.push(`${pad}</${node.name}>\n`);
}
