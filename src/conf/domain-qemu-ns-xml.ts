// The QEMU driver's XML namespace (http://libvirt.org/schemas/domain/qemu/1.0): <qemu:commandline>,
// <qemu:capabilities>, <qemu:override> and <qemu:deprecation> (qemuDomainDefNamespaceParse/FormatXML).
// libvirt matches the namespace URI, whatever prefix the input binds it to (virsh users often get
// ns0: from XML tools), and always writes it back with the prefix qemu:. Elements of any other
// namespace are refused with their name.
import type { Domain, QemuNamespace } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlChild, type XmlNode } from '../util/xml-writer.js';

export const QEMU_NS_URI = 'http://libvirt.org/schemas/domain/qemu/1.0';
const PARTS = ['commandline', 'capabilities', 'override', 'deprecation'] as const;
const OVERRIDE_TYPES = ['string', 'signed', 'unsigned', 'bool', 'remove'] as const;

type Scope = Map<string, string>; // prefix ('' = default namespace) -> URI

/** The namespace scope inside `e` (its own xmlns declarations over the parent's). */
function scopeOf(e: XmlElement, parent: Scope): Scope {
  const s = new Map(parent);
  for (const a of e.attrNames()) {
    if (a === 'xmlns') s.set('', e.attr(a) ?? '');
    else if (a.startsWith('xmlns:')) s.set(a.slice(6), e.attr(a) ?? '');
  }
  return s;
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);
const prefixOf = (name: string) => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');

/** Children of `e` in the qemu namespace, by local name; a child of another namespace is refused. */
function qemuChildren(e: XmlElement, scope: Scope): Array<[string, XmlElement, Scope]> {
  const out: Array<[string, XmlElement, Scope]> = [];
  for (const name of new Set(e.childNames())) {
    for (const c of e.children(name)) {
      const s = scopeOf(c, scope);
      const uri = s.get(prefixOf(name));
      if (uri !== QEMU_NS_URI) throw c.error(`unsupported element <${name}> in <${e.name}>: namespace '${uri ?? 'none'}' is not supported (only ${QEMU_NS_URI})`);
      out.push([localName(name), c, s]);
    }
  }
  return out;
}

function parseProperty(p: XmlElement): QemuNamespace['overrides'][number]['frontend'][number] {
  const name = p.attr('name');
  if (name === undefined) throw p.error("missing 'name' attribute for qemu:property");
  if (name === 'id') throw p.error("property with name 'id' can't be overridden");
  const type = p.reqEnumAttr('type', OVERRIDE_TYPES);
  const value = p.attr('value');
  if (value === undefined && type !== 'remove') throw p.error("missing 'value' attribute for 'qemu:property'");
  if (value !== undefined && type === 'remove') throw p.error("setting 'value' attribute of 'qemu:property' doesn't make sense with 'remove' type");
  const bad = () => p.error(`invalid value '${value}' of 'value' attribute of 'qemu:property'`);
  if (type === 'signed' && !/^[-+]?\d+$/.test(value!)) throw bad();
  if (type === 'unsigned' && !/^\+?\d+$/.test(value!)) throw bad();
  if (type === 'bool' && value !== 'true' && value !== 'false') throw bad();
  return value === undefined ? { name, type } : { name, type, value };
}

/** Parses the qemu: elements of <domain> `x` into dom.qemuNs (absent when there are none). */
export function parseQemuNamespace(x: XmlElement, dom: Domain): void {
  const ns: QemuNamespace = { args: [], env: [], capsAdd: [], capsDel: [], overrides: [] };
  const root = scopeOf(x, new Map());
  let any = false;
  for (const name of new Set(x.childNames())) {
    const prefix = prefixOf(name);
    const local = localName(name);
    // unprefixed children are libvirt's own elements, unless they are qemu parts in a default namespace
    if (prefix === '' && !(PARTS as readonly string[]).includes(local)) continue;
    for (const part of x.children(name)) {
      const scope = scopeOf(part, root);
      const uri = scope.get(prefix);
      if (uri !== QEMU_NS_URI) {
        if (prefix === '' && uri === undefined) throw part.error(`unsupported element <${name}> in <domain>`);
        throw part.error(`unsupported element <${name}> in <domain>: namespace '${uri ?? 'undeclared'}' is not supported (only ${QEMU_NS_URI})`);
      }
      if (!(PARTS as readonly string[]).includes(local)) throw part.error(`unsupported element <${name}> in <domain>`);
      any = true;
      const kids = qemuChildren(part, scope);
      const want = (allowed: string[]) => {
        for (const [l, c] of kids) if (!allowed.includes(l)) throw c.error(`unsupported element <${c.name}> in <${name}>`);
      };
      if (local === 'commandline') {
        want(['arg', 'env']);
        for (const [l, c] of kids) {
          if (l === 'arg') {
            const v = c.attr('value');
            if (v === undefined) throw c.error('No qemu command-line argument specified');
            ns.args.push(v);
          } else {
            const envName = c.attr('name');
            if (envName === undefined) throw c.error('No qemu environment name specified');
            if (!/^[A-Za-z_]/.test(envName)) throw c.error('Invalid environment name, it must begin with a letter or underscore');
            if (!/^[A-Za-z0-9_]*$/.test(envName)) throw c.error('Invalid environment name, it must contain only alphanumerics and underscore');
            const value = c.attr('value');
            ns.env.push(value === undefined ? { name: envName } : { name: envName, value });
          }
        }
      } else if (local === 'capabilities') {
        want(['add', 'del']);
        for (const [l, c] of kids) {
          const cap = c.attr('capability');
          if (cap === undefined) throw c.error('missing capability name');
          (l === 'add' ? ns.capsAdd : ns.capsDel).push(cap);
        }
      } else if (local === 'override') {
        want(['device']);
        for (const [, d, ds] of kids) {
          const alias = d.attr('alias');
          if (alias === undefined) throw d.error("missing 'alias' attribute for qemu:device");
          const fronts = qemuChildren(d, ds);
          for (const [l, f] of fronts) if (l !== 'frontend') throw f.error(`unsupported element <${f.name}> in <${d.name}>`);
          const frontend = fronts.flatMap(([, f, fs]) => qemuChildren(f, fs).map(([l, p]) => {
            if (l !== 'property') throw p.error(`unsupported element <${p.name}> in <${f.name}>`);
            return parseProperty(p);
          }));
          ns.overrides.push({ alias, frontend });
        }
      } else {
        want([]);
        const b = part.attr('behavior');
        if (b !== undefined) ns.deprecation = b;
      }
    }
  }
  if (any) dom.qemuNs = ns;
}

/** The qemu: elements at the end of <domain>, in libvirt's order. */
export function formatQemuNamespace(ns: QemuNamespace | undefined): XmlChild[] {
  if (!ns) return [];
  const cmd: XmlNode[] = [
    ...ns.args.map((v) => el('qemu:arg', { value: v })),
    ...ns.env.map((e) => el('qemu:env', { name: e.name, value: e.value })),
  ];
  const caps: XmlNode[] = [...ns.capsAdd.map((c) => el('qemu:add', { capability: c })), ...ns.capsDel.map((c) => el('qemu:del', { capability: c }))];
  const devices = ns.overrides.map((d) => el('qemu:device', { alias: d.alias }, d.frontend.length
    ? [el('qemu:frontend', {}, d.frontend.map((p) => el('qemu:property', { name: p.name, type: p.type, value: p.value })))]
    : undefined));
  return [
    cmd.length > 0 && el('qemu:commandline', {}, cmd),
    caps.length > 0 && el('qemu:capabilities', {}, caps),
    devices.length > 0 && el('qemu:override', {}, devices),
    ns.deprecation !== undefined && el('qemu:deprecation', { behavior: ns.deprecation }),
  ];
}

/** libvirt writes xmlns:qemu on <domain> only when there is namespace data. */
export function qemuNamespaceAttr(dom: Domain): string | undefined {
  return dom.qemuNs ? QEMU_NS_URI : undefined;
}
