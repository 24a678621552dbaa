// Strict XML reader over xml-parse.ts. Every attribute and child element a
// parser reads is marked consumed; done() rejects whatever is left, so nothing
// in a document is ever silently dropped.
import { XmlError } from './errors.js';
import { CDATA_NODE, ELEMENT_NODE, TEXT_NODE, parseXml, serializeXml, type XmlNode } from './xml-parse.js';

/** Parses a document and returns its root; throws XmlError (with line) when malformed or not `rootName`. */
export function parseXmlDocument(text: string, rootName?: string): XmlElement {
  const root = parseXml(text);
  const el = new XmlElement(root);
  if (rootName !== undefined && el.name !== rootName) {
    throw new XmlError(`expected root element <${rootName}>, found <${el.name}>`, el.line);
  }
  return el;
}

export interface IntOptions {
  min?: number;
  max?: number;
}

/** One element of a parsed document, with consumption tracking. */
export class XmlElement {
  readonly name: string;
  readonly line: number;
  private readonly node: XmlNode;
  // Consumption is tracked without allocating per element until something is read (a define
  // parses thousands of elements): a bit per attribute index, a map of the children handed out.
  private usedAttrBits = 0;
  private usedAttrNames?: Set<string>;
  private handedOut?: Map<XmlNode, XmlElement[]>;
  private elems?: XmlNode[];
  private textUsed = false;
  private checked = false;

  constructor(node: XmlNode) {
    this.node = node;
    this.name = node.nodeName;
    this.line = node.lineNumber;
  }

  /** An XmlError located at this element. */
  error(message: string): XmlError {
    return new XmlError(message, this.line);
  }

  hasAttr(name: string): boolean {
    return this.rawAttr(name) !== undefined;
  }

  private rawAttr(name: string): string | undefined {
    const attrs = this.node.attributes;
    for (let i = 0; i < attrs.length; i++) if (attrs[i].name === name) return attrs[i].value;
    return undefined;
  }

  /** Optional attribute; marks it consumed. */
  attr(name: string): string | undefined {
    const attrs = this.node.attributes;
    for (let i = 0; i < attrs.length; i++) {
      if (attrs[i].name !== name) continue;
      if (i < 31) this.usedAttrBits |= 1 << i;
      else (this.usedAttrNames ??= new Set()).add(name);
      return attrs[i].value;
    }
    return undefined;
  }

  private attrUsed(i: number): boolean {
    return i < 31 ? (this.usedAttrBits & (1 << i)) !== 0 : this.usedAttrNames?.has(this.node.attributes[i].name) === true;
  }

  /** Required attribute. */
  reqAttr(name: string): string {
    const v = this.attr(name);
    if (v === undefined) throw this.error(`missing attribute '${name}' on <${this.name}>`);
    return v;
  }

  /** Integer attribute, decimal or 0x-prefixed hex as libvirt accepts. */
  intAttr(name: string, opts: IntOptions = {}): number | undefined {
    const v = this.attr(name);
    return v === undefined ? undefined : this.toInt(v, `attribute '${name}' on <${this.name}>`, opts);
  }

  reqIntAttr(name: string, opts: IntOptions = {}): number {
    const v = this.intAttr(name, opts);
    if (v === undefined) throw this.error(`missing attribute '${name}' on <${this.name}>`);
    return v;
  }

  /** yes/no or on/off attribute. */
  boolAttr(name: string): boolean | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (v === 'yes' || v === 'on') return true;
    if (v === 'no' || v === 'off') return false;
    throw this.error(`invalid value '${v}' for attribute '${name}' on <${this.name}>: expected yes/no or on/off`);
  }

  /** on/off only (libvirt's virTristateSwitch, which takes no yes/no), with libvirt's message. */
  switchAttr(name: string): boolean | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (v === 'on' || v === 'off') return v === 'on';
    throw this.error(`Invalid value for attribute '${name}' in element '${this.name}': '${v}'. Expected on/off`);
  }

  /** Attribute restricted to a list of values. */
  enumAttr<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      throw this.error(`invalid value '${v}' for attribute '${name}' on <${this.name}>: expected one of ${values.join(', ')}`);
    }
    return v as T;
  }

  reqEnumAttr<T extends string>(name: string, values: readonly T[]): T {
    const v = this.enumAttr(name, values);
    if (v === undefined) throw this.error(`missing attribute '${name}' on <${this.name}>`);
    return v;
  }

  toInt(text: string, what: string, opts: IntOptions = {}): number {
    const t = text.trim();
    let n: number;
    if (/^0x[0-9a-f]+$/i.test(t)) n = parseInt(t.slice(2), 16);
    else if (/^-?[0-9]+$/.test(t)) n = parseInt(t, 10);
    else throw this.error(`invalid integer '${text}' for ${what}`);
    if (!Number.isSafeInteger(n)) throw this.error(`integer '${text}' out of range for ${what}`);
    if (opts.min !== undefined && n < opts.min) throw this.error(`value ${n} for ${what} is below the minimum ${opts.min}`);
    if (opts.max !== undefined && n > opts.max) throw this.error(`value ${n} for ${what} is above the maximum ${opts.max}`);
    return n;
  }

  private elementChildren(): XmlNode[] {
    if (this.elems) return this.elems;
    const out: XmlNode[] = [];
    const kids = this.node.childNodes;
    for (let i = 0; i < kids.length; i++) if (kids[i].nodeType === ELEMENT_NODE) out.push(kids[i]);
    return (this.elems = out);
  }

  private wrap(n: XmlNode): XmlElement {
    const w = new XmlElement(n);
    const map = (this.handedOut ??= new Map());
    const list = map.get(n);
    if (list) list.push(w);
    else map.set(n, [w]);
    return w;
  }

  /** Names of the attributes (consumes nothing; for xmlns declarations). */
  attrNames(): string[] {
    return this.node.attributes.map((a) => a.name);
  }

  /** Names of the child elements, in document order (consumes nothing; for namespaced names). */
  childNames(): string[] {
    return this.elementChildren().map((n) => n.nodeName);
  }

  /** All child elements named `name`, in document order. */
  children(name: string): XmlElement[] {
    return this.elementChildren().filter((n) => n.nodeName === name).map((n) => this.wrap(n));
  }

  /** The single child element `name`; more than one is an error. */
  child(name: string): XmlElement | undefined {
    const elems = this.elementChildren();
    let found: XmlNode | undefined;
    for (let i = 0; i < elems.length; i++) {
      if (elems[i].nodeName !== name) continue;
      if (found) throw new XmlError(`element <${name}> may appear only once in <${this.name}>`, elems[i].lineNumber);
      found = elems[i];
    }
    return found ? this.wrap(found) : undefined;
  }

  /** Every child element in document order (consumes them all). */
  allChildren(): XmlElement[] {
    return this.elementChildren().map((n) => this.wrap(n));
  }

  /** Text content of this element (must hold no child elements). */
  text(): string {
    this.textUsed = true;
    let s = '';
    const kids = this.node.childNodes;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.nodeType === TEXT_NODE || k.nodeType === CDATA_NODE) s += k.nodeValue ?? '';
    }
    return s;
  }

  /** Text of child `name`, or undefined when that child is absent. */
  childText(name: string): string | undefined {
    const c = this.child(name);
    if (!c) return undefined;
    const t = c.text();
    c.done();
    return t;
  }

  /** The inner XML (children serialised verbatim, namespaces kept), trimmed and dedented. */
  innerXml(): string {
    this.textUsed = true;
    const kids = this.node.childNodes;
    let s = '';
    for (let i = 0; i < kids.length; i++) {
      if (kids[i].nodeType === ELEMENT_NODE) (this.handedOut ??= new Map()).set(kids[i], []);
      s += serializeXml(kids[i]);
    }
    return dedent(s.trim());
  }

  /** Rejects any attribute, child element or text that no parser consumed (recursively for handed-out children). */
  done(): void {
    if (this.checked) return;
    this.checked = true;
    const attrs = this.node.attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i].name;
      if (a === 'xmlns' || a.startsWith('xmlns:')) continue;
      if (!this.attrUsed(i)) throw this.error(`unsupported attribute '${a}' on <${this.name}>`);
    }
    const kids = this.node.childNodes;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      const handed = k.nodeType === ELEMENT_NODE ? this.handedOut?.get(k) : undefined;
      if (k.nodeType === ELEMENT_NODE && !handed) {
        throw new XmlError(`unsupported element <${k.nodeName}> in <${this.name}>`, k.lineNumber);
      }
      // children are checked in document order, so the first problem in the file is reported
      if (handed) for (const w of handed) w.done();
      if ((k.nodeType === TEXT_NODE || k.nodeType === CDATA_NODE) && !this.textUsed && (k.nodeValue ?? '').trim() !== '') {
        const t = (k.nodeValue ?? '').trim();
        throw new XmlError(`unexpected text '${t.length > 40 ? t.slice(0, 40) + '...' : t}' in <${this.name}>`, k.lineNumber);
      }
    }
  }
}

/** Removes the common indentation of lines after the first (the first line was trimmed). */
export function dedent(s: string): string {
  const lines = s.split('\n');
  if (lines.length < 2) return s;
  let min = Infinity;
  for (const l of lines.slice(1)) {
    if (l.trim() === '') continue;
    min = Math.min(min, l.length - l.trimStart().length);
  }
  if (!Number.isFinite(min) || min === 0) return s;
  return [lines[0], ...lines.slice(1).map((l) => l.slice(Math.min(min, l.length - l.trimStart().length)))].join('\n');
}
